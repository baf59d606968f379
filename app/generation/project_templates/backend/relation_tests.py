"""The generated tests of an entity's relations: filtering by them, 422 for a record that is not there (or not
the user's), 409 for deleting one still referred to, loops refused, and relations that close a cycle linked later."""

from __future__ import annotations

from ..relation_order import ancestors, ordered_entities
from ..spec import EntitySpec, FieldSpec, ProjectSpec
from .python_code import dict_literal, fill, list_literal, py_literal, sample_body
from .routers import relations


def relation_tests(spec: ProjectSpec, entity: EntitySpec, prefix: str) -> list[str]:
    """The tests of each relation of `entity`: to another entity, closing a cycle, or to its own entity."""
    parents = ancestors(spec.entities, entity)
    tests = []
    for field, target in relations(spec, entity):
        if target == entity or spec.is_deferred(entity, field):
            continue
        referred_elsewhere = any(t == target for a in parents for _, t in relations(spec, a))
        tests.append(fill(_RELATION_TESTS, field=field.snake, target=target.label, target_snake=target.snake,
                          field_snake=field.snake, plural=entity.plural_label.lower(),
                          target_url=f"{prefix}/{target.plural_kebab}",
                          then_deletable="" if referred_elsewhere else _THEN_DELETABLE))
    for field, target in relations(spec, entity):
        if spec.is_deferred(entity, field):
            tests.append(_deferred_relation_tests(spec, entity, field, target, prefix))
    for field in entity.fields:
        if entity.refers_to_itself(field):
            tests.append(fill(_OWN_RELATION_TESTS, field=field.snake, snake=entity.snake, label=entity.label))
    return tests


def foreign_target_tests(spec: ProjectSpec, entity: EntitySpec) -> list[str]:
    """With auth: a relation to another user's record is refused as if the record were not there."""
    return [fill(_FOREIGN_TARGET_TEST, field=field.snake, target=target.label, target_snake=target.snake)
            for field, target in relations(spec, entity) if target != entity and not spec.is_deferred(entity, field)]


def _deferred_relation_tests(spec: ProjectSpec, entity: EntitySpec, field: FieldSpec, target: EntitySpec,
                             prefix: str) -> str:
    """The tests of a relation that closes a cycle: the records it may name refer back to this entity, so two of
    them (ids 1 and 2) are created after this entity's own two, with what they refer to, and linked then."""
    around = {a.snake for a in ancestors(spec.entities, entity)} | {entity.snake}
    needed = {a.snake for a in ancestors(spec.entities, target)} | {target.snake}
    chain = [a for a in ordered_entities(spec.entities) if a.snake in needed - around]
    records = list_literal(
        [f"({py_literal(f'{prefix}/{a.plural_kebab}')}, "
         f"{list_literal([dict_literal(sample_body(spec, a, v), indent=8) for v in (0, 1)], indent=4)})"
         for a in chain])
    # The target may still be referred to by records of the entities created before it: then it stays.
    still_referred = target.snake in around or any(
        t == target for a in spec.entities if a.snake in around | needed for f, t in relations(spec, a)
        if not a.refers_to_itself(f) and not spec.is_deferred(a, f))
    constant, create = f"{field.snake.upper()}_RECORDS", f"create_{field.snake}_records"
    return fill(_DEFERRED_RELATION_TESTS, constant=constant, create=create, records=records,
                field=field.snake, snake=entity.snake, target=target.label, target_snake=target.snake,
                target_plural=target.plural_label.lower(), plural=entity.plural_label.lower(),
                target_url=f"{prefix}/{target.plural_kebab}",
                then_deletable="" if still_referred else _THEN_DELETABLE,
                other_user=fill(_DEFERRED_FOREIGN_TARGET_TEST, field=field.snake, create=create, target=target.label)
                if spec.has("auth") else "")


_RELATION_TESTS = """
def test_the_list_filters_by_$field_snake(client):
    first = create(client, VALID)
    second = create(client, CHANGED)

    response = client.get(URL, params={"$field": VALID["$field"]})

    assert response.json() == [first]
    assert response.headers["X-Total-Count"] == "1"
    assert client.get(URL, params={"$field": CHANGED["$field"]}).json() == [second]
    assert client.get(URL, params={"$field": 999}).json() == []


def test_a_${field_snake}_that_does_not_exist_is_422_naming_it(client):
    response = client.post(URL, json={**VALID, "$field": 999})

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "not_found", "loc": ["body", "$field"], "input": 999, "msg": "$target 999 not found"},
    ]
    assert client.get(URL).json() == []
    created = create(client, VALID)
    url = f"{URL}/{created['id']}"
    assert client.put(url, json={**VALID, "$field": 999}).status_code == 422
    assert client.patch(url, json={"$field": 999}).status_code == 422
    assert client.get(url).json() == created


def test_a_${target_snake}_still_referred_to_by_${field_snake}_cannot_be_deleted(client):
    created = create(client, VALID)
    target_url = f"$target_url/{VALID['$field']}"

    response = client.delete(target_url)

    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"$target {VALID['$field']} still has ")
    assert client.get(target_url).status_code == 200
    assert client.delete(f"{URL}/{created['id']}").status_code == 204
$then_deletable"""

