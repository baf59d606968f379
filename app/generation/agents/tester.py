"""Tester: runs the generated project's own test suite and build in the sandbox (app/generation/sandbox)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.generation.agents import register_agent
from app.generation.agents.base import Agent, CheckResult, PipelineContext
from app.generation.paths import write_tree
from app.generation.sandbox import check_name, choose_isolation, run_checks


@register_agent
class Tester(Agent):
    name = "tester"
    progress_range = (70, 95)

    def run(self, ctx: PipelineContext) -> None:
        assert ctx.template is not None
        checks = ctx.template.checks
        self.emit(ctx, "agent", "started", f"Running the project's own checks ({len(checks)})")
        ctx.checks = []
        isolation = choose_isolation(model_written=ctx.provider.is_llm,
                                     allow_unisolated=ctx.sandbox_policy == "allow-unisolated")
        skip = "checks are turned off for this run" if not ctx.run_checks else isolation.refusal
        if skip:
            for check in checks:
                self._report(ctx, CheckResult(check_name(check), skipped=skip), len(checks))
        else:
            if isolation.warning:
                self.emit(ctx, "log", "unisolated", isolation.warning)
            with tempfile.TemporaryDirectory(prefix="codegen-test-") as work:
                project = Path(work) / "project"
                write_tree(project, {p: c.encode() for p, c in ctx.files.items()})
                run_checks(project, checks, ctx.cache_dir or Path(work) / "cache",
                           log=lambda status, message: self.emit(ctx, "log", status, message),
                           is_cancelled=ctx.is_cancelled, isolated=isolation.isolated,
                           on_result=lambda result: self._report(ctx, result, len(checks)))
            ctx.check_cancelled()
            self._keep_lockfiles(ctx)
        failed = [c for c in ctx.checks if not c.ok and not c.skipped]
        summary = "; ".join(f"{c.name}: {c.skipped or _counts(c)}" for c in ctx.checks)
        self.emit(ctx, "agent", "failed" if failed else "completed", summary, 1.0,
                  passed=sum(c.passed for c in ctx.checks), failed=sum(c.failed for c in ctx.checks),
                  verified=ctx.verified)

    def _keep_lockfiles(self, ctx: PipelineContext) -> None:
        """The dependency versions each passing check verified become the project's lock files (not tests: the
        frozen suite and `verified` never look at them)."""
        for result in ctx.checks:
            if not result.ok or result.skipped or not result.lockfiles:
                continue
            for path, content in sorted(result.lockfiles.items()):
                ctx.files[path] = content
                self.emit(ctx, "file", "written", path, 1.0, path=path, size=len(content.encode()))
            self.emit(ctx, "log", "recorded", f"{result.name} passed: recorded the dependency versions it verified "
                      f"in {', '.join(sorted(result.lockfiles))}", 1.0)

    def _report(self, ctx: PipelineContext, result: CheckResult, total: int) -> None:
        ctx.checks.append(result)
        status = "skipped" if result.skipped else "passed" if result.ok else "failed"
        message = result.skipped or f"{result.name}: {_counts(result)}"
        self.emit(ctx, "test", status, message, len(ctx.checks) / total, data=result.to_dict())


def _counts(result: CheckResult) -> str:
    stopped = f" (stopped: {result.reason})" if result.reason else ""
    return f"{result.passed} passed, {result.failed} failed{stopped}"
