"""Architect: lays out the scaffold (the project template's files, no model call) and, with a model, plans per
requirement which files change or are added and the names they expose."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.generation.agents import register_agent
from app.generation.agents.base import (
    Agent,
    Change,
    PipelineContext,
    PipelineError,
    PlannedFile,
    counted,
    schema_prompt,
)
from app.generation.agents.test_designer import requirement_of
from app.generation.frozen import is_harness_path, is_test_path
from app.generation.paths import UnsafePath, check_unique, safe_relative_path
from app.generation.project_templates.spec import Requirement
from app.generation.providers import Task

MAX_FILES = 400
MAX_CHANGES = 40
SOURCE_BUDGET = 40_000  # characters of scaffold source shown to the model


class ChangeAnswer(BaseModel):
    requirement: str
    path: str
    action: str = Field(description='"edit" an existing file or "create" a new one')
    purpose: str = ""
    exposes: list[str] = Field(default_factory=list, description="Names other files use: functions, routes")


class ChangePlanAnswer(BaseModel):
    changes: list[ChangeAnswer] = Field(default_factory=list)


@register_agent
class Architect(Agent):
    name = "architect"
    progress_range = (10, 20)

    def run(self, ctx: PipelineContext) -> None:
        assert ctx.spec is not None and ctx.template is not None
        self.emit(ctx, "agent", "started", f"Designing the {ctx.template.name} layout")
        # With a model, a free-text improvement builds on its parent's files; offline it re-renders the new spec.
        base = ctx.request.get("base_files") if ctx.provider.is_llm else None
        if base:
            rendered = [PlannedFile(path, "kept from the project being improved") for path in sorted(base)]
            ctx.scaffold = dict(base)
        else:
            files = ctx.template.render(ctx.spec)
            rendered = [PlannedFile(f.path, f.purpose, f.depends_on) for f in files]
            ctx.scaffold = {f.path: f.content for f in files}
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
        ctx.frozen.freeze_tests_of(ctx.scaffold)
        if ctx.provider.is_llm and pending_requirements(ctx):
            ctx.changes = self.ask_json(ctx, self._task(ctx), validate=lambda answer: self._validate(ctx, answer))
            for change in ctx.changes:
                self.emit(ctx, "log", "planned", f"{change.requirement}: {change.action} {change.path} — "
                          f"{change.purpose}", 0.8, path=change.path, requirement=change.requirement)
        summary = f"Planned {counted(len(plan), 'file', 'files')}" + (
            f" and {counted(len(ctx.changes), 'change', 'changes')}" if ctx.changes else "")
        self.emit(ctx, "agent", "completed", summary, 1.0,
                  files=[{"path": p.path, "purpose": p.purpose, "depends_on": list(p.depends_on)} for p in ctx.plan],
                  changes=[c.to_dict() for c in ctx.changes])

    def _validate(self, ctx: PipelineContext, answer: ChangePlanAnswer) -> list[Change]:
        ids = {r.id for r in ctx.spec.requirements}
        errors: list[str] = []
        changes: list[Change] = []
        if not answer.changes:
            errors.append("the plan has no changes, but every requirement needs at least one")
        if len(answer.changes) > MAX_CHANGES:
            errors.append(f"at most {MAX_CHANGES} changes")
        for number, item in enumerate(answer.changes[:MAX_CHANGES], start=1):
            where = f"changes.{number}"
            try:
                path = safe_relative_path(item.path)
            except UnsafePath as exc:
                errors.append(f"{where}: {exc}")
                continue
            if item.requirement not in ids:
                errors.append(f"{where}: requirement {item.requirement!r} is not one of {', '.join(sorted(ids))}")
            if item.action not in ("edit", "create"):
                errors.append(f"{where}: action must be \"edit\" or \"create\"")
            elif item.action == "edit" and path not in ctx.scaffold:
                errors.append(f"{where}: {path} does not exist; use \"create\"")
            elif item.action == "create" and path in ctx.scaffold:
                errors.append(f"{where}: {path} already exists; use \"edit\"")
            if is_test_path(path) or is_harness_path(path):
                errors.append(f"{where}: {path} is a test or a test setting; tests are written apart from the code")
            changes.append(Change(item.requirement, path, item.action, item.purpose[:300],
                                  tuple(name[:100] for name in item.exposes[:10])))
        missing = {r.id for r in pending_requirements(ctx)} - {c.requirement for c in changes}
        if missing:
            errors.append(f"no change implements {', '.join(sorted(missing))}")
        if errors:
            raise ValueError("; ".join(errors))
        return changes

    def _task(self, ctx: PipelineContext) -> Task:
        spec = ctx.spec
        listing = "\n".join(f"{p.path}: {p.purpose}" for p in ctx.plan)
        system = ("You are the architect of a generated project. The scaffold below already implements CRUD for "
                  "every entity and is tested. For each requirement, plan the smallest set of file changes that "
                  "implements it on top of the scaffold: edit existing source files or create new ones; never "
                  "touch tests (they are written separately). Name what each change exposes (functions, "
                  "routes, components) so that the other changes can rely on those names. Answer with only a "
                  "JSON object matching this JSON schema: " + schema_prompt(ChangePlanAnswer))
        pending = ", ".join(r.id for r in pending_requirements(ctx))
        user = (f"Spec: {spec.model_dump_json()}\nRequirements to implement now: {pending} (the others are done)\n"
                f"\nScaffold files:\n{listing}\n\n"
                f"Source of the main files:\n{source_excerpt(ctx.scaffold, SOURCE_BUDGET)}")
        return Task(self.name, "design", [{"role": "system", "content": system}, {"role": "user", "content": user}],
                    context={"spec": spec}, schema=ChangePlanAnswer)


def pending_requirements(ctx: PipelineContext) -> list[Requirement]:
    """The requirements not built yet: an improvement's parent already has the others, with their tests."""
    done = {requirement_of(path) for path in ctx.scaffold} - {None}
    return [r for r in ctx.spec.requirements if r.id not in done]


def source_excerpt(files: dict[str, str], budget: int) -> str:
    """Non-test source files, most useful first (application code before configuration), within `budget`."""
    order = sorted((p for p in files if not is_test_path(p) and p.endswith((".py", ".ts", ".tsx"))),
                   key=lambda p: (not p.split("/")[-1].startswith(("main", "models", "schemas", "App")), p))
    parts, size = [], 0
    for path in order:
        block = f"=== {path}\n{files[path]}"
        if size + len(block) > budget:
            continue
        parts.append(block)
        size += len(block)
    return "\n\n".join(parts)
