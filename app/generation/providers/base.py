"""What every provider offers the agents: one completion per task, with its usage counted."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel


class ProviderError(RuntimeError):
    """The model endpoint failed for good (retries spent, refused, unusable answers).

    `usage` is what the failed call still cost (tokens streamed before a drop or a cut-off are paid for)."""

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage


class CallCancelled(RuntimeError):
    """The job was cancelled while a call was in flight; the call was interrupted."""


class BudgetExceeded(RuntimeError):
    """The job's token or cost budget is spent; the run stops cleanly."""


@dataclass(frozen=True)
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    priced: bool = True  # False when a call used a model without a known price: the cost is then unknown

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.tokens_in + other.tokens_in, self.tokens_out + other.tokens_out,
                     round(self.cost_usd + other.cost_usd, 8), self.priced and other.priced)

    @property
    def known_cost(self) -> float | None:
        return self.cost_usd if self.priced else None

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out


@dataclass(frozen=True)
class Task:
    """One request to a provider: messages for a model, and the structured context the offline provider reads."""

    agent: str
    kind: str  # "plan", "file", "review", "repair"
    messages: list[dict[str, str]]
    context: dict[str, Any] = field(default_factory=dict)
    schema: type[BaseModel] | None = None  # when set, the answer must be JSON of this shape


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage = Usage()
    model: str = ""
    attempts: int = 1  # how many requests the answer took (retries of dropped streams, continuations)


@dataclass(frozen=True)
class CallControl:
    """What bounds one call: a deadline (the job's), a cancel check polled while it streams, a size limit."""

    deadline: float | None = None  # time.monotonic() value
    is_cancelled: Callable[[], bool] = lambda: False
    max_answer_chars: int = 400_000

    def remaining_s(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


class Budget:
    """A job's spending limits, shared by the agents' concurrent calls."""

    def __init__(self, max_tokens: int | None = None, max_cost_usd: float | None = None) -> None:
        self.max_tokens = max_tokens
        self.max_cost_usd = max_cost_usd
        self.spent = Usage()
        self._lock = threading.Lock()

    def charge(self, usage: Usage) -> None:
        """Count `usage`, then raise BudgetExceeded if a limit is reached."""
        with self._lock:
            self.spent = self.spent + usage
            self._check()

    def add(self, usage: Usage) -> None:
        """Count `usage` without raising: what a call that already failed still cost."""
        with self._lock:
            self.spent = self.spent + usage

    def check(self) -> None:
        with self._lock:
            self._check()

    def _check(self) -> None:
        if self.max_tokens is not None and self.spent.tokens >= self.max_tokens:
            raise BudgetExceeded(f"token budget spent: {self.spent.tokens:,} of max_tokens {self.max_tokens:,}")
        if self.max_cost_usd is not None and not self.spent.priced:
            # Fail closed: a cap on an unknown cost cannot be kept (submission refuses such jobs up front).
            raise BudgetExceeded("the model has no known price, so max_cost_usd cannot be enforced; "
                                 "set CODEGEN_MODEL_PRICES")
        if self.max_cost_usd is not None and self.spent.cost_usd >= self.max_cost_usd:
            raise BudgetExceeded(f"cost budget spent: ${self.spent.cost_usd:.4f} of max_cost_usd "
                                 f"${self.max_cost_usd:.4f}")


class Provider(ABC):
    name: ClassVar[str]
    is_llm: ClassVar[bool] = True

    @abstractmethod
    def complete(self, task: Task, on_text: Callable[[str], None] | None = None,
                 control: CallControl | None = None) -> Completion:
        """Answer `task`; stream text to `on_text` as it arrives. Raise ProviderError when it cannot."""
