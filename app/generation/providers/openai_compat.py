"""The `openai` provider: the official client against OpenAI or any compatible server (vLLM, Ollama, llama.cpp).

One call streams an answer. What can go wrong, and what happens:
- 429 and 5xx answers, dropped connections, error events inside the stream and stalls are retried with
  backoff (a 429's Retry-After is honoured) up to `max_retries` times; the reason says how many were made;
- `finish_reason: length` asks the model to continue, at most `MAX_CONTINUATIONS` times, then fails:
  a cut-off answer is never passed on as if it were whole;
- a call ends after `timeout_s` (and never past the job's deadline), when the job is cancelled (the stream is
  read in a thread of its own, so a stalled read holds neither), or once the answer passes the size limit;
- tokens streamed before a failure are paid for: the error carries their usage.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Mapping

import httpx2
import openai

from app.generation.providers import register_provider
from app.generation.providers.base import CallCancelled, CallControl, Completion, Provider, ProviderError, Task, Usage
from app.generation.providers.pricing import cost_of

MAX_CONTINUATIONS = 2
BACKOFF_S = (1.0, 2.0, 4.0, 8.0)
CONTINUE_PROMPT = "Your answer was cut off. Continue exactly where it stopped, repeating nothing."


@register_provider
class OpenAIProvider(Provider):
    name = "openai"

    def __init__(self, api_key: str | None = None, base_url: str | None = None, model: str = "gpt-4o-mini",
                 timeout_s: float = 60.0, max_retries: int = 3, temperature: float = 0.2,
                 prices: Mapping[str, tuple[float, float]] | None = None, **_options) -> None:
        self.model = model
        self.temperature = temperature
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.prices = prices
        # Retries are ours (see the module docstring), so the client makes none of its own and every one is counted.
        self.client = openai.OpenAI(api_key=api_key or "not-needed", base_url=base_url or None, max_retries=0,
                                    timeout=httpx2.Timeout(timeout_s, connect=min(10.0, timeout_s)))

    def complete(self, task: Task, on_text: Callable[[str], None] | None = None,
                 control: CallControl | None = None) -> Completion:
        control = control or CallControl()
        messages = list(task.messages)
        text, usage, attempts = "", Usage(), 0
        for continuation in range(MAX_CONTINUATIONS + 1):
            part, part_usage, finish, tries = self._with_retries(messages, on_text, control, len(text), usage)
            text, usage, attempts = text + part, usage + part_usage, attempts + tries
            if finish != "length":
                return Completion(text=text, usage=usage, model=self.model, attempts=attempts)
            if continuation < MAX_CONTINUATIONS:
                messages = [*task.messages, {"role": "assistant", "content": text},
                            {"role": "user", "content": CONTINUE_PROMPT}]
        raise ProviderError(f"the model's answer was cut off at its length limit {MAX_CONTINUATIONS + 1} times "
                            f"({len(text):,} characters); nothing of it was used", usage)

    def _with_retries(self, messages: list[dict[str, str]], on_text: Callable[[str], None] | None,
                      control: CallControl, already: int, spent: Usage) -> tuple[str, Usage, str | None, int]:
        paid = Usage()
        for attempt in range(self.max_retries + 1):
            try:
                text, usage, finish = self._stream_once(messages, on_text, control, already)
                return text, paid + usage, finish, attempt + 1
            except _Retryable as exc:
                paid = paid + exc.usage
                wait = exc.retry_after if exc.retry_after is not None else BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                remaining = control.remaining_s()
                if attempt == self.max_retries or (remaining is not None and remaining <= wait):
                    made = f"after {attempt} retr{'y' if attempt == 1 else 'ies'}"
                    raise ProviderError(f"{exc.reason} {made}", spent + paid) from None
                self._sleep(wait, control)
        raise AssertionError("unreachable")

    def _sleep(self, seconds: float, control: CallControl) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if control.is_cancelled():
                raise CallCancelled("cancelled while waiting to retry the model")
            time.sleep(min(0.2, until - time.monotonic()) if until > time.monotonic() else 0)

    def _stream_once(self, messages: list[dict[str, str]], on_text: Callable[[str], None] | None,
                     control: CallControl, already: int) -> tuple[str, Usage, str | None]:
        remaining = control.remaining_s()
        if remaining is not None and remaining <= 0:
            raise ProviderError("the job's deadline passed before the model was asked")
        limit_s = self.timeout_s if remaining is None else min(self.timeout_s, remaining)
        until = time.monotonic() + limit_s
        parts: list[str] = []
        size = already
        finish: str | None = None
        usage_report = None
        reader = _StreamReader(lambda: self.client.chat.completions.create(
            model=self.model, messages=messages, temperature=self.temperature, stream=True,
            stream_options={"include_usage": True}, timeout=httpx2.Timeout(limit_s, connect=min(10.0, limit_s))))
        try:
            while True:
                # The stream is read in its own thread, so a stalled read never holds a cancel or the deadline.
                kind, item = reader.next(0.2)
                if control.is_cancelled():
                    raise CallCancelled("cancelled while the model was answering")
                if time.monotonic() > until:
                    raise _Retryable(f"the model's answer took longer than {limit_s:g} s",
                                     self._usage(messages, parts, None))
                if kind == "idle":
                    continue
                if kind == "error":
                    raise item
                if kind == "end":
                    break
                if item.usage is not None:
                    usage_report = item.usage
                for choice in item.choices or ():
                    delta = choice.delta.content if choice.delta else None
                    if choice.finish_reason:
                        finish = choice.finish_reason
                    if delta:
                        parts.append(delta)
                        size += len(delta)
                        if size > control.max_answer_chars:
                            raise ProviderError(f"the model's answer passed the size limit of "
                                                f"{control.max_answer_chars:,} characters and was cut off",
                                                self._usage(messages, parts, None))
                        if on_text:
                            on_text(delta)
        except openai.APIStatusError as exc:
            if exc.status_code == 429 or exc.status_code >= 500:
                raise _Retryable(f"the model endpoint answered {exc.status_code}", Usage(),
                                 _retry_after(exc.response)) from exc
            raise ProviderError(f"the model endpoint refused the request ({exc.status_code}): "
                                f"{_short(exc.message)}") from exc
        except (openai.APITimeoutError, httpx2.TimeoutException) as exc:
            raise _Retryable(f"the model endpoint sent nothing for {limit_s:g} s",
                             self._usage(messages, parts, None)) from exc
        except (openai.APIConnectionError, openai.APIError, httpx2.HTTPError) as exc:
            kind_of = "an error event in the stream" if isinstance(exc, openai.APIError) and not isinstance(
                exc, openai.APIConnectionError) else "a dropped connection"
            raise _Retryable(f"the model endpoint failed with {kind_of} ({_short(str(exc), 120)})",
                             self._usage(messages, parts, None)) from exc
        finally:
            reader.close()
        if finish is None:
            # Every compatible server ends an answer with a finish reason; a stream without one was cut.
            raise _Retryable("the model's stream ended before the answer did", self._usage(messages, parts,
                                                                                           usage_report))
        return "".join(parts), self._usage(messages, parts, usage_report), finish

    def _usage(self, messages: list[dict[str, str]], parts: list[str], report) -> Usage:
        if report is not None:
            tokens_in, tokens_out = report.prompt_tokens or 0, report.completion_tokens or 0
        else:
            # No usage report (a compatible server without one, or a call that failed): four characters a token.
            tokens_in = sum(len(m.get("content", "")) for m in messages) // 4
            tokens_out = sum(len(p) for p in parts) // 4
        cost = cost_of(self.model, tokens_in, tokens_out, self.prices)
        return Usage(tokens_in, tokens_out, cost or 0.0, priced=cost is not None)


class _Retryable(Exception):
    def __init__(self, reason: str, usage: Usage, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.usage, self.retry_after = reason, usage, retry_after


class _StreamReader:
    """Reads a stream in a thread of its own and hands its chunks over a queue.

    Closing it stops the reading; a read blocked in the socket ends at the client's read timeout, in a
    thread nobody waits for."""

    def __init__(self, open_stream: Callable[[], object]) -> None:
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue()
        self._stop = threading.Event()
        self._stream = None
        self._thread = threading.Thread(target=self._read, args=(open_stream,), daemon=True, name="llm-stream")
        self._thread.start()

    def _read(self, open_stream: Callable[[], object]) -> None:
        try:
            self._stream = open_stream()
            for chunk in self._stream:
                if self._stop.is_set():
                    return
                self._queue.put(("chunk", chunk))
            self._queue.put(("end", None))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, which decides what it means
            self._queue.put(("error", exc))

    def next(self, wait_s: float) -> tuple[str, object]:
        try:
            return self._queue.get(timeout=wait_s)
        except queue.Empty:
            return "idle", None

    def close(self) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):  # closing a stream another thread reads may fail: it is abandoned
                stream.response.close()


def _retry_after(response: httpx2.Response | None) -> float | None:
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return min(60.0, max(0.0, float(value))) if value else None
    except ValueError:
        return None


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit] + "…"
