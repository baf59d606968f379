"""Providers: where the agents' answers come from. Each registers itself; adding one is adding a module."""

from __future__ import annotations

from typing import Any

from app.generation.providers.base import Budget, BudgetExceeded, Completion, Provider, ProviderError, Task, Usage
from app.generation.registry import import_modules

_REGISTRY: dict[str, type[Provider]] = {}


def register_provider(cls: type[Provider]) -> type[Provider]:
    _REGISTRY[cls.name] = cls
    return cls


def make_provider(name: str, **options: Any) -> Provider:
    import_modules(__name__)
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise ProviderError(f"unknown provider {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None
    return cls(**options)


def provider_names() -> tuple[str, ...]:
    import_modules(__name__)
    return tuple(sorted(_REGISTRY))


__all__ = [
    "Budget",
    "BudgetExceeded",
    "Completion",
    "Provider",
    "ProviderError",
    "Task",
    "Usage",
    "make_provider",
    "provider_names",
    "register_provider",
]
