"""Writing the back end's Python: field types and sample values, literals, and filling code snippets."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from string import Template
from typing import Any

from ..spec import EntitySpec, FieldSpec


@dataclass(frozen=True)
class PythonType:
    annotation: str  # the Python type of a value: "str", "date"
    column: str  # the SQLAlchemy column type, with `import sqlalchemy as sa`
    invalid: Any  # a JSON value Pydantic refuses for this type
    samples: tuple[Any, Any] | None = None  # two different valid JSON values; text samples come from the label


PYTHON_TYPES: dict[str, PythonType] = {
    "str": PythonType("str", "sa.String(255)", 12345),
    "text": PythonType("str", "sa.Text", 12345),
    "int": PythonType("int", "sa.Integer", "many", (42, 7)),
    "float": PythonType("float", "sa.Float", "lots", (12.5, 0.25)),
    "bool": PythonType("bool", "sa.Boolean", "maybe", (True, False)),
    "date": PythonType("date", "sa.Date", "not a date", ("2024-05-17", "2025-01-31")),
    "datetime": PythonType("datetime", "sa.DateTime", "soon", ("2024-05-17T09:30:00", "2025-01-31T18:45:00")),
}


def sample_value(field: FieldSpec, variant: int = 0) -> Any:
    """A valid JSON value for `field`; variants 0 and 1 differ, so an update can be told from the original."""
    if field.type == "str":
        return f"{field.label} {variant + 1}"
    if field.type == "text":
        return f"{field.label} {variant + 1}: a longer text, written over more than one line if need be."
    samples = PYTHON_TYPES[field.type].samples
    assert samples is not None, field.type
    return samples[variant]


def sample_body(entity: EntitySpec, variant: int = 0) -> dict[str, Any]:
    return {field.snake: sample_value(field, variant) for field in entity.fields}


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
    return json.dumps(value)


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
