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

from app.generation.project_templates import ProjectSpec, ProjectTemplate
from app.generation.providers import Budget, Provider, ProviderError, Task, Usage

# Streamed model text reaches the event stream at most this often per job.
STREAM_EVENT_INTERVAL_S = 0.5
JSON_ATTEMPTS = 3


class JobCancelled(Exception):
    """The job was cancelled; the pipeline stops at the next step or streamed chunk."""


class PipelineError(Exception):
    """The pipeline cannot go on; the message says why and becomes the job's error."""


@dataclass(frozen=True)
class PlannedFile:
    path: str
    purpose: str
    depends_on: tuple[str, ...] = ()


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

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "failed": self.failed, "ok": self.ok,
                "skipped": self.skipped, "output": self.output[-4000:], "duration_s": round(self.duration_s, 2)}


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
    spec: ProjectSpec | None = None
    template: ProjectTemplate | None = None
    plan: list[PlannedFile] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    usage_by_agent: dict[str, Usage] = field(default_factory=dict)
    calls_by_agent: dict[str, int] = field(default_factory=dict)
    repair_round: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_cancelled(self) -> None:
        if self.is_cancelled():
            raise JobCancelled("cancelled by request")

    def record_usage(self, agent: str, usage: Usage) -> None:
        with self._lock:
            self.usage_by_agent[agent] = self.usage_by_agent.get(agent, Usage()) + usage
            self.calls_by_agent[agent] = self.calls_by_agent.get(agent, 0) + 1
        self.budget.charge(usage)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.ok and not c.skipped for c in self.checks)


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
        streamer = _Coalescer(lambda text: self.emit(ctx, "log", "streaming", text, stream=True), ctx)
        completion = ctx.provider.complete(task, on_text=streamer.add if ctx.provider.is_llm else None)
        streamer.flush()
        ctx.record_usage(self.name, completion.usage)
        if ctx.provider.is_llm:
            self.emit(ctx, "usage", "counted", f"{completion.usage.tokens} tokens", model=completion.model,
                      tokens_in=completion.usage.tokens_in, tokens_out=completion.usage.tokens_out,
                      cost_usd=completion.usage.cost_usd)
        return completion.text

    def ask_json(self, ctx: PipelineContext, task: Task) -> BaseModel:
        """Ask for JSON of `task.schema`; re-ask with the validation error when the answer does not fit."""
        assert task.schema is not None
        messages = list(task.messages)
        error = ""
        for _attempt in range(JSON_ATTEMPTS):
            text = self.ask(ctx, Task(task.agent, task.kind, messages, task.context, task.schema))
            try:
                return task.schema.model_validate_json(strip_fences(text))
            except ValidationError as exc:
                error = exc.errors(include_url=False)[0]["msg"] if exc.errors() else str(exc)
                self.emit(ctx, "log", "retrying", f"the model's answer was not valid JSON ({error}); asking again")
                messages = [*messages, {"role": "assistant", "content": text},
                            {"role": "user", "content": f"That was not valid JSON for the schema: {error}. "
                             "Answer again with only the JSON object, no prose and no code fences."}]
        raise ProviderError(f"the model gave no valid JSON for the {task.kind} after {JSON_ATTEMPTS} tries: {error}")


def strip_fences(text: str) -> str:
    match = re.search(r"```(?:[\w+-]*)\n(.*?)```", text, re.DOTALL)
    return (match.group(1) if match else text).strip()


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
