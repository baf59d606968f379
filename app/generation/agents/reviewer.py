"""Reviewer: static checks on every file and, with a model, a short code review."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.generation.agents import register_agent
from app.generation.agents.base import Agent, Finding, PipelineContext, schema_prompt
from app.generation.providers import Task
from app.generation.static_checks import check_files

REVIEW_CHAR_BUDGET = 24_000


class ReviewFinding(BaseModel):
    path: str
    severity: str = "warning"
    message: str


class ReviewAnswer(BaseModel):
    findings: list[ReviewFinding] = Field(default_factory=list)


@register_agent
class Reviewer(Agent):
    name = "reviewer"
    progress_range = (60, 70)

    def run(self, ctx: PipelineContext) -> None:
        assert ctx.template is not None
        self.emit(ctx, "agent", "started", f"Checking {len(ctx.files)} files")
        roots = [c.root for c in ctx.template.checks if c.kind == "python"]
        ctx.findings = [Finding(path, "error", problem) for path, problem in check_files(ctx.files, roots)]
        if ctx.provider.is_llm and ctx.repair_round == 0:
            ctx.findings += self._model_review(ctx)
        for finding in ctx.findings:
            self.emit(ctx, "review", finding.severity, f"{finding.path}: {finding.message}", 0.8,
                      data=finding.to_dict())
        errors = sum(f.severity == "error" for f in ctx.findings)
        summary = f"{len(ctx.files)} files checked: {errors} errors, {len(ctx.findings) - errors} warnings"
        self.emit(ctx, "agent", "completed" if not errors else "failed", summary, 1.0, errors=errors,
                  warnings=len(ctx.findings) - errors)

    def _model_review(self, ctx: PipelineContext) -> list[Finding]:
        excerpt, size = {}, 0
        for path, content in sorted(ctx.files.items()):
            if size + len(content) > REVIEW_CHAR_BUDGET:
                break
            excerpt[path], size = content, size + len(content)
        system = ("You review generated code. Report only real defects (bugs, security problems, broken "
                  "imports), at most ten. Answer with only a JSON object matching this JSON schema: "
                  + schema_prompt(ReviewAnswer))
        user = "\n\n".join(f"=== {path}\n{content}" for path, content in excerpt.items())
        answer = self.ask_json(ctx, Task(self.name, "review", [{"role": "system", "content": system},
                                                               {"role": "user", "content": user}],
                                         schema=ReviewAnswer))
        # The model's opinions are advice: only the static checks and the tests can fail a job.
        return [Finding(f.path, "warning", f.message[:500], source="llm") for f in answer.findings[:10]]