_OWN_RELATION_TESTS = """
def test_a_${snake}_refers_to_another_${snake}_by_${field}(client):
    parent = create(client, VALID)
    child = create(client, {**CHANGED, "$field": parent["id"]})

    assert child["$field"] == parent["id"]
    assert client.get(URL, params={"$field": parent["id"]}).json() == [child]
    assert client.patch(f"{URL}/{child['id']}", json={"$field": None}).json()["$field"] is None
    assert client.patch(f"{URL}/{child['id']}", json={"$field": parent["id"]}).status_code == 200
    missing = client.post(URL, json={**VALID, "$field": 999})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["msg"] == "$label 999 not found"


def test_a_${snake}_cannot_come_under_itself_by_${field}(client):
    top = create(client, VALID)
    below = create(client, {**CHANGED, "$field": top["id"]})

    for target in (top, below):
        response = client.patch(f"{URL}/{top['id']}", json={"$field": target["id"]})
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "loop"
    assert client.put(f"{URL}/{top['id']}", json={**VALID, "$field": below["id"]}).status_code == 422
    assert client.get(f"{URL}/{top['id']}").json()["$field"] is None


def test_a_${snake}_still_referred_to_by_another_${snake}_cannot_be_deleted(client):
    parent = create(client, VALID)
    child = create(client, {**CHANGED, "$field": parent["id"]})

    response = client.delete(f"{URL}/{parent['id']}")

    assert response.status_code == 409
    assert client.delete(f"{URL}/{child['id']}").status_code == 204
    assert client.delete(f"{URL}/{parent['id']}").status_code == 204
"""

_THEN_DELETABLE = """    assert client.delete(target_url).status_code == 204
"""

_FOREIGN_TARGET_TEST = """
def test_a_${field}_of_another_user_is_422_as_if_missing(client, other_client):
    response = other_client.post(URL, json=VALID)

    assert response.status_code == 422
    missing = {"type": "not_found", "loc": ["body", "$field"], "input": VALID["$field"],
               "msg": f"$target {VALID['$field']} not found"}
    assert missing in response.json()["detail"]
"""

_DEFERRED_RELATION_TESTS = """
# The $target_plural a $snake's $field may name refer back to $plural: they are created (ids 1 and 2, with the
# records they need) after two $plural saved without them, then linked.
$constant = $records


def $create(client):
    for url, bodies in $constant:
        for body in bodies:
            response = client.post(url, json=body)
            assert response.status_code == 201, response.text


def test_a_${snake}_saved_first_is_linked_by_${field}_later_and_filtered_by_it(client):
    first = create(client, VALID)
    second = create(client, CHANGED)
    $create(client)

    linked = client.patch(f"{URL}/{first['id']}", json={"$field": 1})

    assert linked.status_code == 200, linked.text
    assert linked.json() == {**first, "$field": 1}
    replaced = client.put(f"{URL}/{second['id']}", json={**CHANGED, "$field": 2})
    assert replaced.status_code == 200, replaced.text
    response = client.get(URL, params={"$field": 1})
    assert response.json() == [linked.json()]
    assert response.headers["X-Total-Count"] == "1"
    assert client.get(URL, params={"$field": 2}).json() == [replaced.json()]
    assert client.get(URL, params={"$field": 999}).json() == []


def test_a_${field}_that_does_not_exist_is_422_naming_it(client):
    created = create(client, VALID)
    create(client, CHANGED)
    $create(client)
    url = f"{URL}/{created['id']}"

    response = client.patch(url, json={"$field": 999})

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "not_found", "loc": ["body", "$field"], "input": 999, "msg": "$target 999 not found"},
    ]
    assert client.put(url, json={**VALID, "$field": 999}).status_code == 422
    assert client.post(URL, json={**VALID, "$field": 999}).status_code == 422
    assert client.get(url).json() == created


def test_a_${target_snake}_still_referred_to_by_${field}_cannot_be_deleted(client):
    created = create(client, VALID)
    create(client, CHANGED)
    $create(client)
    url = f"{URL}/{created['id']}"
    assert client.patch(url, json={"$field": 1}).status_code == 200
    target_url = "$target_url/1"

    response = client.delete(target_url)

    assert response.status_code == 409
    assert response.json()["detail"].startswith("$target 1 still has ")
    assert client.get(target_url).status_code == 200
    assert client.patch(url, json={"$field": None}).json()["$field"] is None
$then_deletable$other_user"""

_DEFERRED_FOREIGN_TARGET_TEST = """

def test_a_${field}_of_another_user_is_422_as_if_missing(client, other_client):
    created = create(client, VALID)
    create(client, CHANGED)
    $create(client)

    response = other_client.post(URL, json={**VALID, "$field": 1})

    assert response.status_code == 422
    missing = {"type": "not_found", "loc": ["body", "$field"], "input": 1, "msg": "$target 1 not found"}
    assert missing in response.json()["detail"]
    assert client.patch(f"{URL}/{created['id']}", json={"$field": 1}).status_code == 200
"""
