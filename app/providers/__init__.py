"""Providers: where the agents' answers come from. Each registers itself; adding one is adding a module."""

from __future__ import annotations

from typing import Any

from .base import Budget, BudgetExceeded, Completion, Provider, ProviderError, Task, Usage

_REGISTRY: dict[str, type[Provider]] = {}


def register_provider(cls: type[Provider]) -> type[Provider]:
    _REGISTRY[cls.name] = cls
    return cls


def make_provider(name: str, **options: Any) -> Provider:
    from . import offline, openai_compat, scripted  # noqa: F401 - importing registers them

    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise ProviderError(f"unknown provider {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None
    return cls(**options)


__all__ = [
    "Budget",
    "BudgetExceeded",
    "Completion",
    "Provider",
    "ProviderError",
    "Task",
    "Usage",
    "make_provider",
    "register_provider",
]
