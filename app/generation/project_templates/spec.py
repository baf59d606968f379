"""The validated description of a project to generate: its template, name, entities and features."""

from __future__ import annotations

import keyword
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from .. import naming
from .relation_order import deferred_relations, plan

FieldType = Literal["str", "text", "int", "float", "bool", "date", "datetime"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
# Any other type names an entity of the same spec: a relation (`project: Project` is a foreign key to a project;
# in the API and the table it is `project_id`). Whether that entity exists is checked with the list of entities.
EntityRef = Annotated[str, Field(min_length=1, max_length=naming.MAX_NAME_LENGTH,
                                 description="the name of another entity of the spec: a relation to it")]
Feature = Literal["auth", "docker", "tests", "ci"]
FEATURES: tuple[str, ...] = get_args(Feature)
MAX_ENTITIES = 12
MAX_REQUIREMENTS = 12
MAX_FIELDS = 24
MAX_NAME_LENGTH = naming.MAX_NAME_LENGTH  # of an entity or a field
MAX_PROJECT_NAME_LENGTH = 64

# Class names the generated code defines or uses itself (Python's models and schemas, the front end's globals and
# shared modules): an entity called so gets "Record" added to its class names (`Base` → `BaseRecord`), its
# display name and URL stay.
TAKEN_CLASS_NAMES = frozenset({
    "None", "True", "False", "Base", "Mapped", "User", "UserOut", "App",
    "Array", "Boolean", "Date", "Document", "Element", "Error", "Event", "Function", "Headers", "JSON", "Map",
    "Math", "Node", "Number", "Object", "Omit", "Partial", "Pick", "Promise", "Readonly", "Record", "Request",
    "Required", "Response", "Set", "Storage", "String", "Symbol", "URL", "Window", "React", "JSX",
    "ApiError", "Collection", "ComponentType", "Credentials", "FieldConfig", "FieldInput", "FormErrors",
    "FormEvent", "FormValues", "LoginPage", "ResourceApi", "ResourcePage", "Route",
})
# Module and table names the generated back end uses itself (`users` is the account table of `auth`,
# `tests/test_migrations.py` the migrations' test).
TAKEN_MODULE_NAMES = frozenset({"users", "health", "auth", "config", "app", "lifespan", "create_app",
                                "create_tables", "math", "status", "validation_error", "migrations", "migrate",
                                "upgrade_database"})


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
    type: FieldType | EntityRef = "str"
    required: bool = True

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        naming.check_identifier(value, "field name", reserved=naming.RESERVED_FIELDS)
        return naming.normal_name(value)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value in FIELD_TYPES:
            return value
        # Another entity's name, written with a capital as entity names are ("Project", "DueItem"): a relation.
        # A lower-case word is a typo of a type ("string", "money"), refused here with the list of types.
        name = naming.normal_name(value)
        if not name[:1].isupper():
            raise ValueError(f"field type {value!r} is not one of {', '.join(FIELD_TYPES)}; a relation names "
                             "another entity, with a capital (project: Project)")
        naming.check_identifier(name, "a relation's entity name")
        return name

    @property
    def target(self) -> str | None:
        """The snake_case name of the entity this field refers to, or None for a plain value."""
        return None if self.type in FIELD_TYPES else naming.snake(self.type)

    @property
    def kind(self) -> str:
        """The field's type, or "ref" for a relation: the key of the renderers' tables of types."""
        return "ref" if self.target else self.type

    @property
    def snake(self) -> str:  # due_date; project_id for a relation to a project (its JSON key and column)
        name = naming.snake(self.name)
        return f"{name}_id" if self.target and not name.endswith("_id") else name

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
        naming.check_identifier(value, "entity name")
        return naming.normal_name(value)

    @model_validator(mode="after")
    def _unique_fields(self) -> EntitySpec:
        seen: set[str] = set()
        for field in self.fields:
            # Both spellings must be unique: "a1" and "a 1" differ in Python but not in TypeScript.
            if field.snake in seen or field.camel in seen:
                raise ValueError(f"entity {self.name!r} has two fields named {field.snake!r}")
            seen |= {field.snake, field.camel}
        return self

    def refers_to_itself(self, field: FieldSpec) -> bool:
        """Whether `field` is a relation to another record of this entity (a category's parent category)."""
        return field.target == self.snake

    @property
    def class_name(self) -> str:  # Task, DueItem; BaseRecord for Base (see TAKEN_CLASS_NAMES)
        name = naming.pascal(self.name)
        if {name, f"{name}In", f"{name}Out", f"{name}Input", f"{name}Page"} & TAKEN_CLASS_NAMES:
            return f"{name}Record"
        return name

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
    def module(self) -> str:  # tasks: the Python module of its routes and tests, and its table
        name = self.plural_snake
        if keyword.iskeyword(name) or name in TAKEN_MODULE_NAMES:  # "as", the plural of "A"
            return f"{self.snake}_records"
        return name

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


# What a project name may be, written once for the check and for the OpenAPI document (JSON Schema `pattern`):
# leading spaces, then a letter, then letters, digits, spaces, '.', '_' and '-'. Surrounding spaces are dropped.
PROJECT_NAME_PATTERN = r"^ *[A-Za-z][A-Za-z0-9 _.-]*$"


def _project_name(value: str) -> str:
    if not re.fullmatch(PROJECT_NAME_PATTERN, value):
        stripped = value.strip()
        if not stripped or not stripped[0].isalpha():
            raise ValueError("project name must start with a letter")
        raise ValueError("project name may use only letters, digits, spaces, '.', '_' and '-'")
    return value.strip()


def _unique_entities(entities: list[EntitySpec]) -> list[EntitySpec]:
    # Task and Tasks, or DueItem and due_item, would be one module, one table and one route in the project.
    seen: set[str] = set()
    for entity in entities:
        names = {entity.snake, entity.plural_snake, entity.module, entity.plural_kebab, entity.class_name,
                 entity.plural_class_name}
        if names & seen:
            raise ValueError(f"two entities are named {entity.snake!r}")
        seen |= names
    return entities


def _known_targets(entities: list[EntitySpec]) -> list[EntitySpec]:
    """Every relation names an entity of the list; a relation to its own entity is optional (the first record has
    no other to refer to); a cycle of relations between entities has an optional one (see relation_order.py)."""
    by_snake = {entity.snake: entity for entity in entities}
    for entity in entities:
        for field in entity.fields:
            if field.target and field.target not in by_snake:
                choices = ", ".join([*FIELD_TYPES, *(e.name for e in entities)])
                raise ValueError(f"field {field.name!r} of {entity.name!r} has type {field.type!r}: use one of "
                                 f"{choices} (another entity's name makes a relation to it)")
            if entity.refers_to_itself(field) and field.required:
                raise ValueError(f"field {field.name!r} of {entity.name!r} refers to another {entity.name} and is "
                                 f"required, so the first {entity.name} could never be saved: make it optional "
                                 f"({field.name}: {field.type}?)")
    plan(entities)  # raises on a cycle of required relations
    return entities


# The rules of a project's name and of its list of entities: the spec's, and those of the request a person
# submits (app/generation/request.py), which may leave the entities to the Planner.
ProjectName = Annotated[str, Field(min_length=1, max_length=64, json_schema_extra={"pattern": PROJECT_NAME_PATTERN}),
                        AfterValidator(_project_name)]
EntityList = Annotated[list[EntitySpec], Field(max_length=MAX_ENTITIES), AfterValidator(_unique_entities),
                       AfterValidator(_known_targets)]


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

    def is_deferred(self, entity: EntitySpec, field: FieldSpec) -> bool:
        """Whether `field` of `entity` closes a cycle of relations: left empty when a record is first saved."""
        return (entity.snake, field.snake) in deferred_relations(self.entities)

    @property
    def slug(self) -> str:  # todo-api: folder, package.json name, docker service
        return naming.kebab(self.name)

    @property
    def package(self) -> str:  # todo_api: Python package name
        return naming.snake(self.name)

    @property
    def title(self) -> str:  # Todo Api
        return naming.title(self.name)
