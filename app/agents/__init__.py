"""The agents of the pipeline. Each registers itself by name; adding one is adding a module."""

from __future__ import annotations

from .base import Agent, CheckResult, Finding, JobCancelled, PipelineContext, PipelineError, PlannedFile

_REGISTRY: dict[str, type[Agent]] = {}
PIPELINE = ("planner", "architect", "coder", "reviewer", "tester")


def register_agent(cls: type[Agent]) -> type[Agent]:
    _REGISTRY[cls.name] = cls
    return cls


def get_agent(name: str) -> Agent:
    from . import architect, coder, planner, reviewer, tester  # noqa: F401 - importing registers them

    return _REGISTRY[name]()


__all__ = [
    "PIPELINE",
    "Agent",
    "CheckResult",
    "Finding",
    "JobCancelled",
    "PipelineContext",
    "PipelineError",
    "PlannedFile",
    "get_agent",
    "register_agent",
]
