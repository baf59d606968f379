"""The shared interface of the agents and the context a pipeline run carries from one to the next."""

from __future__ import annotations

import json
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from app.generation.frozen import FrozenSuite
from app.generation.project_templates import ProjectSpec, ProjectTemplate
from app.generation.providers import Budget, Provider, ProviderError, Task, Usage
from app.generation.providers.base import CallCancelled, CallControl

# Streamed model text reaches the event stream at most this often per job.
STREAM_EVENT_INTERVAL_S = 0.5
JSON_ATTEMPTS = 3
# A re-ask quotes at most this much of the answer it corrects: never echo a huge answer back (and pay for it twice).
QUOTE_LIMIT = 2000


class JobCancelled(Exception):
    """The job was cancelled; the pipeline stops at the next step or streamed chunk."""


class PipelineError(Exception):
    """The pipeline cannot go on; the message says why and becomes the job's error."""


@dataclass(frozen=True)
class PlannedFile:
    path: str
    purpose: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One step of the Architect's plan for a requirement: a file to edit or create, and what it exposes."""

    requirement: str
    path: str
    action: str  # "edit" or "create"
    purpose: str = ""
    exposes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "path": self.path, "action": self.action,
                "purpose": self.purpose, "exposes": list(self.exposes)}


@dataclass
class Finding:
    path: str
    severity: str  # "error" or "warning"
    message: str
    source: str = "static"  # "static" or "llm"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "severity": self.severity, "message": self.message, "source": self.source}


@dataclass
class CheckResult:
    name: str
    passed: int = 0
    failed: int = 0
    ok: bool = False
    skipped: str | None = None
    output: str = ""
    duration_s: float = 0.0
    # One entry per test case from the check's own report: {"file" (project-relative), "name",
    # "outcome": "passed"|"failed"|"skipped"|"error", "message" (first lines of the failure)}.
    cases: list[dict[str, str]] = field(default_factory=list)
    reason: str = ""  # the sandbox limit that stopped the run, if one did ("disk limit 1024 MB")
    # Lock files of the dependencies the check ran with (project path -> content): the project keeps them if it passed.
    lockfiles: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "failed": self.failed, "ok": self.ok,
                "skipped": self.skipped, "output": self.output[-4000:], "duration_s": round(self.duration_s, 2),
                "cases": self.cases, "reason": self.reason}


Emit = Callable[..., None]


@dataclass
class PipelineContext:
    job_id: str
    request: dict[str, Any]
    provider: Provider
    emit: Emit
    budget: Budget = field(default_factory=Budget)
    cache_dir: Path | None = None
    run_checks: bool = True
    max_repair_rounds: int = 2
    coder_concurrency: int = 4
    is_cancelled: Callable[[], bool] = lambda: False
    deadline: float | None = None  # time.monotonic() by which the job must end
    spec: ProjectSpec | None = None
    template: ProjectTemplate | None = None
    plan: list[PlannedFile] = field(default_factory=list)
    scaffold: dict[str, str] = field(default_factory=dict)  # the project template's files (or the parent's)
    changes: list[Change] = field(default_factory=list)
    frozen: FrozenSuite = field(default_factory=FrozenSuite)
    frozen_problems: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    usage_by_agent: dict[str, Usage] = field(default_factory=dict)
    calls_by_agent: dict[str, int] = field(default_factory=dict)
    repair_round: int = 0
    repair_answers: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # "required": model-written code runs only in the sandbox; "allow-unisolated": CODEGEN_UNISOLATED_CHECKS=1.
    sandbox_policy: str = "required"

    def check_cancelled(self) -> None:
        if self.is_cancelled():
            raise JobCancelled("cancelled by request")

    def record_usage(self, agent: str, usage: Usage, charge: bool = True) -> None:
        """Count a call's usage for `agent` and the job; `charge` raises BudgetExceeded once a limit is reached
        (a call that already failed is counted without it, so its own error is the one reported)."""
        with self._lock:
            self.usage_by_agent[agent] = self.usage_by_agent.get(agent, Usage()) + usage
            self.calls_by_agent[agent] = self.calls_by_agent.get(agent, 0) + 1
        if charge:
            self.budget.charge(usage)
        else:
            self.budget.add(usage)

    @property
    def verified(self) -> bool:
        """Every check ran and passed, and so did every frozen test, unchanged."""
        return bool(self.checks) and all(c.ok and not c.skipped for c in self.checks) and not self.frozen_problems


