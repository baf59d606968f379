"""Hidden acceptance tests: closing tickets."""


def ticket(client):
    response = client.post("/api/tickets", json={"subject": "Printer", "status": "open"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_close_sets_the_status(client):
    ticket_id = ticket(client)
    response = client.post(f"/api/tickets/{ticket_id}/close")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert client.get(f"/api/tickets/{ticket_id}").json()["status"] == "closed"


def test_closing_twice_is_a_conflict(client):
    ticket_id = ticket(client)
    client.post(f"/api/tickets/{ticket_id}/close")
    assert client.post(f"/api/tickets/{ticket_id}/close").status_code == 409
