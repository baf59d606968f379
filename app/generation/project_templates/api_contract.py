"""The full-stack app's API contract: one JSON file of each record's fields, checked against both halves.

The back end's test compares it with the OpenAPI document the API serves; the front end's Vitest test compares it
with the TypeScript interfaces under src/api/. Whoever changes one half without the other gets a failing test.
"""

from __future__ import annotations

import json

from . import GeneratedFile
from .frontend.typescript import ts_names
from .spec import ProjectSpec

PATH = "api-contract.json"

# The JSON Schema type and format of each field type, as FastAPI's OpenAPI document spells them.
_SCHEMA_TYPES = {"str": ("string", None), "text": ("string", None), "int": ("integer", None),
                 "float": ("number", None), "bool": ("boolean", None), "date": ("string", "date"),
                 "datetime": ("string", "date-time"), "ref": ("integer", None)}


def _field(kind: str, nullable: bool) -> dict[str, object]:
    type_, format_ = _SCHEMA_TYPES[kind]
    return {"type": type_, "format": format_, "nullable": nullable}


def contract(spec: ProjectSpec) -> dict[str, object]:
    entities = []
    for entity in spec.entities:
        names = ts_names(entity)
        fields = {f.snake: _field(f.kind, not f.required) for f in entity.fields}
        entities.append({"name": entity.name, "schema": f"{entity.class_name}Out", "module": names.api_path,
                         "interface": names.type, "input": names.input,
                         "fields": {**fields, "id": _field("int", False)}})
    return {"about": "What the API answers for each record. backend/tests/test_api_contract.py checks it against "
                     "the OpenAPI document, frontend/src/api/contract.test.ts against the TypeScript types.",
            "entities": entities}


def render(spec: ProjectSpec) -> list[GeneratedFile]:
    text = json.dumps(contract(spec), indent=2, ensure_ascii=False) + "\n"
    return [GeneratedFile(PATH, text, "Each record's fields and JSON types, shared by both halves' contract tests"),
            GeneratedFile("backend/tests/test_api_contract.py", _BACKEND_TEST, "Checks the OpenAPI document "
                          "against api-contract.json", (PATH, "backend/app/schemas.py")),
            GeneratedFile("frontend/src/api/contract.test.ts", _FRONTEND_TEST, "Checks the TypeScript types "
                          "against api-contract.json", (PATH, *(ts_names(e).api_path for e in spec.entities)))]


_BACKEND_TEST = '''\
"""The API answers each record with the fields and JSON types of ../api-contract.json, the front end's contract."""

import json
from pathlib import Path

import pytest

from app.main import app

CONTRACT = json.loads((Path(__file__).resolve().parents[2] / "api-contract.json").read_text(encoding="utf-8"))


def described(schema):
    """A property of the OpenAPI document as the contract writes it: its type, format and whether it may be null."""
    options = schema.get("anyOf", [schema])
    values = [option for option in options if option.get("type") != "null"]
    assert len(values) == 1, schema
    return {"type": values[0].get("type"), "format": values[0].get("format"), "nullable": len(values) < len(options)}


@pytest.mark.parametrize("entity", CONTRACT["entities"], ids=lambda entity: entity["name"])
def test_the_api_answers_the_fields_of_the_contract(entity):
    properties = app.openapi()["components"]["schemas"][entity["schema"]]["properties"]

    assert {name: described(schema) for name, schema in properties.items()} == entity["fields"]
'''

_FRONTEND_TEST = '''\
/** The TypeScript types under src/api/ declare the fields and types of ../api-contract.json, which the API answers. */
import { describe, expect, it } from "vitest";
import contractText from "../../../api-contract.json?raw";

interface ContractField {
  type: "string" | "integer" | "number" | "boolean";
  format: string | null;
  nullable: boolean;
}

interface ContractEntity {
  name: string;
  module: string;
  interface: string;
  input: string;
  fields: Record<string, ContractField>;
}

const contract = JSON.parse(contractText) as { entities: ContractEntity[] };
const sources = import.meta.glob<string>("./*.ts", { query: "?raw", import: "default", eager: true });

const TS_TYPES = { string: "string", integer: "number", number: "number", boolean: "boolean" };

/** The members of `export interface name ... { ... }` in a module's source: name -> declared type. */
function members(source: string, name: string): Record<string, string> {
  const block = new RegExp(`export interface ${name}\\\\b[^{]*\\\\{([^}]*)\\\\}`).exec(source);
  expect(block, `interface ${name}`).not.toBeNull();
  const found: Record<string, string> = {};
  for (const line of (block?.[1] ?? "").matchAll(/^\\s*([^\\s:/]+):\\s*([^;]+);/gm)) found[line[1]] = line[2].trim();
  return found;
}

describe.each(contract.entities)("$name", (entity) => {
  it("declares the fields and types the API answers", () => {
    const source = sources[`./${entity.module.split("/").pop()}`];
    expect(source, entity.module).toBeDefined();

    const declared = { ...members(source, entity.input), ...members(source, entity.interface) };
    const expected = Object.fromEntries(
      Object.entries(entity.fields).map(([name, field]) => [
        name,
        TS_TYPES[field.type] + (field.nullable ? " | null" : ""),
      ]),
    );

    expect(declared).toEqual(expected);
  });
});
'''
