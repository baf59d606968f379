"""Planner: turns the request into a validated project spec; with a model, infers entities and features."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from app.generation.agents import register_agent
from app.generation.agents.base import Agent, PipelineContext, PipelineError, schema_prompt
from app.generation.project_templates import ProjectSpec, get_template
from app.generation.project_templates.spec import FEATURES, FIELD_TYPES
from app.generation.providers import Task


class PlanAnswer(BaseModel):
    entities: list[dict[str, Any]] = Field(default_factory=list)
    features: list[str] = Field(default_factory=list)


def describe_spec_error(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg'].removeprefix('Value error, ')}"


@register_agent
class Planner(Agent):
    name = "planner"
    progress_range = (0, 10)

    def run(self, ctx: PipelineContext) -> None:
        request = ctx.request
        self.emit(ctx, "agent", "started", "Planning the project")
        try:
            ctx.template = get_template(request.get("template_id", ""))
        except KeyError as exc:
            raise PipelineError(str(exc.args[0])) from None
        entities = list(request.get("entities") or [])
        features = list(request.get("features") or [])

        if ctx.provider.is_llm and request.get("description"):
            answer = self.ask_json(ctx, self._inference_task(ctx))
            if not entities and answer.entities:
                entities = answer.entities
                self.emit(ctx, "log", "inferred", f"Inferred {len(entities)} entities from the description", 0.6)
            features = sorted(set(features) | {f for f in answer.features if f in FEATURES})

        if not entities:
            entities = [dict(e) for e in ctx.template.starter_entities]
            names = ", ".join(e["name"] for e in entities)
            self.emit(ctx, "log", "starter", f"No entities given: using the starter set ({names})", 0.7)

        try:
            ctx.spec = ProjectSpec(template_id=ctx.template.id, name=request.get("name", ""),
                                   description=request.get("description") or "", entities=entities,
                                   features=features or list(ctx.template.features))
        except ValidationError as exc:
            raise PipelineError(f"the project spec is invalid: {describe_spec_error(exc)}") from None
        spec = ctx.spec
        self.emit(ctx, "agent", "completed",
                  f"Planned {len(spec.entities)} entities with features {', '.join(spec.features)}", 1.0,
                  entities=[{"name": e.name, "fields": [f.model_dump() for f in e.fields]} for e in spec.entities],
                  features=spec.features)

    def _inference_task(self, ctx: PipelineContext) -> Task:
        request = ctx.request
        system = (
            "You plan software projects. From the description, list the data entities the project needs "
            "(each with typed fields) and which optional features it wants. Field types: "
            f"{', '.join(FIELD_TYPES)}. Features: {', '.join(FEATURES)}. Names must be simple English words "
            "(letters, digits, spaces). Answer with only a JSON object matching this JSON schema: "
            + schema_prompt(PlanAnswer)
            + ' Example: {"entities": [{"name": "Task", "fields": [{"name": "title", "type": "str", '
            '"required": true}]}], "features": ["auth"]}'
        )
        user = f"Project template: {request.get('template_id')}\nName: {request.get('name')}\n" \
               f"Description: {request.get('description')}"
        return Task(self.name, "plan", [{"role": "system", "content": system}, {"role": "user", "content": user}],
                    context={"request": request}, schema=PlanAnswer)
