"""Hidden acceptance tests: stock adjustments."""


def item(client, quantity):
    response = client.post("/api/items", json={"name": "Bolt", "quantity": quantity})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_adjust_adds_the_delta(client):
    item_id = item(client, 5)
    response = client.post(f"/api/items/{item_id}/adjust", json={"delta": -2})
    assert response.status_code == 200
    assert response.json()["quantity"] == 3
    assert client.get(f"/api/items/{item_id}").json()["quantity"] == 3


def test_going_below_zero_is_refused_and_changes_nothing(client):
    item_id = item(client, 1)
    assert client.post(f"/api/items/{item_id}/adjust", json={"delta": -2}).status_code == 409
    assert client.get(f"/api/items/{item_id}").json()["quantity"] == 1


def test_unknown_item(client):
    assert client.post("/api/items/999/adjust", json={"delta": 1}).status_code == 404
