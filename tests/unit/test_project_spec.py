"""The spec's rules: which names a person may give, and the identifiers the generated code derives from them."""

import pytest

from app.cli.generate import parse_entity
from app.generation.project_templates.relation_order import ancestors, ordered_entities
from app.generation.project_templates.spec import FIELD_TYPES, MAX_FIELDS, EntitySpec, FieldSpec, ProjectSpec


def entity(name: str, *fields: str) -> EntitySpec:
    return EntitySpec(name=name, fields=[{"name": f} for f in fields or ("title",)])


@pytest.mark.parametrize(("text", "fields"), [
    ("Invoice:total : float ?,paid:bool", [("total", "float", False), ("paid", "bool", True)]),
    ("Invoice:note:?,total:float", [("note", "str", False), ("total", "float", True)]),
    ("Invoice: number : int", [("number", "int", True)]),
])
def test_the_command_line_reads_spaces_around_types_and_the_optional_mark(text, fields):
    parsed = parse_entity(text)

    assert parsed["name"] == "Invoice"
    assert [(f["name"], f["type"], f["required"]) for f in parsed["fields"]] == fields


@pytest.mark.parametrize(("name", "class_name", "module", "url"), [
    ("Task", "Task", "tasks", "tasks"), ("Class", "Class", "classes", "classes"), ("User", "UserRecord",
                                                                                   "user_records", "users"),
    ("Date", "DateRecord", "dates", "dates"), ("None", "NoneRecord", "nones", "nones"),
    ("A", "A", "a_records", "as"), ("Café", "Cafe", "cafes", "cafes"), ("Person", "Person", "people", "people"),
    ("News", "News", "news", "news"), ("Login", "LoginRecord", "logins", "logins"),
])
def test_an_entity_keeps_its_name_and_url_and_gets_identifiers_the_code_can_use(name, class_name, module, url):
    spec = entity(name)

    assert (spec.class_name, spec.module, spec.plural_kebab) == (class_name, module, url)
    assert spec.label == name


def test_user_is_an_entity_beside_the_accounts_of_auth():
    spec = ProjectSpec(template_id="fastapi-backend", name="school", features=["auth"],
                       entities=[entity("User", "nickname"), entity("Class", "from", "größe")])

    assert [e.label for e in spec.entities] == ["User", "Class"]
    assert [f.label for f in spec.entities[1].fields] == ["From", "Größe"]


@pytest.mark.parametrize(("entities", "message"), [
    ([entity("Due date"), entity("dueDate")], "two entities"),
    ([entity("User"), entity("User Record")], "two entities"),
    ([entity("Person"), entity("People")], "two entities"),
])
def test_names_that_become_one_identifier_are_refused(entities, message):
    with pytest.raises(ValueError, match=message):
        ProjectSpec(template_id="fastapi-backend", name="x", entities=entities)


def test_two_fields_that_become_one_identifier_or_a_taken_field_name_are_refused():
    with pytest.raises(ValueError, match="two fields"):
        EntitySpec(name="Task", fields=[{"name": "größe"}, {"name": "grosse"}])
    with pytest.raises(ValueError, match="every generated record"):
        EntitySpec(name="Task", fields=[{"name": "ID"}])
    with pytest.raises(ValueError, match=f"at most {MAX_FIELDS}"):
        EntitySpec(name="Task", fields=[{"name": f"f{i}"} for i in range(MAX_FIELDS + 1)])


RELATED = [{"name": "Task", "fields": [{"name": "title"}, {"name": "project", "type": "Project"}]},
           {"name": "Project", "fields": [{"name": "name"}]}]


def test_a_type_naming_another_entity_is_a_relation_kept_as_an_id():
    spec = ProjectSpec(template_id="fastapi-backend", name="x", entities=RELATED)
    project = spec.entities[0].fields[1]

    assert (project.type, project.target, project.kind, project.snake, project.label) == (
        "Project", "project", "ref", "project_id", "Project")
    assert [e.name for e in ordered_entities(spec.entities)] == ["Project", "Task"]


