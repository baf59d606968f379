"""What the job page shows: the job row with its events folded in one at a time, the same for page and socket."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.generation.agents import agent_names
from app.models import Job, JobStatus, utcnow
from app.services.estimates import Typical
from app.services.events import Event
from app.web.jobs.file_tree import TreeNode, build_tree
from app.web.jobs.log_lines import LogLine, LogRun, log_line, log_runs, moment_of

AGENT_ROLES = {
    "planner": "turns the request into a project spec",
    "architect": "plans every file",
    "coder": "writes the files",
    "reviewer": "checks every file",
    "tester": "runs the project's own tests and build",
}
USAGE_KEYS = ("tokens_in", "tokens_out", "cost_usd", "calls")
# The parts of the job page that change while it runs; each is a template `jobs/_<name>.html` whose root
# element has a stable id, so the socket can replace it whole (outerHTML).
SECTIONS = ("status", "actions", "timeline", "usage", "files", "results", "log")
# Which sections each kind of event can change (besides the log, which every event extends, and the status
# line, which shows progress). A `done` event can change them all.
EVENT_SECTIONS: dict[str, tuple[str, ...]] = {
    "job": ("status",), "agent": ("status", "timeline", "results"), "file": ("status", "files"),
    "review": ("results",), "test": ("results",), "usage": ("status", "usage"), "log": (), "done": SECTIONS,
}


@dataclass
class AgentStep:
    name: str
    status: str = "waiting"  # waiting | working | done | failed | skipped | cancelled
    message: str = ""
    latest: str = ""  # the agent's newest log line while it works: what a long step is waiting for
    started: datetime | None = None
    finished: datetime | None = None
    rounds: int = 0  # repair rounds this agent ran (coder) or re-runs (reviewer, tester)

    @property
    def duration_s(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return max(0.0, (self.finished - self.started).total_seconds())

    @property
    def role(self) -> str:
        return AGENT_ROLES.get(self.name, "")

    @property
    def started_iso(self) -> str:
        return self.started.isoformat() if self.started else ""


@dataclass(eq=False)
class JobState:
    """The job row with its events folded in, one event at a time (`apply_event`), the row replaced when re-read.

    Facts the events tell and facts the row holds are kept apart; the properties below decide between them, so
    folding one more event never means re-reading the others.
    """

    row: Job
    stored_files: dict[str, int] | None = None  # the final file list from the database, once the job has one
    steps: dict[str, AgentStep] = field(default_factory=lambda: {name: AgentStep(name) for name in agent_names()})
    told_status: str | None = None  # what the events say: "running", or the status of the `done` event
    told_progress: int = 0
    working: str | None = None
    done_message: str | None = None
    written: dict[str, int] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    counted: dict[str, dict[str, Any]] = field(default_factory=dict)  # usage added up from `usage` events
    models: list[str] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    streamed_lines: int = 0
    started: datetime | None = None  # when the `job running` event says the job started
    last_event_id: str = "0-0"
    # The median duration of recent completed jobs like this one, read once per state (None: no history);
    # `views.remaining_estimate` fills it, so that a socket's later events cost no query.
    typical: Typical | None = None
    typical_read: bool = False

    @property
    def job_id(self) -> str:
        return self.row.id

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def template_id(self) -> str:
        return self.row.template_id

    @property
    def verified(self) -> bool:
        return bool(self.row.verified)

    @property
    def files_stored(self) -> bool:
        return bool(self.row.files_count)

    @property
    def zip_ready(self) -> bool:
        return bool(self.row.zip_sha256)

    @property
    def duration_s(self) -> float | None:
        if self.row.started_at is None and self.started is not None:  # the row was read before the job started
            return round((utcnow() - self.started).total_seconds(), 3)
        return self.row.duration_s

    @property
    def started_iso(self) -> str:
        """When the job started, for the page's elapsed-time ticker ('' while it waits in the queue)."""
        moment = self.row.started_at or self.started
        return moment.isoformat() if moment else ""

    @property
    def status(self) -> str:
        if JobStatus(self.row.status).is_final:
            return self.row.status
        return self.told_status or self.row.status

    @property
    def finished(self) -> bool:
        return JobStatus(self.status).is_final

    @property
    def progress(self) -> int:
        if self.status == JobStatus.COMPLETED.value:
            return 100
        return min(100, max(self.row.progress or 0, self.told_progress))

    @property
    def current_agent(self) -> str | None:
        return None if self.finished else self.working

    @property
    def error(self) -> str | None:
        if self.row.error:
            return self.row.error
        return self.done_message if self.finished and self.status != JobStatus.COMPLETED.value else None

    @property
    def agents(self) -> list[AgentStep]:
        if not self.finished:
            return list(self.steps.values())
        return [_closed(step, self.status) for step in self.steps.values()]

    @property
    def files(self) -> dict[str, int]:
        return self.stored_files if self.stored_files is not None else dict(sorted(self.written.items()))

    @property
    def usage(self) -> dict[str, dict[str, Any]]:
        """The row's final figures once it has them, else what the `usage` events added up to."""
        if self.row.usage:
            return {agent: {k: figures.get(k, 0) for k in USAGE_KEYS} for agent, figures in self.row.usage.items()}
        return self.counted

    @property
    def tokens(self) -> int:
        return sum(int(u.get("tokens_in", 0)) + int(u.get("tokens_out", 0)) for u in self.usage.values())

    @property
    def cost_usd(self) -> float | None:
        """None when a call used a model without a known price: the cost is unknown, not zero."""
        costs = [u.get("cost_usd", 0.0) for u in self.usage.values()]
        return None if any(c is None for c in costs) else sum(float(c) for c in costs)

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c.get("ok") and not c.get("skipped")]

    @property
    def summary(self) -> str:
        """One sentence for screen readers, announced when it changes."""
        if self.finished:
            return f"Job {self.status}." + (f" {self.error}" if self.error else "")
        if self.current_agent:
            return f"{self.current_agent.capitalize()} is working, {self.progress}% done."
        return f"Job {self.status}, {self.progress}% done."

    def step(self, name: str) -> AgentStep:
        return next(step for step in self.agents if step.name == name)

    def file_tree(self) -> list[TreeNode]:
        return build_tree(self.files)

    def log_runs(self) -> list[LogRun]:
        return log_runs(self.log)

    @property
    def log_agents(self) -> list[str]:
        """What the log can be filtered by: each agent, then the job's own lines."""
        return [*self.steps, "job"]


