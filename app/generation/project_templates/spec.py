"""The validated description of a project to generate: its template, name, entities and features."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from .. import naming

FieldType = Literal["str", "text", "int", "float", "bool", "date", "datetime"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
Feature = Literal["auth", "docker", "tests", "ci"]
FEATURES: tuple[str, ...] = get_args(Feature)
MAX_ENTITIES = 12
MAX_REQUIREMENTS = 12
MAX_FIELDS = 24
# Entity names the generated projects use for their own modules and routes.
RESERVED_ENTITIES = frozenset({"auth", "health", "api", "user", "users", "token", "app", "test", "tests",
                               "mapped", "base"})


def _known_template(value: str) -> str:
    from . import template_ids  # the registry fills itself from the template modules, after this module loads

    if value not in template_ids():
        raise ValueError(f"unknown project template {value!r}; choose one of {', '.join(template_ids())}")
    return value


class _TemplateIdSchema:
    """Lists the registered project templates as the JSON schema's enum, read when a schema is built."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        from . import template_ids

        return {**handler(core_schema), "enum": list(template_ids())}


TemplateId = Annotated[str, AfterValidator(_known_template), _TemplateIdSchema()]


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: FieldType = "str"
    required: bool = True

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        naming.check_identifier(value, "field name")
        return value.strip()

    @property
    def snake(self) -> str:
        return naming.snake(self.name)

    @property
    def camel(self) -> str:
        return naming.camel(self.name)

    @property
    def label(self) -> str:
        return naming.title(self.name)


class EntitySpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    fields: list[FieldSpec] = Field(min_length=1, max_length=MAX_FIELDS)

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        snake = naming.check_identifier(value, "entity name", pluralised=True)
        if snake in RESERVED_ENTITIES or naming.plural(snake) in RESERVED_ENTITIES:
            raise ValueError(f"entity name {value!r} is used by the generated project itself; choose another")
        return value.strip()

    @model_validator(mode="after")
    def _unique_fields(self) -> EntitySpec:
        seen: set[str] = set()
        for field in self.fields:
            # Both spellings must be unique: "a1" and "a 1" differ in Python but not in TypeScript.
            if field.snake in seen or field.camel in seen:
                raise ValueError(f"entity {self.name!r} has two fields named {field.snake!r}")
            seen |= {field.snake, field.camel}
        return self

    @property
    def class_name(self) -> str:  # Task, DueItem
        return naming.pascal(self.name)

    @property
    def snake(self) -> str:  # task, due_item
        return naming.snake(self.name)

    @property
    def camel(self) -> str:  # task, dueItem
        return naming.camel(self.name)

    @property
    def plural_snake(self) -> str:  # tasks, due_items (table and module names)
        return naming.plural(self.snake)

    @property
    def plural_kebab(self) -> str:  # tasks, due-items (URL paths)
        return naming.plural(naming.kebab(self.name))

    @property
    def plural_camel(self) -> str:
        return naming.plural(self.camel)

    @property
    def plural_class_name(self) -> str:  # Tasks, DueItems
        return naming.plural(self.class_name)

    @property
    def label(self) -> str:  # Task, Due Item
        return naming.title(self.name)

    @property
    def plural_label(self) -> str:
        return naming.plural(self.label)


class Requirement(BaseModel):
    """A behaviour beyond CRUD that a description asks for, with the criteria that decide whether it is done."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^R[0-9]{1,2}$", description="R1, R2, ... in order")
    title: str = Field(min_length=3, max_length=200)
    kind: Literal["api", "ui"] = "api"
    detail: str = Field(default="", max_length=2000)
    acceptance: list[str] = Field(min_length=1, max_length=10, description="Concrete checks: route, input, "
                                  "expected status and body (api), or what a person sees and does (ui)")

    @field_validator("acceptance")
    @classmethod
    def _criteria(cls, value: list[str]) -> list[str]:
        cleaned = [item.strip() for item in value]
        if any(not item or len(item) > 500 for item in cleaned):
            raise ValueError("each acceptance criterion must be 1 to 500 characters")
        return cleaned


def _project_name(value: str) -> str:
    value = value.strip()
    if not value or not value[0].isalpha() or not naming.words(value):
        raise ValueError("project name must start with a letter")
    if not all(ch.isascii() and (ch.isalnum() or ch in " _-.") for ch in value):
        raise ValueError("project name may use only letters, digits, spaces, '.', '_' and '-'")
    return value


def _unique_entities(entities: list[EntitySpec]) -> list[EntitySpec]:
    # Task and Tasks, or DueItem and due_item, would be one module, one table and one route in the project.
    seen: set[str] = set()
    for entity in entities:
        names = {entity.snake, entity.plural_snake, entity.class_name, entity.plural_class_name}
        if names & seen:
            raise ValueError(f"two entities are named {entity.snake!r}")
        seen |= names
    return entities


# The rules of a project's name and of its list of entities: the spec's, and those of the request a person
# submits (app/generation/request.py), which may leave the entities to the Planner.
ProjectName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_project_name)]
EntityList = Annotated[list[EntitySpec], Field(max_length=MAX_ENTITIES), AfterValidator(_unique_entities)]


class ProjectSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    template_id: TemplateId
    name: ProjectName
    description: str = Field(default="", max_length=4000)
    entities: EntityList = Field(min_length=1)
    features: list[Feature] = Field(default_factory=lambda: ["tests"])
    requirements: list[Requirement] = Field(default_factory=list, max_length=MAX_REQUIREMENTS)

    @field_validator("features")
    @classmethod
    def _features(cls, value: list[str]) -> list[str]:
        # Tests are always generated: a project counts only when its own tests pass.
        return sorted(set(value) | {"tests"})

    def has(self, feature: str) -> bool:
        return feature in self.features

    @property
    def slug(self) -> str:  # todo-api: folder, package.json name, docker service
        return naming.kebab(self.name)

    @property
    def package(self) -> str:  # todo_api: Python package name
        return naming.snake(self.name)

    @property
    def title(self) -> str:  # Todo Api
        return naming.title(self.name)
