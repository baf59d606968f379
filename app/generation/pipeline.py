"""The pipeline: planner → architect → coder → reviewer → tester, with bounded repair rounds."""

from __future__ import annotations

from app.generation.agents import PipelineContext, PipelineError, get_agent


def problems_of(ctx: PipelineContext) -> str:
    """What still fails, as text a person (or a model repairing it) can act on; empty when all is well."""
    lines = [f"{f.path}: {f.message}" for f in ctx.findings if f.severity == "error"]
    for check in ctx.checks:
        if not check.ok and not check.skipped:
            lines.append(f"{check.name} failed ({check.passed} passed, {check.failed} failed):\n{check.output}")
    return "\n".join(lines)


def run_pipeline(ctx: PipelineContext) -> None:
    """Run every agent on `ctx`; raise PipelineError when the project still fails after its repair rounds."""
    for name in ("planner", "architect", "coder"):
        ctx.check_cancelled()
        get_agent(name).run(ctx)
    coder, reviewer, tester = get_agent("coder"), get_agent("reviewer"), get_agent("tester")
    while True:
        ctx.check_cancelled()
        reviewer.run(ctx)
        ctx.checks = []
        if not any(f.severity == "error" for f in ctx.findings):
            tester.run(ctx)
        problems = problems_of(ctx)
        if not problems:
            ctx.check_cancelled()  # a cancel that arrived during the last check still wins
            return
        if not ctx.provider.is_llm or ctx.repair_round >= ctx.max_repair_rounds:
            first = problems.splitlines()[0]
            rounds = f" after {ctx.repair_round} repair rounds" if ctx.repair_round else ""
            raise PipelineError(f"the project's checks failed{rounds}: {first}")
        ctx.repair_round += 1
        coder.repair(ctx, problems)
