"""Writing the back end's Python: field types and sample values, literals, and filling code snippets."""

from __future__ import annotations

import hashlib
import json
import keyword
import re
import textwrap
from dataclasses import dataclass
from string import Template
from typing import Any

from ..spec import EntitySpec, FieldSpec, ProjectSpec


@dataclass(frozen=True)
class PythonType:
    annotation: str  # the Python type of a value: "str", "date"
    column: str  # the SQLAlchemy column type, with `import sqlalchemy as sa`
    invalid: Any  # a JSON value Pydantic refuses for this type
    samples: tuple[Any, Any] | None = None  # two different valid JSON values; text samples come from the label


PYTHON_TYPES: dict[str, PythonType] = {
    "str": PythonType("str", "sa.String(255)", 12345),
    "text": PythonType("str", "sa.Text", 12345),
    "int": PythonType("int", "sa.BigInteger", "many", (42, 7)),
    "float": PythonType("float", "sa.Float", "lots", (12.5, 0.25)),
    "bool": PythonType("bool", "sa.Boolean", "maybe", (True, False)),
    "date": PythonType("date", "sa.Date", "not a date", ("2024-05-17", "2025-01-31")),
    "datetime": PythonType("datetime", "sa.DateTime", "soon", ("2024-05-17T09:30:00", "2025-01-31T18:45:00")),
    # A relation: the id of another entity's record. The generated tests create two records of every entity a
    # module refers to first, so ids 1 and 2 exist; the column's ForeignKey is added by the models' renderer.
    "ref": PythonType("int", "sa.Integer", "many", (1, 2)),
}


# The largest whole number a JavaScript client reads exactly (Number.MAX_SAFE_INTEGER); the API keeps whole numbers
# within it, so that no client rounds one, and they fit a 64-bit column.
SAFE_INTEGER = 2**53 - 1

# Values of the right JSON type that the API still refuses (422), as Python expressions for the generated tests:
# numbers JSON cannot carry faithfully, whole numbers past the safe range, time zone offsets (the database keeps
# local date-times), blank required text.
EDGE_VALUES: dict[str, tuple[str, ...]] = {
    "int": (str(SAFE_INTEGER + 1), str(-SAFE_INTEGER - 1), str(2**63)),
    "ref": (str(SAFE_INTEGER + 1), str(2**63)),
    "float": ('float("nan")', 'float("inf")', 'float("-inf")'),
    "datetime": ('"2024-05-17T09:30:00+02:00"', '"2024-05-17T09:30:00Z"'),
}
BLANK_VALUES = ('""', '"   "')

# Names a model or schema class body cannot bind to a field: Python keywords, the attributes of Pydantic's BaseModel
# and SQLAlchemy's declarative base, and the names the class bodies read (a field `date: date | None = None` binds
# `date` before Python reads the annotation). Such a field gets a trailing underscore in Python (`from_`) and keeps
# its name in JSON (an alias) and in the table (the column name).
_CLASS_BODY_NAMES = frozenset({
    "copy", "dict", "json", "schema", "schema_json", "construct", "validate", "from_orm", "parse_obj", "parse_raw",
    "parse_file", "update_forward_refs", "metadata", "registry", "self", "cls", "sa", "mapped_column", "date",
    "datetime", "str", "int", "float", "bool",
})


def attribute(field: FieldSpec) -> str:
    """The field's attribute in the generated Python: its snake_case name, or that name and "_" when it is taken."""
    name = field.snake
    if keyword.iskeyword(name) or name in _CLASS_BODY_NAMES or name.startswith("model_"):
        return f"{name}_"
    return name


def owner_column(entity: EntitySpec) -> str:
    """The column of a record's owner with `auth`: owner_id, unless one of the entity's fields is called so."""
    taken = {name for field in entity.fields for name in (field.snake, attribute(field))}
    return next(name for name in ("owner_id", "owner_user_id", "owner_account_id", "created_by_user_id")
                if name not in taken)


