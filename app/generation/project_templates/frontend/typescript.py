"""Writing the front end's TypeScript: what an entity is called, field types, literals, filling code snippets."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from ... import naming
from ..spec import EntitySpec, FieldSpec

_MARK = re.compile(r"\[\[(\w+)\]\]")

# TypeScript type, form -> API conversion (required, optional) and API -> form conversion of each field type.
TS_TYPES = {
    "str": ("string", "toText", "toOptionalText", "fromText"),
    "text": ("string", "toText", "toOptionalText", "fromText"),
    "int": ("number", "toNumber", "toOptionalNumber", "fromNumber"),
    "float": ("number", "toNumber", "toOptionalNumber", "fromNumber"),
    "bool": ("boolean", "isChecked", "isChecked", None),
    "date": ("string", "toText", "toOptionalText", "fromText"),
    "datetime": ("string", "toDateTime", "toOptionalDateTime", "fromDateTime"),
    "ref": ("number", "toNumber", "toOptionalNumber", "fromNumber"),  # a relation: the id of the record
}
TS_COMMENTS = {"date": "YYYY-MM-DD", "datetime": "ISO 8601, such as 2024-05-17T09:30:00"}

# The <input type> of each field type; "text" is a <textarea> and "bool" a checkbox. FieldInput.tsx under files/
# spells out the same table (tests/unit/test_react_app_template.py checks that the two agree).
INPUT_TYPES = {"str": "text", "int": "number", "float": "number", "date": "date", "datetime": "datetime-local"}


def fill(text: str, **values: str) -> str:
    """Dedent a snippet of generated code and replace its [[placeholders]] (TypeScript's `${...}` stays as is)."""
    return _MARK.sub(lambda match: values[match.group(1)], textwrap.dedent(text).lstrip("\n"))


def ts_string(text: str) -> str:
    """A string literal; accents stay as written (a JSX attribute's "..." reads no escapes)."""
    return ts_value(text)


def ts_value(value: Any) -> str:
    """A JSON value as a TypeScript literal, letters as written."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class TsNames:
    """What one entity is called in the front end's TypeScript."""

    type: str  # Task
    input: str  # TaskInput
    page: str  # TaskPage
    module: str  # tasks: src/api/tasks.ts
    list: str  # listTasks
    paged: str  # pageOfTasks: a page and the total
    get: str
    create: str
    update: str
    delete: str

    @property
    def api_path(self) -> str:
        return f"src/api/{self.module}.ts"

    @property
    def page_path(self) -> str:
        return f"src/pages/{self.page}.tsx"


def ts_names(entity: EntitySpec) -> TsNames:
    base = entity.class_name  # "Record" added already to a name the generated code takes (spec.TAKEN_CLASS_NAMES)
    return TsNames(type=base, input=f"{base}Input", page=f"{base}Page", module=entity.plural_camel,
                   list=f"list{naming.plural(base)}", paged=f"pageOf{naming.plural(base)}", get=f"get{base}",
                   create=f"create{base}", update=f"update{base}", delete=f"delete{base}")


def article(label: str) -> str:
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def ts_import(names: list[str], module: str) -> str:
    """An import statement, one name per line when a single line would be long (as Prettier writes it)."""
    line = f'import {{ {", ".join(names)} }} from "{module}";'
    if len(line) <= 100:
        return line
    return "import {\n" + "".join(f"  {name},\n" for name in names) + f'}} from "{module}";'


def ts_type(field: FieldSpec) -> str:
    return TS_TYPES[field.kind][0] + ("" if field.required else " | null")


def ts_object(items: dict[str, Any], quote_keys: bool = False, indent: int = 0) -> str:
    pairs = [f"{ts_value(key) if quote_keys else key}: {ts_value(value)}" for key, value in items.items()]
    line = "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    if len(line) + indent <= 90:
        return line
    return "{\n" + "".join(f"{' ' * (indent + 2)}{pair},\n" for pair in pairs) + " " * indent + "}"
