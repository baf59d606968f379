"""Hidden acceptance tests: the expenses total."""

import pytest


def test_total_of_nothing(client):
    response = client.get("/api/expenses/total")
    assert response.status_code == 200
    assert response.json() == {"total": 0, "count": 0}


def test_total_sums_every_amount(client):
    for amount in (12.5, 7.25, 0.25):
        assert client.post("/api/expenses", json={"description": "x", "amount": amount}).status_code == 201
    body = client.get("/api/expenses/total").json()
    assert body["count"] == 3
    assert body["total"] == pytest.approx(20.0)
