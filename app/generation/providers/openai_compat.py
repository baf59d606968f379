"""The `openai` provider: the official client against OpenAI or any compatible server (vLLM, Ollama, llama.cpp)."""

from __future__ import annotations

from collections.abc import Callable

import openai

from app.generation.providers import register_provider
from app.generation.providers.base import Completion, Provider, ProviderError, Task, Usage

# US dollars per million tokens (input, output). Unknown models count tokens but cost nothing.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
}


def cost_of(model: str, tokens_in: int, tokens_out: int) -> float:
    price_in, price_out = PRICES_PER_MTOK.get(model, (0.0, 0.0))
    return round((tokens_in * price_in + tokens_out * price_out) / 1_000_000, 8)


@register_provider
class OpenAIProvider(Provider):
    name = "openai"

    def __init__(self, api_key: str | None = None, base_url: str | None = None, model: str = "gpt-4o-mini",
                 timeout_s: float = 120.0, max_retries: int = 3, temperature: float = 0.2, **_options) -> None:
        self.model = model
        self.temperature = temperature
        # The client retries 429 (honouring Retry-After), 5xx, connection errors and timeouts with backoff.
        self.client = openai.OpenAI(api_key=api_key or "not-needed", base_url=base_url or None,
                                    timeout=timeout_s, max_retries=max_retries)
        self.max_retries = max_retries

    def complete(self, task: Task, on_text: Callable[[str], None] | None = None) -> Completion:
        try:
            stream = self.client.chat.completions.create(
                model=self.model, messages=task.messages, temperature=self.temperature, stream=True,
                stream_options={"include_usage": True},
            )
            parts: list[str] = []
            usage = None
            for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices or ():
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        parts.append(delta)
                        if on_text:
                            on_text(delta)
        except openai.APIStatusError as exc:
            raise ProviderError(f"the model endpoint answered {exc.status_code} after {self.max_retries} "
                                f"retries: {_short(exc.message)}") from exc
        except openai.APITimeoutError as exc:
            raise ProviderError(f"the model endpoint timed out after {self.max_retries} retries") from exc
        except openai.APIConnectionError as exc:
            raise ProviderError(f"the model endpoint could not be reached after {self.max_retries} retries: "
                                f"{_short(str(exc))}") from exc
        text = "".join(parts)
        if usage is not None:
            tokens_in, tokens_out = usage.prompt_tokens or 0, usage.completion_tokens or 0
        else:
            # Some compatible servers send no usage: estimate at four characters a token.
            tokens_in = sum(len(m.get("content", "")) for m in task.messages) // 4
            tokens_out = len(text) // 4
        return Completion(text=text, model=self.model,
                          usage=Usage(tokens_in, tokens_out, cost_of(self.model, tokens_in, tokens_out)))


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit] + "…"
