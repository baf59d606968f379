"""The agents of the pipeline. Each registers itself by name; adding one is adding a module."""

from __future__ import annotations

from app.generation.agents.base import (
    Agent,
    CheckResult,
    Finding,
    JobCancelled,
    PipelineContext,
    PipelineError,
    PlannedFile,
)
from app.generation.registry import import_modules

_REGISTRY: dict[str, type[Agent]] = {}


def register_agent(cls: type[Agent]) -> type[Agent]:
    _REGISTRY[cls.name] = cls
    return cls


def get_agent(name: str) -> Agent:
    import_modules(__name__)
    return _REGISTRY[name]()


def agent_names() -> tuple[str, ...]:
    """Every registered agent, in pipeline order (the order of their progress ranges)."""
    import_modules(__name__)
    return tuple(sorted(_REGISTRY, key=lambda name: _REGISTRY[name].progress_range))


__all__ = [
    "Agent",
    "CheckResult",
    "Finding",
    "JobCancelled",
    "PipelineContext",
    "PipelineError",
    "PlannedFile",
    "agent_names",
    "get_agent",
    "register_agent",
]