def sample_value(field: FieldSpec, variant: int = 0) -> Any:
    """A valid JSON value for `field`; variants 0 and 1 differ, so an update can be told from the original."""
    if field.type == "str":
        return f"{field.label} {variant + 1}"
    if field.type == "text":
        return f"{field.label} {variant + 1}: a longer text, written over more than one line if need be."
    samples = PYTHON_TYPES[field.kind].samples
    assert samples is not None, field.kind
    return samples[variant]


def sample_body(spec: ProjectSpec, entity: EntitySpec, variant: int = 0) -> dict[str, Any]:
    """A valid body; a relation to the entity itself, or one that closes a cycle, is left empty (the tests' first
    record has none to refer to)."""
    return {field.snake: None if entity.refers_to_itself(field) or spec.is_deferred(entity, field)
            else sample_value(field, variant) for field in entity.fields}


def foreign_key_name(entity: EntitySpec, field: FieldSpec) -> str:
    """The name of a deferred relation's foreign key, added after the tables (PostgreSQL allows 63 characters)."""
    name = f"fk_{entity.module}_{field.snake}"
    if len(name) > 63:
        name = f"{name[:54]}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return name


def datetime_imports(entity_fields: list[FieldSpec]) -> str:
    """`from datetime import ...` for the date and time annotations the fields use, or ""."""
    names = sorted({field.type for field in entity_fields if field.type in ("date", "datetime")})
    return f"from datetime import {', '.join(names)}\n" if names else ""


def py_literal(value: Any) -> str:
    """A Python literal in the double-quoted style of the generated code (JSON is nearly Python)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + "".join(_py_char(char) for char in value) + '"'
    return json.dumps(value)


def _py_char(char: str) -> str:
    """A character inside a double-quoted Python string: letters as written, anything else escaped the Python way
    (JSON's escapes spell a character past U+FFFF as two surrogates, which Python reads as two characters)."""
    if char.isascii():
        return json.dumps(char)[1:-1]
    if char.isprintable():
        return char
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def py_string(text: str, indent: int = 0, width: int = 100) -> str:
    """A string literal; a long one becomes implicitly joined pieces in parentheses, each fitting `width`."""
    if len(py_literal(text)) + indent <= width:
        return py_literal(text)
    pieces = [""]
    for word in re.findall(r"\s*\S+\s*|\s+", text):
        if pieces[-1] and indent + 4 + len(py_literal(pieces[-1] + word)) > width:
            pieces.append("")
        pieces[-1] += word
    pad = " " * (indent + 4)
    return "(\n" + "".join(f"{pad}{py_literal(piece)}\n" for piece in pieces) + " " * indent + ")"


def fill(text: str, **values: str) -> str:
    """Dedent a snippet of generated code and substitute its $placeholders."""
    return Template(textwrap.dedent(text).lstrip("\n")).substitute(values)


def normal_prefix(api_prefix: str) -> str:
    """"/api", "api/" and "/api/" all mean "/api"; "" and "/" mean the routes sit at the root."""
    stripped = api_prefix.strip("/")
    return f"/{stripped}" if stripped else ""


def dict_literal(values: dict[str, Any], indent: int = 0) -> str:
    """A dict literal on one line, or one item a line when that line would pass 100 characters."""
    inline = py_literal(values)
    if len(inline) + indent + 30 <= 100:
        return inline
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{py_literal(k)}: {py_literal(v)},\n" for k, v in values.items()) + " " * indent + "}"


def list_literal(elements: list[str], indent: int = 0) -> str:
    """A list of already-rendered elements, one a line when a single line would be too long."""
    inline = f"[{', '.join(elements)}]"
    if len(inline) + indent + 40 <= 100:
        return inline
    pad = " " * (indent + 4)
    return "[\n" + "".join(f"{pad}{element},\n" for element in elements) + " " * indent + "]"