class Agent(ABC):
    name: ClassVar[str]
    progress_range: ClassVar[tuple[int, int]]

    @abstractmethod
    def run(self, ctx: PipelineContext) -> None:
        """Do this agent's one job, reading and updating `ctx`, emitting events as it goes."""

    def emit(self, ctx: PipelineContext, type_: str, status: str, message: str, fraction: float = 0.0,
             data: dict[str, Any] | None = None, **fields: Any) -> None:
        """Send one event; `fraction` is how far through its work this agent is (0 to 1)."""
        low, high = self.progress_range
        ctx.emit(type=type_, agent=self.name, status=status, message=message,
                 progress=int(low + (high - low) * max(0.0, min(1.0, fraction))), data={**(data or {}), **fields})

    def ask(self, ctx: PipelineContext, task: Task) -> str:
        """One provider call with its usage recorded and its streamed text coalesced into log events."""
        ctx.check_cancelled()
        ctx.budget.check()
        if ctx.deadline is not None and time.monotonic() >= ctx.deadline:
            raise PipelineError("the job's deadline passed before it finished")
        streamer = _Coalescer(lambda text: self.emit(ctx, "log", "streaming", text, stream=True), ctx)
        control = CallControl(deadline=ctx.deadline, is_cancelled=ctx.is_cancelled)
        try:
            completion = ctx.provider.complete(task, on_text=streamer.add if ctx.provider.is_llm else None,
                                               control=control)
        except CallCancelled:
            streamer.flush()
            raise JobCancelled("cancelled by request") from None
        except ProviderError as exc:
            streamer.flush()
            if exc.usage is not None:  # a failed call still cost what it streamed
                self._count(ctx, exc.usage, getattr(ctx.provider, "model", ""), charge=False)
            raise
        streamer.flush()
        self._count(ctx, completion.usage, completion.model)
        return completion.text

    def _count(self, ctx: PipelineContext, usage: Usage, model: str, charge: bool = True) -> None:
        ctx.record_usage(self.name, usage, charge=charge)
        if ctx.provider.is_llm:
            self.emit(ctx, "usage", "counted", f"{usage.tokens} tokens", model=model, tokens_in=usage.tokens_in,
                      tokens_out=usage.tokens_out, cost_usd=usage.known_cost)

    def ask_json(self, ctx: PipelineContext, task: Task, validate: Callable[[Any], Any] | None = None) -> Any:
        """Ask for JSON of `task.schema`; re-ask with every validation error when the answer does not fit.

        `validate` (optional) checks the parsed answer further and returns what the caller wants from it;
        a ValueError it raises is sent back to the model like a schema error."""
        assert task.schema is not None
        schema = task.schema

        def accept(text: str) -> Any:
            value = schema.model_validate_json(_json_part(text))
            return validate(value) if validate else value

        return ask_until_valid(self, ctx, task, accept, attempts=JSON_ATTEMPTS,
                               again="Answer again with only the corrected JSON object, no prose and no code fences.")


EDIT_ATTEMPTS = 3


def ask_until_valid(agent: Agent, ctx: PipelineContext, task: Task, accept: Callable[[str], Any],
                    attempts: int = EDIT_ATTEMPTS,
                    again: str = "Answer again, in the same format, with the problem fixed.") -> Any:
    """Ask, and re-ask with the reason while `accept(answer)` raises ValueError (a pydantic ValidationError or an
    EditError is one), at most `attempts` times; the re-ask quotes the answer it corrects, never all of it."""
    messages = list(task.messages)
    error = ""
    for _attempt in range(attempts):
        text = agent.ask(ctx, Task(task.agent, task.kind, messages, task.context, task.schema))
        try:
            return accept(text)
        except ValueError as exc:
            error = describe_errors(exc) if isinstance(exc, ValidationError) else str(exc)
        agent.emit(ctx, "log", "retrying", f"the model's answer did not fit ({_short(error, 300)}); asking again")
        messages = [*task.messages, {"role": "assistant", "content": _short(text, QUOTE_LIMIT)},
                    {"role": "user", "content": f"That answer did not fit: {_short(error, 1500)}. {again}"}]
    raise PipelineError(f"the model's {task.kind} answer did not fit after {attempts} tries: {_short(error, 300)}")


def strip_fences(text: str) -> str:
    """The answer without its code fence, only when the whole answer is one fenced block."""
    match = re.fullmatch(r"\s*```[\w+.-]*[^\S\n]*\n(.*?)\n?```\s*", text, re.DOTALL)
    return match.group(1) if match and "\n```" not in match.group(1) else text


def _json_part(text: str) -> str:
    """The JSON object of an answer that wrapped it in a fence or a sentence: from the first `{` to the last `}`."""
    stripped = strip_fences(text).strip()
    if stripped.startswith("{"):
        return stripped
    start, end = stripped.find("{"), stripped.rfind("}")
    return stripped[start:end + 1] if 0 <= start < end else stripped


def describe_errors(exc: ValidationError, limit: int = 8) -> str:
    """Every validation error (up to `limit`) with where it is, so one re-ask can fix them all."""
    parts = []
    for error in exc.errors(include_url=False)[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or "answer"
        parts.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit:,} more characters]"


def schema_prompt(schema: type[BaseModel]) -> str:
    return json.dumps(schema.model_json_schema(), separators=(",", ":"))


class _Coalescer:
    """Gathers streamed text and emits it at most every STREAM_EVENT_INTERVAL_S, checking for cancel."""

    def __init__(self, send: Callable[[str], None], ctx: PipelineContext) -> None:
        self.send = send
        self.ctx = ctx
        self.buffer: list[str] = []
        self.last = time.monotonic()

    def add(self, text: str) -> None:
        self.buffer.append(text)
        if time.monotonic() - self.last >= STREAM_EVENT_INTERVAL_S:
            self.flush()
            self.ctx.check_cancelled()

    def flush(self) -> None:
        if self.buffer:
            self.send("".join(self.buffer))
            self.buffer.clear()
        self.last = time.monotonic()


def counted(number: int, one: str, many: str) -> str:
    """"1 file", "3 files", "0 errors": a count with the noun it takes, for the messages people read."""
    return f"{number:,} {one if number == 1 else many}"