def build_state(job: Job, events: Iterable[Event], stored_files: Iterable[tuple[str, int]] | None = None) -> JobState:
    """Fold the events over the job row. `stored_files`, when given, is the final file list from the database."""
    state = JobState(job)
    for event in events:
        apply_event(state, event)
    if stored_files is not None:
        state.stored_files = dict(sorted(stored_files))
    return state


def apply_event(state: JobState, event: Event) -> set[str]:
    """Fold one more event into the state; the names of the page sections it may have changed."""
    changed = {"log", *EVENT_SECTIONS.get(event.type, ())}
    state.last_event_id = event.id or state.last_event_id
    state.log.append(log_line(event, state.log[-1] if state.log else None))
    if event.progress > state.told_progress:
        state.told_progress = event.progress
        changed.add("status")
    moment = moment_of(event.timestamp)
    if event.type == "job" and event.status == "running":
        if not (state.told_status and JobStatus(state.told_status).is_final):
            state.told_status, state.started = "running", state.started or moment
    elif event.type == "done":
        state.told_status, state.done_message, state.working = event.status or state.status, event.message, None
    elif event.type == "agent" and event.agent in state.steps:
        state.working = _agent_event(state.steps[event.agent], event, moment) or state.working
        if event.status == "started" and event.agent == "reviewer":
            state.findings = []
        elif event.status == "started" and event.agent == "tester":
            state.checks = []
        elif event.agent == "tester" and event.status == "completed" and _all_skipped(state.checks):
            state.steps["tester"].status = "skipped"  # it finished without running a check: not "done"
    elif event.type == "file" and event.data.get("path"):
        state.written[event.data["path"]] = int(event.data.get("size") or 0)
    elif event.type == "review":
        state.findings.append({k: event.data.get(k) for k in ("path", "severity", "message", "source")})
    elif event.type == "test":
        state.checks.append(dict(event.data))
    elif event.type == "usage":
        _add_usage(state.counted, event.agent or "other", event.data)
        if event.data.get("model") and event.data["model"] not in state.models:
            state.models.append(event.data["model"])
    elif event.type == "log" and event.data.get("stream"):
        state.streamed_lines += 1
    elif event.type == "log" and event.agent in state.steps and event.message:
        state.steps[event.agent].latest = event.message.strip().splitlines()[-1][:200] if event.message.strip() else ""
        changed.add("timeline")
    return changed


def apply_row(state: JobState, job: Job, stored_files: Iterable[tuple[str, int]] | None = None) -> set[str]:
    """Replace the row the state was built on (re-read, e.g. once the job is final); every section may change."""
    state.row = job
    if stored_files is not None:
        state.stored_files = dict(sorted(stored_files))
    return set(SECTIONS)


def _agent_event(step: AgentStep, event: Event, moment: datetime | None) -> str | None:
    """Apply an agent event to its step; return the agent's name when it is now the one working."""
    step.message = event.message or step.message
    if event.status in ("started", "repairing"):
        if step.started is not None:
            step.rounds += 1
        step.status = "working"
        step.latest = ""
        step.started = step.started or moment
        step.finished = None
        return step.name
    if event.status in ("completed", "failed"):
        step.status = "done" if event.status == "completed" else "failed"
        step.finished = moment
        step.latest = ""
    return None


def _all_skipped(checks: list[dict[str, Any]]) -> bool:
    return bool(checks) and all(check.get("skipped") for check in checks)


def _closed(step: AgentStep, status: str) -> AgentStep:
    """A finished job has no agent working: one still marked so was stopped (by a cancel, or a failure); one never
    started was skipped."""
    if step.status == "working":
        stopped = {JobStatus.COMPLETED.value: "done", JobStatus.CANCELLED.value: "cancelled"}.get(status, "failed")
        return replace(step, status=stopped, latest="")
    if step.status == "waiting":
        return replace(step, status="skipped")
    return step


def _add_usage(usage: dict[str, dict[str, Any]], agent: str, data: dict[str, Any]) -> None:
    row = usage.setdefault(agent, dict.fromkeys(USAGE_KEYS, 0))
    row["tokens_in"] += int(data.get("tokens_in") or 0)
    row["tokens_out"] += int(data.get("tokens_out") or 0)
    cost = data.get("cost_usd", 0.0)
    row["cost_usd"] = None if cost is None or row["cost_usd"] is None else row["cost_usd"] + float(cost or 0.0)
    row["calls"] += 1
