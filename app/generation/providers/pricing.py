"""Model prices in US dollars per million tokens: a built-in table, extended by the CODEGEN_MODEL_PRICES setting."""

from __future__ import annotations

from collections.abc import Mapping

# (input, output) per million tokens.
BUILT_IN: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
}


def price_of(model: str, extra: Mapping[str, tuple[float, float]] | None = None) -> tuple[float, float] | None:
    """The model's price, or None when nobody has said what it costs (its cost is then unknown, never $0)."""
    return {**BUILT_IN, **(extra or {})}.get(model)


def cost_of(model: str, tokens_in: int, tokens_out: int,
            extra: Mapping[str, tuple[float, float]] | None = None) -> float | None:
    price = price_of(model, extra)
    if price is None:
        return None
    return round((tokens_in * price[0] + tokens_out * price[1]) / 1_000_000, 8)
