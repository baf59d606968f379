"""What the job page shows, built from the job row and its events: one function for the page and the socket."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.generation.agents import agent_names
from app.models import Job, JobStatus
from app.services.events import Event

AGENT_ROLES = {
    "planner": "turns the request into a project spec",
    "architect": "plans every file",
    "coder": "writes the files",
    "reviewer": "checks every file",
    "tester": "runs the project's own tests and build",
}
USAGE_KEYS = ("tokens_in", "tokens_out", "cost_usd", "calls")


@dataclass
class AgentStep:
    name: str
    status: str = "waiting"  # waiting | working | done | failed | skipped
    message: str = ""
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


@dataclass(frozen=True)
class LogLine:
    id: str
    time: str
    agent: str | None
    kind: str  # the event type
    level: str  # info | ok | warn | error | stream
    message: str


@dataclass
class TreeNode:
    name: str
    path: str
    size: int | None = None  # None for a folder
    children: list[TreeNode] = field(default_factory=list)

    @property
    def is_dir(self) -> bool:
        return self.size is None


@dataclass
class JobState:
    job_id: str
    name: str
    template_id: str
    status: str
    progress: int
    current_agent: str | None
    error: str | None
    verified: bool
    files_stored: bool
    zip_ready: bool
    agents: list[AgentStep]
    files: dict[str, int]
    findings: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    usage: dict[str, dict[str, Any]]
    models: list[str]
    log: list[LogLine]
    last_event_id: str
    duration_s: float | None

    @property
    def finished(self) -> bool:
        return JobStatus(self.status).is_final

    @property
    def tokens(self) -> int:
        return sum(int(u.get("tokens_in", 0)) + int(u.get("tokens_out", 0)) for u in self.usage.values())

    @property
    def cost_usd(self) -> float:
        return sum(float(u.get("cost_usd", 0.0)) for u in self.usage.values())

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


def build_state(job: Job, events: Iterable[Event], stored_files: Iterable[tuple[str, int]] | None = None) -> JobState:
    """Fold the events over the job row. `stored_files`, when given, is the final file list from the database."""
    steps = {name: AgentStep(name) for name in agent_names()}
    files: dict[str, int] = {}
    findings: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    usage: dict[str, dict[str, Any]] = {}
    models: list[str] = []
    log: list[LogLine] = []
    status, progress, current, done_message = job.status, job.progress, None, None
    last_id = "0-0"
    for event in events:
        last_id = event.id or last_id
        progress = max(progress, event.progress)
        log.append(log_line(event))
        moment = _moment(event.timestamp)
        if event.type == "job" and event.status == "running" and not JobStatus(status).is_final:
            status = "running"
        elif event.type == "done":
            status, done_message, current = event.status or status, event.message, None
        elif event.type == "agent" and event.agent in steps:
            current = _agent_event(steps[event.agent], event, moment) or current
            if event.status == "started" and event.agent == "reviewer":
                findings = []
            elif event.status == "started" and event.agent == "tester":
                checks = []
        elif event.type == "file" and event.data.get("path"):
            files[event.data["path"]] = int(event.data.get("size") or 0)
        elif event.type == "review":
            findings.append({k: event.data.get(k) for k in ("path", "severity", "message", "source")})
        elif event.type == "test":
            checks.append(dict(event.data))
        elif event.type == "usage":
            _add_usage(usage, event.agent or "other", event.data)
            if event.data.get("model") and event.data["model"] not in models:
                models.append(event.data["model"])

    if JobStatus(job.status).is_final:
        status = job.status
    final = JobStatus(status).is_final
    if final:
        current = None
        _close_steps(steps, status)
    if status == JobStatus.COMPLETED.value:
        progress = 100
    if stored_files is not None:
        files = dict(sorted(stored_files))
    if job.usage:
        usage = {agent: {k: job.usage[agent].get(k, 0) for k in USAGE_KEYS} for agent in job.usage}
    error = job.error or (done_message if final and status != JobStatus.COMPLETED.value else None)
    return JobState(
        job_id=job.id, name=job.name, template_id=job.template_id, status=status, progress=min(100, progress),
        current_agent=current if not final else None, error=error, verified=bool(job.verified),
        files_stored=bool(job.files_count), zip_ready=bool(job.zip_sha256), agents=list(steps.values()),
        files=dict(sorted(files.items())), findings=findings, checks=checks, usage=usage, models=models, log=log,
        last_event_id=last_id, duration_s=job.duration_s,
    )


def _agent_event(step: AgentStep, event: Event, moment: datetime | None) -> str | None:
    """Apply an agent event to its step; return the agent's name when it is now the one working."""
    step.message = event.message or step.message
    if event.status in ("started", "repairing"):
        if step.started is not None:
            step.rounds += 1
        step.status = "working"
        step.started = step.started or moment
        step.finished = None
        return step.name
    if event.status in ("completed", "failed"):
        step.status = "done" if event.status == "completed" else "failed"
        step.finished = moment
    return None


def _close_steps(steps: dict[str, AgentStep], status: str) -> None:
    """A finished job has no agent working: one still marked so was stopped; one never started was skipped."""
    for step in steps.values():
        if step.status == "working":
            step.status = "failed" if status != JobStatus.COMPLETED.value else "done"
        elif step.status == "waiting":
            step.status = "skipped"


def _add_usage(usage: dict[str, dict[str, Any]], agent: str, data: dict[str, Any]) -> None:
    row = usage.setdefault(agent, dict.fromkeys(USAGE_KEYS, 0))
    row["tokens_in"] += int(data.get("tokens_in") or 0)
    row["tokens_out"] += int(data.get("tokens_out") or 0)
    row["cost_usd"] += float(data.get("cost_usd") or 0.0)
    row["calls"] += 1


def log_line(event: Event) -> LogLine:
    level = "info"
    if event.type == "log" and event.data.get("stream"):
        level = "stream"
    elif event.status in ("failed", "error", "cancelled") or (event.type == "review" and event.status == "error"):
        level = "error"
    elif event.status in ("warning", "repairing", "retrying", "refused"):
        level = "warn"
    elif event.status in ("completed", "passed") or (event.type == "done" and event.status == "completed"):
        level = "ok"
    moment = _moment(event.timestamp)
    return LogLine(id=event.id, time=moment.strftime("%H:%M:%S") if moment else "", agent=event.agent,
                   kind=event.type, level=level, message=event.message)


def build_tree(files: dict[str, int]) -> list[TreeNode]:
    """Nest `path → size` into folders (first, alphabetically) and files."""
    root = TreeNode("", "")
    for path, size in sorted(files.items()):
        node = root
        parts = path.split("/")
        for depth, part in enumerate(parts[:-1]):
            folder = next((c for c in node.children if c.is_dir and c.name == part), None)
            if folder is None:
                folder = TreeNode(part, "/".join(parts[:depth + 1]))
                node.children.append(folder)
            node = folder
        node.children.append(TreeNode(parts[-1], path, size))
    _sort(root)
    return root.children


def _sort(node: TreeNode) -> None:
    node.children.sort(key=lambda c: (not c.is_dir, c.name.lower()))
    for child in node.children:
        if child.is_dir:
            _sort(child)


def _moment(timestamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")) if timestamp else None
    except ValueError:
        return None
