"""The submission form's data: parsed from the posted fields, validated by the API's own `JobRequest`.

Entity blocks and field rows carry random keys (`entities-<key>-fields-<key>-name`), so rows added or removed in
the browser never renumber the others; their order is the order the browser sent them in.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.generation.project_templates.spec import FEATURES, FIELD_TYPES, MAX_ENTITIES, MAX_FIELDS
from app.generation.request import JobRequest

_KEY = r"[a-z0-9]{1,12}"
ENTITY_KEY = re.compile(_KEY)
_ENTITY_INPUT = re.compile(rf"^entities-({_KEY})-(name|fields-({_KEY})-(name|type|required))$")
# The most entity blocks and field rows the form reads: what a job takes, with room for blank rows.
FORM_ENTITIES = MAX_ENTITIES + 4
FORM_FIELDS = MAX_FIELDS + 4
TOO_MANY_ROWS = (f"This form takes at most {MAX_ENTITIES} entities of {MAX_FIELDS} fields each; what you sent has "
                 "more, and the rows past that were not kept. Remove some entities or fields, then submit again.")
FRIENDLY = {
    ("name", "string_too_short"): "Give the project a name.",
    ("max_cost_usd", "float_parsing"): "Enter an amount in US dollars, such as 0.50.",
}


def new_key() -> str:
    return secrets.token_hex(4)


@dataclass
class FieldRow:
    key: str = field(default_factory=new_key)
    name: str = ""
    type: str = "str"
    required: bool = True

    def input(self, entity: EntityBlock, part: str) -> str:
        return f"entities-{entity.key}-fields-{self.key}-{part}"


@dataclass
class EntityBlock:
    key: str = field(default_factory=new_key)
    name: str = ""
    fields: list[FieldRow] = field(default_factory=lambda: [FieldRow()])

    def input(self, part: str = "name") -> str:
        return f"entities-{self.key}-{part}"

    @property
    def filled_fields(self) -> list[FieldRow]:
        return [f for f in self.fields if f.name.strip()]

    @property
    def blank(self) -> bool:
        return not self.name.strip() and not self.filled_fields


@dataclass
class JobForm:
    template_id: str = ""
    name: str = ""
    description: str = ""
    entities: list[EntityBlock] = field(default_factory=lambda: [EntityBlock()])
    features: list[str] = field(default_factory=list)
    model: str = ""
    max_cost_usd: str = ""
    run_checks: bool = True
    team_id: str = ""
    dropped_rows: bool = False  # the form had more blocks or rows than it reads
    errors: dict[str, list[str]] = field(default_factory=dict)

    field_types = FIELD_TYPES
    all_features = FEATURES

    def relation_types(self, current: str = "") -> list[tuple[str, str]]:
        """(value, label) of each relation a field may be: to any entity the form names, its own included, as the
        API writes it (`project: Project`); a relation typed earlier stays offered even after its entity is gone."""
        found: dict[str, str] = {}
        for entity in self.entities:
            name = entity.name.strip()
            if name:
                found.setdefault(name[:1].upper() + name[1:], name)
        if current and current not in FIELD_TYPES and current not in found:
            found[current] = current
        return list(found.items())

    @classmethod
    def from_form(cls, form: Any) -> JobForm:
        """Read a posted form (a werkzeug MultiDict, or any mapping with `getlist`), in one pass over its inputs.

        At most FORM_ENTITIES blocks of FORM_FIELDS rows are read: more is refused with a clear error rather
        than parsed and rendered back (a form of thousands of rows is a mistake or an attack)."""
        entities: dict[str, EntityBlock] = {}
        rows: dict[tuple[str, str], FieldRow] = {}
        dropped = False
        for name in form:
            match = _ENTITY_INPUT.match(name)
            if not match:
                continue
            entity = entities.get(match[1])
            if entity is None:
                if len(entities) >= FORM_ENTITIES:
                    dropped = True
                    continue
                entity = entities[match[1]] = EntityBlock(key=match[1], fields=[])
            if match[2] == "name":
                entity.name = form.get(name, "")[:200]
                continue
            row = rows.get((match[1], match[3]))
            if row is None:
                if len(entity.fields) >= FORM_FIELDS:
                    dropped = True
                    continue
                row = rows[match[1], match[3]] = FieldRow(key=match[3], required=False)
                entity.fields.append(row)
            if match[4] == "name":
                row.name = form.get(name, "")[:200]
            elif match[4] == "type":
                row.type = form.get(name, "str")
            else:
                row.required = True
        return cls(
            template_id=form.get("template_id", ""), name=form.get("name", "")[:200],
            description=form.get("description", "")[:5000], entities=list(entities.values()),
            features=[f for f in FEATURES if f in form.getlist("features")], model=form.get("model", "")[:200],
            max_cost_usd=form.get("max_cost_usd", "").strip()[:40], run_checks=bool(form.get("run_checks")),
            team_id=form.get("team_id", "").strip(), dropped_rows=dropped,
        )

    def apply(self, action: str) -> None:
        """Add or remove a block or row: what the buttons do when the browser runs no JavaScript."""
        verb, _, key = action.partition(":")
        if verb == "add-entity":
            self.entities.append(EntityBlock())
        for entity in self.entities:
            if verb == "add-field" and entity.key == key:
                entity.fields.append(FieldRow())
            if verb == "remove-field":
                entity.fields = [f for f in entity.fields if f.key != key]
        if verb == "remove-entity":
            self.entities = [e for e in self.entities if e.key != key]

    def submitted_entities(self) -> list[EntityBlock]:
        return [e for e in self.entities if not e.blank]

    def request_data(self, llm: bool) -> dict[str, Any]:
        options: dict[str, Any] = {"run_checks": self.run_checks}
        if llm and self.model.strip():
            options["model"] = self.model.strip()
        if llm and self.max_cost_usd:
            options["max_cost_usd"] = self.max_cost_usd
        data: dict[str, Any] = {
            "template_id": self.template_id, "name": self.name, "description": self.description,
            "entities": [{"name": e.name, "fields": [{"name": f.name, "type": f.type, "required": f.required}
                                                     for f in e.filled_fields]} for e in self.submitted_entities()],
            "features": self.features, "options": options,
        }
        if self.team_id:
            data["team_id"] = self.team_id
        return data

    def validate(self, llm: bool) -> JobRequest | None:
        """The request, or None with `errors` filled in, keyed by the name of the input they belong to."""
        self.errors = {}
        if self.dropped_rows:
            self.add_error("form", TOO_MANY_ROWS)
            return None
        try:
            return JobRequest.model_validate(self.request_data(llm))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                self.add_error(self._input_for(error["loc"]), self._entity_message(error) or _message(error))
            return None

    def add_error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def _input_for(self, loc: Iterable[Any]) -> str:
        loc = list(loc)
        if loc[:1] == ["options"]:
            loc = loc[1:]
        if loc[:1] != ["entities"] or len(loc) < 2:
            return str(loc[0]) if loc else "form"
        entity = self.submitted_entities()[loc[1]]
        if len(loc) == 2:
            return entity.input("block")
        if loc[2] == "name":
            return entity.input("name")
        if len(loc) >= 5:
            return entity.filled_fields[loc[3]].input(entity, str(loc[4]))
        if len(loc) == 4:
            return entity.filled_fields[loc[3]].input(entity, "name")
        return entity.input("fields")

    def _entity_message(self, error: dict[str, Any]) -> str | None:
        """An error about an entity as a whole names it: the summary at the top lists every error together."""
        loc = list(error["loc"])
        if loc[:1] != ["entities"] or len(loc) < 2 or not isinstance(loc[1], int):
            return None
        entities = self.submitted_entities()
        if loc[1] >= len(entities):
            return None
        name = entities[loc[1]].name.strip() or f"number {loc[1] + 1}"
        if loc[2:] == ["fields"] and error["type"] == "too_short":
            return f"Give the entity “{name}” at least one field (a field name in one of its rows)."
        return None

    def first_error(self) -> str | None:
        return next(iter(self.errors), None)


def _message(error: dict[str, Any]) -> str:
    key = str(error["loc"][-1]) if error["loc"] else ""
    friendly = FRIENDLY.get((key, error["type"]))
    if friendly:
        return friendly
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].upper() + message[1:]
