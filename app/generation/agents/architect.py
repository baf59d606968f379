"""Architect: turns the spec into a file plan — every path, its purpose and what it depends on."""

from __future__ import annotations

from app.generation.agents import register_agent
from app.generation.agents.base import Agent, PipelineContext, PipelineError, PlannedFile
from app.generation.paths import UnsafePath, check_unique, safe_relative_path

MAX_FILES = 400


@register_agent
class Architect(Agent):
    name = "architect"
    progress_range = (10, 20)

    def run(self, ctx: PipelineContext) -> None:
        assert ctx.spec is not None and ctx.template is not None
        self.emit(ctx, "agent", "started", f"Designing the {ctx.template.name} layout")
        rendered = ctx.template.render(ctx.spec)
        if len(rendered) > MAX_FILES:
            raise PipelineError(f"the plan has {len(rendered)} files, more than the limit of {MAX_FILES}")
        try:
            plan = [PlannedFile(safe_relative_path(f.path), f.purpose,
                                tuple(safe_relative_path(d) for d in f.depends_on)) for f in rendered]
            check_unique([p.path for p in plan])
        except UnsafePath as exc:
            raise PipelineError(f"the file plan was refused: {exc}") from None
        known = {p.path for p in plan}
        ctx.plan = [PlannedFile(p.path, p.purpose, tuple(d for d in p.depends_on if d in known)) for p in plan]
        self.emit(ctx, "agent", "completed", f"Planned {len(plan)} files", 1.0,
                  files=[{"path": p.path, "purpose": p.purpose, "depends_on": list(p.depends_on)}
                         for p in ctx.plan])
