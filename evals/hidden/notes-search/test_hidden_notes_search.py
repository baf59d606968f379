"""Hidden acceptance tests: searching notes."""


def note(client, title, body):
    response = client.post("/api/notes", json={"title": title, "body": body})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_search_matches_title_or_body_ignoring_case(client):
    first = note(client, "Shopping", "milk and EGGS")
    note(client, "Work", "finish the report")
    third = note(client, "eggs benedict", "recipe")
    response = client.get("/api/notes/search", params={"q": "eggs"})
    assert response.status_code == 200
    assert [n["id"] for n in response.json()] == [first, third]


def test_an_empty_query_is_refused(client):
    assert client.get("/api/notes/search", params={"q": ""}).status_code == 422
