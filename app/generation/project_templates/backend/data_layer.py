"""The generated app/database.py, app/models.py and app/schemas.py: the engine, the tables, the request bodies."""

from __future__ import annotations

from .. import GeneratedFile
from ..spec import EntitySpec, FieldSpec, ProjectSpec
from ..verbatim import verbatim
from .accounts import AUTH_SCHEMAS, USER_MODEL
from .python_code import (
    PYTHON_TYPES,
    SAFE_INTEGER,
    attribute,
    datetime_imports,
    fill,
    foreign_key_name,
    owner_column,
)

DATABASE = verbatim("backend", "app/database.py", "SQLAlchemy engine from DATABASE_URL, the declarative Base, and "
                    "the get_session dependency", ("app/config.py",))


def _column(field: FieldSpec, entity: EntitySpec, spec: ProjectSpec) -> str:
    annotation = PYTHON_TYPES[field.kind].annotation
    if not field.required:
        annotation += " | None"
    name = attribute(field)
    column = PYTHON_TYPES[field.kind].column
    if field.target:  # the id column's type comes from the table it refers to; indexed, for the list's filter
        column = f'sa.ForeignKey("{target_entity(spec, field).module}.id"), index=True'
        if spec.is_deferred(entity, field):  # closes a cycle: added once both tables exist
            column = (f'sa.ForeignKey("{target_entity(spec, field).module}.id", use_alter=True, '
                      f'name="{foreign_key_name(entity, field)}"), index=True')
    if name != field.snake:
        column = f'"{field.snake}", {column}'  # the column keeps the field's name
    return f"    {name}: Mapped[{annotation}] = mapped_column({column})"


def target_entity(spec: ProjectSpec, field: FieldSpec) -> EntitySpec:
    """The entity a relation field refers to."""
    return next(entity for entity in spec.entities if entity.snake == field.target)


def _model(entity: EntitySpec, spec: ProjectSpec) -> str:
    return "\n".join([
        f"class {entity.class_name}(Base):",
        f'    __tablename__ = "{entity.module}"',
        "",
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        *(_column(field, entity, spec) for field in entity.fields),
        *([f'    {owner_column(entity)}: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)']
          if spec.has("auth") else []),
    ])


_CREATE_TABLES = fill("""
    def create_tables(bind: sa.Engine = engine) -> None:
        Base.metadata.create_all(bind)
    """).rstrip()


def models(spec: ProjectSpec) -> GeneratedFile:
    fields = [field for entity in spec.entities for field in entity.fields]
    header = _module('"""The database tables, one class per entity; a column is NOT NULL unless it allows None."""',
                     datetime_imports(fields),
                     "import sqlalchemy as sa\nfrom sqlalchemy.orm import Mapped, mapped_column",
                     "from app.database import Base, engine")
    classes = ([USER_MODEL] if spec.has("auth") else []) + [_model(entity, spec) for entity in spec.entities]
    classes.append(_CREATE_TABLES)
    purpose = (f"SQLAlchemy 2 models with typed Mapped columns for {', '.join(e.class_name for e in spec.entities)}"
               + (" and the User account" if spec.has("auth") else "") + "; create_tables")
    return GeneratedFile("app/models.py", "\n\n\n".join([header, *classes]) + "\n", purpose, ("app/database.py",))


def _module(*blocks: str) -> str:
    """The head of a module: its docstring and import groups, a blank line between non-empty blocks."""
    return "\n\n".join(block.strip("\n") for block in blocks if block.strip())


# The types of request fields by (field type, required): what the API accepts is what it can store and give back
# unchanged. Each alias is declared in app/schemas.py only when a field uses it.
_SCHEMA_TYPES = {
    ("str", True): "NonEmptyStr255", ("str", False): "Str255",
    ("text", True): "NonEmptyText", ("text", False): "str",
    ("int", True): "WholeNumber", ("float", True): "FiniteFloat",
    ("bool", True): "bool", ("date", True): "date", ("datetime", True): "NaiveDatetime", ("ref", True): "RecordId",
}
_ALIASES = {
    "NonEmptyStr255": "Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]",
    "Str255": "Annotated[str, Field(max_length=255)]",
    "NonEmptyText": "Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]",
    "WholeNumber": f"Annotated[int, Field(ge=-{SAFE_INTEGER:_}, le={SAFE_INTEGER:_})]",
    "FiniteFloat": "Annotated[float, Field(allow_inf_nan=False)]",
    "RecordId": f"Annotated[int, Field(ge=1, le={SAFE_INTEGER:_})]",
}
_ALIAS_COMMENTS = {
    "NonEmptyStr255": "# Text is kept without surrounding spaces; a required one must not be blank.",
    "WholeNumber": "# Whole numbers within what a JavaScript client reads exactly (Number.MAX_SAFE_INTEGER).",
    "FiniteFloat": "# JSON has no NaN or Infinity: such a number could not be given back.",
    "RecordId": "# The id of another record; the routes check that it exists.",
}


