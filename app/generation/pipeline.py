"""The pipeline: planner → architect → (test designer) → coder → reviewer → tester, with bounded repair rounds."""

from __future__ import annotations

from app.generation.agents import PipelineContext, PipelineError, get_agent
from app.generation.agents.test_designer import TestDesigner
from app.generation.frozen import frozen_problems


def problems_of(ctx: PipelineContext) -> str:
    """What still fails, as text a person (or a model repairing it) can act on; empty when all is well."""
    lines = [f"{f.path}: {f.message}" for f in ctx.findings if f.severity == "error" and f.source == "static"]
    for check in ctx.checks:
        if not check.ok and not check.skipped:
            lines.append(f"{check.name} failed ({check.passed} passed, {check.failed} failed):\n{check.output}")
    lines += ctx.frozen_problems
    if lines:  # the model's own error findings, as hints for the repair
        lines += [f"review: {f.path}: {f.message}" for f in ctx.findings if f.severity == "error" and f.source == "llm"]
    return "\n".join(lines)


def failure_reason(ctx: PipelineContext) -> str:
    """The job's error: the failing tests by name with their first error line, else the first problem."""
    failing = [(case["file"], case["name"], case.get("message", "")) for check in ctx.checks
               for case in getattr(check, "cases", []) if case.get("outcome") in ("failed", "error")]
    if failing:
        names = "; ".join(f"{f}::{n}" + (f" ({m.strip().splitlines()[0][:160]})" if m.strip() else "")
                          for f, n, m in failing[:3])
        more = f" and {len(failing) - 3} more" if len(failing) > 3 else ""
        return f"{len(failing)} test(s) failed: {names}{more}"
    stopped = [c for c in ctx.checks if getattr(c, "reason", None)]
    if stopped:  # a limit of the sandbox ended the run: say which
        return "; ".join(f"{c.name} stopped: {c.reason}" for c in stopped)
    problems = problems_of(ctx)
    return problems.splitlines()[0] if problems else "the checks failed"


def run_pipeline(ctx: PipelineContext) -> None:
    """Run every agent on `ctx`; raise PipelineError when the project still fails after its repair rounds."""
    for name in ("planner", "architect"):
        ctx.check_cancelled()
        get_agent(name).run(ctx)
    if ctx.provider.is_llm and ctx.spec.requirements:
        ctx.check_cancelled()
        TestDesigner().run(ctx)  # before the code, from the requirements alone
    ctx.check_cancelled()
    coder, reviewer, tester = get_agent("coder"), get_agent("reviewer"), get_agent("tester")
    coder.run(ctx)
    while True:
        ctx.check_cancelled()
        reviewer.run(ctx)
        ctx.checks = []
        ctx.frozen_problems = []
        if not any(f.severity == "error" and f.source == "static" for f in ctx.findings):
            tester.run(ctx)
            ran = [c for c in ctx.checks if not c.skipped]
            if ran:
                cases = [case for check in ran for case in getattr(check, "cases", [])]
                roots = [check.root for check, result in zip(ctx.template.checks, ctx.checks, strict=False)
                         if not result.skipped]
                ctx.frozen_problems = frozen_problems(ctx.frozen, ctx.files, cases, ran_roots=roots)
        problems = problems_of(ctx)
        if not problems:
            ctx.check_cancelled()  # a cancel that arrived during the last check still wins
            return
        if not ctx.provider.is_llm or ctx.repair_round >= ctx.max_repair_rounds:
            rounds = f" after {ctx.repair_round} repair rounds" if ctx.repair_round else ""
            raise PipelineError(f"the project's checks failed{rounds}: {failure_reason(ctx)}")
        ctx.repair_round += 1
        coder.repair(ctx, problems)
