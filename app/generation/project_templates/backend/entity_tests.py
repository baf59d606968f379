"""A generated tests/test_<entities>.py: every route of one entity, and every error a client can cause."""

from __future__ import annotations

from .. import GeneratedFile
from ..relation_order import ancestors
from ..spec import EntitySpec, ProjectSpec
from .python_code import (
    BLANK_VALUES,
    EDGE_VALUES,
    PYTHON_TYPES,
    dict_literal,
    fill,
    list_literal,
    py_literal,
    sample_body,
    sample_value,
)
from .relation_tests import foreign_target_tests, relation_tests
from .routers import relations


def entity_test_module(entity: EntitySpec, spec: ProjectSpec, prefix: str) -> GeneratedFile:
    auth = spec.has("auth")
    required = [f for f in entity.fields if f.required]
    optional = [f for f in entity.fields if not f.required]
    strings = [f for f in entity.fields if f.type == "str"]
    links = [(field, target) for field, target in relations(spec, entity)
             if target != entity and not spec.is_deferred(entity, field)]
    own_links = [field for field in entity.fields if entity.refers_to_itself(field)]
    parents = ancestors(spec.entities, entity)
    first = entity.fields[0]
    tests = [fill(_CRUD_TESTS, snake=entity.snake, plural=entity.plural_snake, label=entity.label,
                  first=py_literal(first.snake))]
    if required:
        tests.append(fill(_PATCH_NULL_TEST, fields=py_literal([f.snake for f in required])))
    if parents:
        tests.insert(0, fill(_PARENTS_FIXTURE, label=entity.label.lower(), parents=list_literal(
            [f"({py_literal(f'{prefix}/{a.plural_kebab}')}, "
             f"{list_literal([dict_literal(sample_body(spec, a, v), indent=8) for v in (0, 1)], indent=4)})"
             for a in parents])))
    tests += relation_tests(spec, entity, prefix)
    if required:
        tests.append(fill("""
            @pytest.mark.parametrize("field", $fields)
            def test_a_missing_required_field_is_422(client, field):
                body = {name: value for name, value in VALID.items() if name != field}

                response = client.post(URL, json=body)

                assert response.status_code == 422
                assert response.json()["detail"][0]["loc"] == ["body", field]
            """, fields=py_literal([f.snake for f in required])))
    wrong = [f"({py_literal(f.snake)}, {py_literal(PYTHON_TYPES[f.kind].invalid)})" for f in entity.fields]
    tests.append(fill(_WRONG_TYPE_TEST, cases=list_literal(wrong)))
    edge = [f"({py_literal(f.snake)}, {value})" for f in entity.fields for value in EDGE_VALUES.get(f.kind, ())]
    edge += [f"({py_literal(f.snake)}, {value})" for f in required if f.type in ("str", "text")
             for value in BLANK_VALUES]
    if edge:
        tests.append(fill(_EDGE_TEST, cases=list_literal(edge)))
    if optional:
        body = dict_literal({f.snake: sample_value(f) for f in required}, indent=4)
        checks = "\n    ".join(f"assert created[{py_literal(f.snake)}] is None" for f in optional)
        tests.append(fill("""
            def test_optional_fields_may_be_left_out(client):
                created = create(client, $body)

                $checks
            """, body=body, checks=checks))
    if strings:
        tests.append(fill("""
            @pytest.mark.parametrize("field", $fields)
            def test_a_text_longer_than_255_characters_is_422(client, field):
                response = client.post(URL, json={**VALID, field: "x" * 256})

                assert response.status_code == 422
            """, fields=py_literal([f.snake for f in strings])))
    if auth:
        tests.append(fill(_SIGN_IN_REQUIRED_TEST))
        tests.append(fill(_OWNERSHIP_TESTS, snake=entity.snake, plural=entity.plural_snake))
        tests += foreign_target_tests(spec, entity)
    head = fill("""
        \"\"\"$plural_label through the API: every route, and the errors a client can cause.\"\"\"
        $json
        import pytest

        URL = "$url"
        VALID = $valid
        CHANGED = $changed


        def create(client, body):
            response = client.post(URL, json=body)
            assert response.status_code == 201, response.text
            return response.json()
        """, plural_label=entity.plural_label, url=f"{prefix}/{entity.plural_kebab}",
        json="\nimport json\n" if edge else "",
        valid=dict_literal(sample_body(spec, entity, 0)), changed=dict_literal(sample_body(spec, entity, 1)))
    return GeneratedFile(f"tests/test_{entity.module}.py", "\n\n".join([head, *tests]),
                         f"Tests every {entity.label.lower()} route: round trip, pagination and its total, "
                         "PATCH, 404, 422" + (", relations" if links or own_links else "")
                         + (", 401, ownership" if auth else ""),
                         ("tests/conftest.py", f"app/routers/{entity.module}.py"))


