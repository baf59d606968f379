"""Hidden acceptance tests: events have a capacity."""


def event(client, capacity):
    response = client.post("/api/events", json={"name": "Meetup", "capacity": capacity})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def register(client, event_id, name):
    return client.post("/api/registrations", json={"event_id": event_id, "attendee": name})


def test_a_full_event_refuses_more_registrations(client):
    event_id = event(client, 2)
    assert register(client, event_id, "a").status_code == 201
    assert register(client, event_id, "b").status_code == 201
    assert register(client, event_id, "c").status_code == 409


def test_an_unknown_event_is_404(client):
    assert register(client, 999, "a").status_code == 404
