"""The generated app/database.py, app/models.py and app/schemas.py: the engine, the tables, the request bodies."""

from __future__ import annotations

from .. import GeneratedFile
from ..spec import EntitySpec, FieldSpec, ProjectSpec
from ..verbatim import verbatim
from .accounts import AUTH_SCHEMAS, USER_MODEL
from .python_code import PYTHON_TYPES, datetime_imports, fill

DATABASE = verbatim("backend", "app/database.py", "SQLAlchemy engine from DATABASE_URL, the declarative Base, and "
                    "the get_session dependency", ("app/config.py",))


def _column(field: FieldSpec) -> str:
    annotation = PYTHON_TYPES[field.type].annotation
    if not field.required:
        annotation += " | None"
    return f"    {field.snake}: Mapped[{annotation}] = mapped_column({PYTHON_TYPES[field.type].column})"


def _model(entity: EntitySpec) -> str:
    return "\n".join([
        f"class {entity.class_name}(Base):",
        f'    __tablename__ = "{entity.plural_snake}"',
        "",
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        *(_column(field) for field in entity.fields),
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
    classes = ([USER_MODEL] if spec.has("auth") else []) + [_model(entity) for entity in spec.entities]
    classes.append(_CREATE_TABLES)
    purpose = (f"SQLAlchemy 2 models with typed Mapped columns for {', '.join(e.class_name for e in spec.entities)}"
               + (" and the User account" if spec.has("auth") else "") + "; create_tables")
    return GeneratedFile("app/models.py", "\n\n\n".join([header, *classes]) + "\n", purpose, ("app/database.py",))


def _module(*blocks: str) -> str:
    """The head of a module: its docstring and import groups, a blank line between non-empty blocks."""
    return "\n\n".join(block.strip("\n") for block in blocks if block.strip())


def _schema_type(field: FieldSpec) -> str:
    if field.type == "str":
        annotation = "NonEmptyStr255" if field.required else "Str255"
    else:
        annotation = PYTHON_TYPES[field.type].annotation
    return annotation if field.required else f"{annotation} | None = None"


def _schema(entity: EntitySpec) -> str:
    lines = [f"class {entity.class_name}In(BaseModel):"]
    lines += [f"    {field.snake}: {_schema_type(field)}" for field in entity.fields]
    lines += ["", "", f"class {entity.class_name}Out({entity.class_name}In):",
              "    model_config = ConfigDict(from_attributes=True)", "", "    id: int"]
    return "\n".join(lines)


def schemas(spec: ProjectSpec) -> GeneratedFile:
    auth = spec.has("auth")
    fields = [field for entity in spec.entities for field in entity.fields]
    aliases = []
    if any(f.type == "str" and f.required for f in fields):
        aliases.append("NonEmptyStr255 = Annotated[str, Field(min_length=1, max_length=255)]")
    if any(f.type == "str" and not f.required for f in fields):
        aliases.append("Str255 = Annotated[str, Field(max_length=255)]")
    stdlib = datetime_imports(fields) + ("from typing import Annotated" if aliases or auth else "")
    pydantic = ["AfterValidator"] * auth + ["BaseModel", "ConfigDict"] + ["Field"] * bool(aliases or auth)
    header = _module('"""Request and response bodies; Pydantic validates every request before a route runs."""',
                     stdlib, f"from pydantic import {', '.join(pydantic)}", "\n".join(aliases))
    blocks = [header, *(_schema(e) for e in spec.entities), *([AUTH_SCHEMAS] if auth else [])]
    return GeneratedFile("app/schemas.py", "\n\n\n".join(blocks) + "\n",
                         "Pydantic v2 request/response schemas with validation"
                         + (", plus credentials and token bodies" if auth else ""))
