"""The job page's log: one line per event, and the runs of lines of one agent that fold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.services.events import Event


@dataclass(frozen=True)
class LogLine:
    id: str
    time: str
    agent: str | None
    kind: str  # the event type
    level: str  # info | ok | warn | error | stream
    message: str
    stamp: str = ""  # the event's ISO time: the reader's own clock shows it, and a replay paces by it


@dataclass(frozen=True)
class LogRun:
    """Consecutive log lines of one agent (or of the job itself): a section of the log that folds."""

    index: int  # its place among the log's runs, counted from the first line: a stable id as lines arrive
    agent: str  # an agent's name, or "job" for the lines of the job itself
    lines: list[LogLine]

    @property
    def title(self) -> str:
        return self.agent.capitalize()

    @property
    def failed(self) -> bool:
        return any(line.level == "error" for line in self.lines)


def log_runs(lines: list[LogLine]) -> list[LogRun]:
    """The log cut where the agent changes, in order: every line is in one run, and the runs in order are the log."""
    runs: list[LogRun] = []
    for line in lines:
        agent = line.agent or "job"
        if runs and runs[-1].agent == agent:
            runs[-1].lines.append(line)
        else:
            runs.append(LogRun(len(runs), agent, [line]))
    return runs


def log_line(event: Event, previous: LogLine | None = None) -> LogLine:
    """The event as a line of the log; `previous` is the line before it. An agent's closing event often repeats its
    last line word for word (the Tester's "python: 26 passed, 0 failed" as a result, then as its summary), which read
    as a line shown twice: such a line says that the agent is done instead."""
    level = "info"
    if event.type == "log" and event.data.get("stream"):
        level = "stream"
    elif event.status in ("failed", "error", "cancelled") or (event.type == "review" and event.status == "error"):
        level = "error"
    elif event.status in ("warning", "repairing", "retrying", "refused"):
        level = "warn"
    elif event.status in ("completed", "passed") or (event.type == "done" and event.status == "completed"):
        level = "ok"
    message = event.message
    if (event.type == "agent" and event.status == "completed" and event.agent and previous is not None
            and previous.agent == event.agent and previous.message == message):
        message = f"{event.agent.capitalize()} done"
    moment = moment_of(event.timestamp)
    return LogLine(id=event.id, time=moment.strftime("%H:%M:%S") if moment else "", agent=event.agent,
                   kind=event.type, level=level, message=message, stamp=moment.isoformat() if moment else "")


def moment_of(timestamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")) if timestamp else None
    except ValueError:
        return None