def _schema_type(field: FieldSpec) -> str:
    return _SCHEMA_TYPES.get((field.kind, field.required)) or _SCHEMA_TYPES[(field.kind, True)]


def _schema_field(field: FieldSpec) -> str:
    name, annotation = attribute(field), _schema_type(field)
    if name == field.snake:
        return f"    {name}: {annotation}" + ("" if field.required else " | None = None")
    if field.required:
        return f'    {name}: {annotation} = Field(alias="{field.snake}")'
    return f'    {name}: {annotation} | None = Field(default=None, alias="{field.snake}")'


def _schema(entity: EntitySpec) -> str:
    attributes = [attribute(field) for field in entity.fields]
    aliased = any(name != field.snake for name, field in zip(attributes, entity.fields, strict=True))
    lines = [f"class {entity.class_name}In(BaseModel):"]
    if any(name.startswith("model_") for name in attributes):  # Pydantic keeps model_* for itself unless told
        lines += ["    model_config = ConfigDict(protected_namespaces=())", ""]
    lines += [_schema_field(field) for field in entity.fields]
    # A response reads the record's attributes by their Python names: by its JSON name, `metadata` would be the
    # table's MetaData. It still answers with the JSON names.
    config = "from_attributes=True, validate_by_name=True, validate_by_alias=False" if aliased else (
        "from_attributes=True")
    lines += ["", "", f"class {entity.class_name}Out({entity.class_name}In):",
              f"    model_config = ConfigDict({config})", "", "    id: int"]
    # A change (PATCH) names only the fields it changes. A default is not validated, so a field left out is None
    # and unset, while an explicit null for a required field is refused like any value of the wrong type.
    lines += ["", "", f"class {entity.class_name}Patch(BaseModel):",
              '    """The fields to change: a field left out keeps its value."""', ""]
    if any(name.startswith("model_") for name in attributes):
        lines += ["    model_config = ConfigDict(protected_namespaces=())", ""]
    lines += [_patch_field(field) for field in entity.fields]
    return "\n".join(lines)


def _patch_field(field: FieldSpec) -> str:
    name, annotation = attribute(field), _schema_type(field) + ("" if field.required else " | None")
    if name == field.snake:
        return f"    {name}: {annotation} = None"
    return f'    {name}: {annotation} = Field(default=None, alias="{field.snake}")'


def schemas(spec: ProjectSpec) -> GeneratedFile:
    auth = spec.has("auth")
    fields = [field for entity in spec.entities for field in entity.fields]
    used = {_schema_type(field) for field in fields}
    aliases = [name for name in _ALIASES if name in used]
    declared = "\n".join((f"{_ALIAS_COMMENTS[name]}\n" if name in _ALIAS_COMMENTS else "")
                         + f"{name} = {_ALIASES[name]}" for name in aliases)
    stdlib = ("from datetime import date\n" if "date" in used else "") + (
        "from typing import Annotated" if aliases or auth else "")
    names = {"BaseModel", "ConfigDict"} | ({"AfterValidator", "Field"} if auth else set())
    names |= {"Field"} if any(attribute(f) != f.snake for f in fields) or {
        "Str255", "WholeNumber", "FiniteFloat", "RecordId"} & used else set()
    names |= {"StringConstraints"} if {"NonEmptyStr255", "NonEmptyText"} & used else set()
    names |= {"NaiveDatetime"} if "NaiveDatetime" in used else set()
    header = _module('"""Request and response bodies; Pydantic validates every request before a route runs."""',
                     stdlib, f"from pydantic import {', '.join(sorted(names))}", declared)
    blocks = [header, *(_schema(e) for e in spec.entities), *([AUTH_SCHEMAS] if auth else [])]
    return GeneratedFile("app/schemas.py", "\n\n\n".join(blocks) + "\n",
                         "Pydantic v2 request/response schemas with validation"
                         + (", plus credentials and token bodies" if auth else ""))
