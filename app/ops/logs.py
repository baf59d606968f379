"""Structured JSON logs, one object a line, carrying the request id of the request or job being served."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

# The id of the HTTP request being served, or of the request that submitted the job a worker runs.
request_id_var: ContextVar[str | None] = ContextVar("codegen_request_id", default=None)

# What a client may send as X-Request-ID: short, printable, no spaces (it ends up in logs and headers).
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: str | None) -> str:
    """The client's X-Request-ID when it is well formed, else a fresh one."""
    if value and REQUEST_ID_RE.match(value):
        return value
    return new_request_id()


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, message, request id and any `extra` fields."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def timestamp(self, created: float) -> str:
        """ISO 8601 UTC with milliseconds; the date and time of day are rendered once a second, not per line."""
        second = int(created)
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": self.timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        attributes = vars(record)
        request_id = attributes.get("request_id") or request_id_var.get()
        if request_id:
            body["request_id"] = request_id
        fields = attributes.get(_FIELDS)
        if fields is not None:  # from log_fields: the fields are known, nothing to sort out
            body.update(fields)
        else:
            for key in attributes.keys() - _STANDARD_ATTRS:
                if key != "request_id" and not key.startswith("_"):
                    body[key] = attributes[key]
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            body["stack"] = self.formatStack(record.stack_info)
        return _ENCODER.encode(body)


# One encoder for every line: json.dumps with options builds a new one each call.
_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)
_FIELDS = "_codegen_fields"


# The attributes of a LogRecord that say where and in which thread it was made: an access line has no use for
# them, and finding them (the caller's frame, the thread's and process's names) is most of a record's cost.
_NO_ORIGIN = {"pathname": "", "filename": "", "module": "", "lineno": 0, "funcName": "", "stack_info": None,
              "exc_info": None, "exc_text": None, "thread": None, "threadName": None, "process": None,
              "processName": None, "taskName": None}


def log_fields(logger: logging.Logger, message: str, fields: dict[str, Any], level: int = logging.INFO) -> None:
    """Log `message` with `fields` (as `extra=` would) for a line written on every request: it skips what
    `Logger.info` spends finding the caller, the thread and the process, which these lines never show."""
    if not logger.isEnabledFor(level):
        return
    now = time.time()
    record = logging.LogRecord.__new__(logging.LogRecord)
    record.__dict__.update(_NO_ORIGIN, name=logger.name, msg=message, args=(), levelno=level,
                           levelname=logging.getLevelName(level), created=now, msecs=(now % 1) * 1000,
                           relativeCreated=0.0, _codegen_fields=fields)
    logger.handle(record)


_HANDLER_NAME = "codegen-json"


def configure_logging(level: int | str = logging.INFO, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) as JSON; calling it again changes nothing."""
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME:
            return handler
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
