"""Request and response shapes of the JSON API and the submission form, validated by pydantic.

The OpenAPI document is generated from these same models, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.generation.project_templates.spec import EntityList, EntitySpec, Feature, FieldSpec, ProjectName, TemplateId


class JobOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(default=None, max_length=100, description="Model name (LLM mode)")
    max_cost_usd: float | None = Field(default=None, gt=0, le=1000, description="Stop when this much is spent")
    max_tokens: int | None = Field(default=None, gt=0, le=50_000_000, description="Stop after this many tokens")
    run_checks: bool = Field(default=True, description="Run the project's own tests and build")


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


class ImproveRequest(BaseModel):
    """A further round on a finished job: structured changes, and/or an instruction for the model."""

    model_config = ConfigDict(extra="forbid")

    instruction: str = Field(default="", max_length=4000)
    changes: list[Change] = Field(default_factory=list, max_length=50)