_CRUD_TESTS = """
def test_create_then_read_returns_the_same_$snake(client):
    created = create(client, VALID)

    assert created == {"id": created["id"], **VALID}
    assert client.get(f"{URL}/{created['id']}").json() == created


def test_list_pages_with_limit_and_offset(client):
    first = create(client, VALID)
    second = create(client, CHANGED)

    assert client.get(URL).json() == [first, second]
    page = client.get(URL, params={"limit": 1})
    assert page.json() == [first]
    assert page.headers["X-Total-Count"] == "2"
    assert client.get(URL, params={"limit": 1, "offset": 1}).json() == [second]
    assert client.get(URL, params={"limit": 0}).status_code == 422


def test_replace_changes_every_field(client):
    created = create(client, VALID)

    response = client.put(f"{URL}/{created['id']}", json=CHANGED)

    assert response.status_code == 200, response.text
    assert response.json() == {"id": created["id"], **CHANGED}
    assert client.get(f"{URL}/{created['id']}").json() == {"id": created["id"], **CHANGED}


def test_patch_changes_only_the_fields_sent(client):
    created = create(client, VALID)

    response = client.patch(f"{URL}/{created['id']}", json={$first: CHANGED[$first]})

    assert response.status_code == 200, response.text
    assert response.json() == {**created, $first: CHANGED[$first]}
    assert client.get(f"{URL}/{created['id']}").json() == response.json()
    assert client.patch(f"{URL}/{created['id']}", json={}).json() == response.json()


def test_delete_removes_the_$snake(client):
    created = create(client, VALID)

    response = client.delete(f"{URL}/{created['id']}")

    assert response.status_code == 204
    assert client.get(f"{URL}/{created['id']}").status_code == 404
    assert client.get(URL).json() == []
    assert client.get(URL).headers["X-Total-Count"] == "0"


def test_a_missing_${snake}_is_404_for_every_route(client):
    responses = [client.get(f"{URL}/999"), client.put(f"{URL}/999", json=VALID), client.patch(f"{URL}/999", json={}),
                 client.delete(f"{URL}/999")]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert responses[0].json() == {"detail": "$label 999 not found"}
"""

_WRONG_TYPE_TEST = """
@pytest.mark.parametrize(("field", "value"), $cases)
def test_a_value_of_the_wrong_type_is_422_and_stores_nothing(client, field, value):
    response = client.post(URL, json={**VALID, field: value})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert client.get(URL).json() == []
"""

# Sent as raw JSON: a client encoding refuses NaN and Infinity, which Python's json module (and the API's) reads.
_EDGE_TEST = """
@pytest.mark.parametrize(("field", "value"), $cases)
def test_a_value_the_api_could_not_give_back_unchanged_is_422_and_stores_nothing(client, field, value):
    body = json.dumps({**VALID, field: value})

    response = client.post(URL, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert client.get(URL).json() == []
"""

_SIGN_IN_REQUIRED_TEST = """
def test_every_route_needs_a_token(anonymous_client):
    responses = [
        anonymous_client.get(URL),
        anonymous_client.post(URL, json=VALID),
        anonymous_client.get(f"{URL}/1"),
        anonymous_client.put(f"{URL}/1", json=VALID),
        anonymous_client.patch(f"{URL}/1", json=VALID),
        anonymous_client.delete(f"{URL}/1"),
        anonymous_client.get(URL, headers={"Authorization": "Bearer not-a-token"}),
    ]

    assert [response.status_code for response in responses] == [401] * 7
"""

_OWNERSHIP_TESTS = """
def test_another_user_neither_sees_nor_changes_a_$snake(client, other_client):
    created = create(client, VALID)
    url = f"{URL}/{created['id']}"

    responses = [other_client.get(url), other_client.put(url, json=CHANGED), other_client.patch(url, json=CHANGED),
                 other_client.delete(url)]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    listed = other_client.get(URL)
    assert listed.json() == []
    assert listed.headers["X-Total-Count"] == "0"
    assert client.get(url).json() == created


def test_an_admin_sees_and_changes_every_$snake(client, admin_client):
    created = create(client, VALID)
    url = f"{URL}/{created['id']}"

    assert admin_client.get(URL).json() == [created]
    response = admin_client.put(url, json=CHANGED)

    assert response.status_code == 200, response.text
    assert client.get(url).json() == {"id": created["id"], **CHANGED}
    assert admin_client.delete(url).status_code == 204
    assert client.get(URL).json() == []
"""

_PATCH_NULL_TEST = """
@pytest.mark.parametrize("field", $fields)
def test_patch_cannot_clear_a_required_field(client, field):
    created = create(client, VALID)

    response = client.patch(f"{URL}/{created['id']}", json={field: None})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert client.get(f"{URL}/{created['id']}").json() == created
"""

_PARENTS_FIXTURE = """
# Two records (ids 1 and 2) of every entity a $label refers to, in the order they must be created: VALID refers
# to the first ones, CHANGED to the second.
REFERRED = $parents


@pytest.fixture(autouse=True)
def records_referred_to(client):
    for url, bodies in REFERRED:
        for body in bodies:
            response = client.post(url, json=body)
            assert response.status_code == 201, response.text
"""
