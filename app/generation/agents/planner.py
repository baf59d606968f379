"""Planner: turns the request into a validated project spec; with a model, adds entities, features and requirements.

The entities and features a person gave are kept; the model may add to them. Its requirements are the
behaviours the description asks for beyond CRUD, each with acceptance criteria the test designer turns into
tests. Every answer is validated as a whole spec and re-asked with all its errors, a bounded number of times.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from app.generation.agents import register_agent
from app.generation.agents.base import Agent, PipelineContext, PipelineError, counted, describe_errors, schema_prompt
from app.generation.project_templates import ProjectSpec, get_template
from app.generation.project_templates.spec import FEATURES, FIELD_TYPES, MAX_REQUIREMENTS
from app.generation.providers import Task


class PlanAnswer(BaseModel):
    entities: list[dict[str, Any]] = Field(default_factory=list)
    features: list[str] = Field(default_factory=list)
    requirements: list[dict[str, Any]] = Field(default_factory=list)


def describe_spec_error(exc: ValidationError) -> str:
    return describe_errors(exc, limit=1)


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
        given = list(request.get("entities") or [])
        # What was asked for, nothing more: no feature ticked means none (the spec adds tests, always).
        features = list(request.get("features") or [])
        asked = request.get("instruction") or request.get("description")

        if ctx.provider.is_llm and asked:
            ctx.spec = self.ask_json(ctx, self._task(ctx, given, features),
                                     validate=lambda answer: self._spec(ctx, given, features, answer))
            added = len(ctx.spec.entities) - len(given)
            if given and added > 0:
                self.emit(ctx, "log", "inferred", f"Added {counted(added, 'entity', 'entities')} the description "
                          "needs", 0.6)
            elif not given:
                self.emit(ctx, "log", "inferred", f"Inferred {counted(len(ctx.spec.entities), 'entity', 'entities')}"
                          " from the description", 0.6)
        else:
            ctx.spec = self._offline_spec(ctx, given, features)
        spec = ctx.spec
        requirements = f" and {counted(len(spec.requirements), 'requirement', 'requirements')}" \
            if spec.requirements else ""
        self.emit(ctx, "agent", "completed",
                  f"Planned {counted(len(spec.entities), 'entity', 'entities')} with features "
                  f"{', '.join(spec.features)}{requirements}", 1.0,
                  entities=[{"name": e.name, "fields": [f.model_dump() for f in e.fields]} for e in spec.entities],
                  features=spec.features, requirements=[r.model_dump() for r in spec.requirements])

    def _offline_spec(self, ctx: PipelineContext, given: list[dict[str, Any]], features: list[str]) -> ProjectSpec:
        entities = given
        if not entities:
            entities = [dict(e) for e in ctx.template.starter_entities]
            names = ", ".join(e["name"] for e in entities)
            self.emit(ctx, "log", "starter", f"No entities given: using the starter set ({names})", 0.7)
        try:
            description = ctx.request.get("description") or ""
            if ctx.request.get("instruction"):  # offline, the instruction is recorded, not implemented
                description = f"{description}\n\nChange request: {ctx.request['instruction']}".strip()[:4000]
            return ProjectSpec(template_id=ctx.template.id, name=ctx.request.get("name", ""),
                               description=description, entities=entities, features=features,
                               requirements=ctx.request.get("requirements") or [])
        except ValidationError as exc:
            raise PipelineError(f"the project spec is invalid: {describe_spec_error(exc)}") from None

    def _spec(self, ctx: PipelineContext, given: list[dict[str, Any]], features: list[str],
              answer: PlanAnswer) -> ProjectSpec:
        """The whole spec from the model's answer; a ValidationError goes back to the model with every error."""
        known = {str(e.get("name", "")).strip().lower() for e in given}
        added = [e for e in answer.entities if str(e.get("name", "")).strip().lower() not in known]
        entities = [*given, *added] or [dict(e) for e in ctx.template.starter_entities]
        kept = list(ctx.request.get("requirements") or [])  # decided before (a retry, or the project improved)
        titles = {str(r.get("title", "")).strip().lower() for r in kept}
        new = [r for r in answer.requirements if str(r.get("title", "")).strip().lower() not in titles]
        requirements = [{**r, "id": f"R{number}"} for number, r in enumerate([*kept, *new], start=1)]
        return ProjectSpec(template_id=ctx.template.id, name=ctx.request.get("name", ""),
                           description=ctx.request.get("description") or "", entities=entities,
                           features=sorted(set(features) | {f for f in answer.features if f in FEATURES}),
                           requirements=requirements)

    def _task(self, ctx: PipelineContext, given: list[dict[str, Any]], features: list[str]) -> Task:
        request = ctx.request
        template = ctx.template
        system = (
            "You plan software projects built on a project template that already gives every entity a "
            "database table, CRUD routes (list, get, create, update, delete) and pages. From the description, "
            "list (1) the data entities the project needs, each with typed fields, keeping every entity the "
            "person gave and adding only what is missing; (2) the optional features it wants; (3) its "
            "requirements: every behaviour the description asks for BEYOND plain CRUD (rules, computed "
            "lists, state changes, validations), each with concrete acceptance criteria a test can check "
            "(for an API: method, route, input, expected status and body; for a UI: what a person does and "
            f"sees). At most {MAX_REQUIREMENTS} requirements; none when the description asks for CRUD only. "
            f"Field types: {', '.join(FIELD_TYPES)}, or another entity's name for a relation to it (a field "
            "\"project\" of type \"Project\" is a foreign key; no cycles). "
            f"Features: {', '.join(FEATURES)}. Entity and field names: "
            "simple English words (letters, digits, spaces). Requirement kind: \"api\" or \"ui\". Answer with "
            "only a JSON object matching this JSON schema: " + schema_prompt(PlanAnswer)
            + ' Example: {"entities": [{"name": "Book", "fields": [{"name": "title", "type": "str", '
            '"required": true}]}], "features": ["auth"], "requirements": [{"id": "R1", "title": "A book on loan '
            'cannot be lent again", "kind": "api", "detail": "...", "acceptance": ["POST /api/loans for a book '
            'that has an open loan answers 409 with a detail naming the book"]}]}'
        )
        routes = "; ".join(f"/api/{e['name']}" for e in template.starter_entities)
        user = (f"Project template: {template.id} ({template.name}); CRUD routes look like {routes or '/api/<items>'}"
                f"\nName: {request.get('name')}\nDescription: {request.get('description') or '-'}\n"
                f"Entities the person gave: {given or 'none'}\nFeatures chosen: {features}")
        if request.get("instruction"):
            user += f"\nThis is an improvement of an existing project. The person asks: {request['instruction']}"
        return Task(self.name, "plan", [{"role": "system", "content": system}, {"role": "user", "content": user}],
                    context={"request": request}, schema=PlanAnswer)