@pytest.mark.parametrize(("entities", "message"), [
    ([{"name": "Task", "fields": [{"name": "project", "type": "Projekt"}]}], "has type 'Projekt': use one of"),
    ([{"name": "Task", "fields": [{"name": "parent", "type": "Task"}]}],
     r"field 'parent' of 'Task' refers to another Task and is required.*make it optional \(parent: Task\?\)"),
    ([{"name": "A", "fields": [{"name": "b", "type": "B"}]}, {"name": "B", "fields": [{"name": "a", "type": "A"}]}],
     r"cycle of required fields \(A\.b → B\.a → A\).*make one of these fields optional \(b: B\?\)"),
    ([{"name": "Task", "fields": [{"name": "total", "type": "money"}]}], "field type 'money' is not one of str"),
])
def test_a_relation_to_no_entity_in_a_cycle_or_a_lower_case_type_is_refused(entities, message):
    with pytest.raises(ValueError, match=message):
        ProjectSpec(template_id="fastapi-backend", name="x", entities=entities)


CYCLE = [{"name": "Department", "fields": [{"name": "name"}, {"name": "head", "type": "Employee", "required": False}]},
         {"name": "Employee", "fields": [{"name": "name"}, {"name": "department", "type": "Department"}]}]


@pytest.mark.parametrize("entities", [CYCLE, CYCLE[::-1]])
def test_a_cycle_with_an_optional_relation_is_created_without_it_then_linked(entities):
    spec = ProjectSpec(template_id="fastapi-backend", name="x", entities=entities)
    department = next(e for e in spec.entities if e.name == "Department")
    employee = next(e for e in spec.entities if e.name == "Employee")

    assert [e.name for e in ordered_entities(spec.entities)] == ["Department", "Employee"]
    assert spec.is_deferred(department, department.fields[1])
    assert not spec.is_deferred(employee, employee.fields[1])
    assert [e.name for e in ancestors(spec.entities, employee)] == ["Department"]
    assert ancestors(spec.entities, department) == []


def test_a_cycle_through_three_entities_is_refused_only_when_every_relation_is_required():
    def entities(optional):
        return [{"name": "A", "fields": [{"name": "b", "type": "B"}]},
                {"name": "B", "fields": [{"name": "c", "type": "C", "required": not optional}]},
                {"name": "C", "fields": [{"name": "a", "type": "A"}]}]

    with pytest.raises(ValueError, match=r"cycle of required fields \(A\.b → B\.c → C\.a → A\)"):
        ProjectSpec(template_id="fastapi-backend", name="x", entities=entities(False))
    spec = ProjectSpec(template_id="fastapi-backend", name="x", entities=entities(True))
    assert [e.name for e in ordered_entities(spec.entities)] == ["B", "A", "C"]
    assert spec.is_deferred(spec.entities[1], spec.entities[1].fields[0])


def test_two_optional_relations_in_a_cycle_defer_only_one():
    spec = ProjectSpec(template_id="fastapi-backend", name="x", entities=[
        {"name": "A", "fields": [{"name": "b", "type": "B", "required": False}]},
        {"name": "B", "fields": [{"name": "a", "type": "A", "required": False}]}])
    a, b = spec.entities

    assert [e.name for e in ordered_entities(spec.entities)] == ["B", "A"]
    assert (spec.is_deferred(a, a.fields[0]), spec.is_deferred(b, b.fields[0])) == (False, True)


def test_an_optional_relation_to_its_own_entity_is_a_tree_created_after_its_parents():
    spec = ProjectSpec(template_id="fastapi-backend", name="x", entities=[
        {"name": "Item", "fields": [{"name": "category", "type": "Category"},
                                    {"name": "replaces", "type": "Item", "required": False}]},
        {"name": "Category", "fields": [{"name": "parent", "type": "Category", "required": False}]}])
    item, category = spec.entities

    assert category.refers_to_itself(category.fields[0]) and not item.refers_to_itself(item.fields[0])
    assert [e.name for e in ordered_entities(spec.entities)] == ["Category", "Item"]
    assert [e.name for e in ancestors(spec.entities, item)] == ["Category"]
    assert ancestors(spec.entities, category) == []


def test_the_command_line_reads_a_relation_and_any_case_of_a_type():
    parsed = parse_entity("Task:title:Str,project:Project,client:Client?")

    assert [(f["name"], f["type"], f["required"]) for f in parsed["fields"]] == [
        ("title", "str", True), ("project", "Project", True), ("client", "Client", False)]


def test_the_json_schema_offers_the_field_types_or_an_entity_name():
    schema = FieldSpec.model_json_schema()["properties"]["type"]

    assert schema["anyOf"][0]["enum"] == list(FIELD_TYPES)
    assert schema["anyOf"][1]["type"] == "string"
