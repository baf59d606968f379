"""The sandbox every check and install of a generated project runs in (bubblewrap, a per-run uid, limits)."""

from app.generation.sandbox.checks import CHECK_LIMITS, Isolation, check_name, choose_isolation, run_checks
from app.generation.sandbox.dependencies import DependencyCache, node_mounts, python_mounts
from app.generation.sandbox.isolation import (
    Limits,
    RunResult,
    SandboxStatus,
    SandboxUnavailable,
    probe,
    read_output,
    run_isolated,
)
from app.generation.sandbox.unisolated import run_unisolated

__all__ = [
    "CHECK_LIMITS",
    "DependencyCache",
    "Isolation",
    "Limits",
    "RunResult",
    "SandboxStatus",
    "SandboxUnavailable",
    "check_name",
    "choose_isolation",
    "node_mounts",
    "probe",
    "python_mounts",
    "read_output",
    "run_checks",
    "run_isolated",
    "run_unisolated",
]
