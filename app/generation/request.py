"""Request and response shapes of the JSON API and the submission form, validated by pydantic.

The OpenAPI document is generated from these same models, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.generation.project_templates.spec import EntityList, EntitySpec, Feature, FieldSpec, ProjectName, TemplateId


class JobOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(default=None, max_length=100, description="Model name (LLM mode)")
    max_cost_usd: float | None = Field(default=None, gt=0, le=1000, description="Stop when this much is spent")
    max_tokens: int | None = Field(default=None, gt=0, le=50_000_000, description="Stop after this many tokens")
    run_checks: bool = Field(default=True, description="Run the project's own tests and build")


def runs_checks(options: dict[str, Any] | None) -> bool:
    """Whether a job with these stored options runs its project's own tests and build (a job stored without the
    option does, as JobOptions says)."""
    return bool((options or {}).get("run_checks", True))


class JobRequest(BaseModel):
    """What a person or script submits: only `template_id` and `name` are required."""

    model_config = ConfigDict(extra="forbid")

    template_id: TemplateId
    name: ProjectName
    description: str = Field(default="", max_length=4000)
    entities: EntityList = Field(default_factory=list)
    features: list[Feature] = Field(default_factory=list)
    options: JobOptions = Field(default_factory=JobOptions)
    team_id: int | None = Field(default=None, description="Share the job with this team")

    def spec_fields(self) -> dict:
        return {"entities": [e.model_dump() for e in self.entities], "features": sorted(set(self.features))}


class AddEntity(BaseModel):
    op: Literal["add_entity"]
    entity: EntitySpec


class AddField(BaseModel):
    op: Literal["add_field"]
    entity: str
    field: FieldSpec


class RemoveEntity(BaseModel):
    op: Literal["remove_entity"]
    entity: str


class SetFeature(BaseModel):
    op: Literal["set_feature"]
    feature: Feature
    enabled: bool = True


Change = AddEntity | AddField | RemoveEntity | SetFeature


# Python's whitespace (str.strip), spelled out so that JSON Schema's regular expressions read it the same way.
_BLANK = r"\t\n\v\f\r\x1c-\x1f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{_BLANK}]"


class ImproveRequest(BaseModel):
    """A further round on a finished job: structured changes, and/or an instruction for the model."""

    # The document says what the check below refuses: no change and a blank instruction.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["changes"], "properties": {"changes": {"minItems": 1}}},
        {"required": ["instruction"], "properties": {"instruction": {"pattern": NOT_BLANK}}},
    ]})

    instruction: str = Field(default="", max_length=4000)
    changes: list[Change] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _something_to_do(self) -> ImproveRequest:
        if not self.changes and not re.search(NOT_BLANK, self.instruction):
            raise ValueError("give at least one change or an instruction")
        return self
