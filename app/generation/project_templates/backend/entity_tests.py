"""A generated tests/test_<entities>.py: every route of one entity, and every error a client can cause."""

from __future__ import annotations

from typing import Any

from .. import GeneratedFile
from ..spec import EntitySpec
from .python_code import BLANK_VALUES, EDGE_VALUES, PYTHON_TYPES, fill, py_literal, sample_body, sample_value


def entity_test_module(entity: EntitySpec, prefix: str, auth: bool) -> GeneratedFile:
    required = [f for f in entity.fields if f.required]
    optional = [f for f in entity.fields if not f.required]
    strings = [f for f in entity.fields if f.type == "str"]
    tests = [fill(_CRUD_TESTS, snake=entity.snake, plural=entity.plural_snake, label=entity.label)]
    if required:
        tests.append(fill("""
            @pytest.mark.parametrize("field", $fields)
            def test_a_missing_required_field_is_422(client, field):
                body = {name: value for name, value in VALID.items() if name != field}

                response = client.post(URL, json=body)

                assert response.status_code == 422
                assert response.json()["detail"][0]["loc"] == ["body", field]
            """, fields=py_literal([f.snake for f in required])))
    wrong = [f"({py_literal(f.snake)}, {py_literal(PYTHON_TYPES[f.type].invalid)})" for f in entity.fields]
    tests.append(fill(_WRONG_TYPE_TEST, cases=_list_literal(wrong)))
    edge = [f"({py_literal(f.snake)}, {value})" for f in entity.fields for value in EDGE_VALUES.get(f.type, ())]
    edge += [f"({py_literal(f.snake)}, {value})" for f in required if f.type in ("str", "text")
             for value in BLANK_VALUES]
    if edge:
        tests.append(fill(_EDGE_TEST, cases=_list_literal(edge)))
    if optional:
        body = _dict_literal({f.snake: sample_value(f) for f in required}, indent=4)
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
        valid=_dict_literal(sample_body(entity, 0)), changed=_dict_literal(sample_body(entity, 1)))
    return GeneratedFile(f"tests/test_{entity.module}.py", "\n\n".join([head, *tests]),
                         f"Tests every {entity.label.lower()} route: round trip, pagination, 404, 422"
                         + (", 401" if auth else ""),
                         ("tests/conftest.py", f"app/routers/{entity.module}.py"))


def _dict_literal(values: dict[str, Any], indent: int = 0) -> str:
    """A dict literal on one line, or one item a line when that line would pass 100 characters."""
    inline = py_literal(values)
    if len(inline) + indent + 30 <= 100:
        return inline
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{py_literal(k)}: {py_literal(v)},\n" for k, v in values.items()) + " " * indent + "}"


def _list_literal(elements: list[str], indent: int = 0) -> str:
    """A list of already-rendered elements, one a line when a single line would be too long."""
    inline = f"[{', '.join(elements)}]"
    if len(inline) + indent + 40 <= 100:
        return inline
    pad = " " * (indent + 4)
    return "[\n" + "".join(f"{pad}{element},\n" for element in elements) + " " * indent + "]"


_CRUD_TESTS = """
def test_create_then_read_returns_the_same_$snake(client):
    created = create(client, VALID)

    assert created == {"id": created["id"], **VALID}
    assert client.get(f"{URL}/{created['id']}").json() == created


def test_list_pages_with_limit_and_offset(client):
    first = create(client, VALID)
    second = create(client, CHANGED)

    assert client.get(URL).json() == [first, second]
    assert client.get(URL, params={"limit": 1}).json() == [first]
    assert client.get(URL, params={"limit": 1, "offset": 1}).json() == [second]
    assert client.get(URL, params={"limit": 0}).status_code == 422


def test_replace_changes_every_field(client):
    created = create(client, VALID)

    response = client.put(f"{URL}/{created['id']}", json=CHANGED)

    assert response.status_code == 200, response.text
    assert response.json() == {"id": created["id"], **CHANGED}
    assert client.get(f"{URL}/{created['id']}").json() == {"id": created["id"], **CHANGED}


def test_delete_removes_the_$snake(client):
    created = create(client, VALID)

    response = client.delete(f"{URL}/{created['id']}")

    assert response.status_code == 204
    assert client.get(f"{URL}/{created['id']}").status_code == 404
    assert client.get(URL).json() == []


def test_a_missing_${snake}_is_404_for_every_route(client):
    responses = [client.get(f"{URL}/999"), client.put(f"{URL}/999", json=VALID), client.delete(f"{URL}/999")]

    assert [response.status_code for response in responses] == [404, 404, 404]
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
        anonymous_client.delete(f"{URL}/1"),
        anonymous_client.get(URL, headers={"Authorization": "Bearer not-a-token"}),
    ]

    assert [response.status_code for response in responses] == [401] * 6
"""
