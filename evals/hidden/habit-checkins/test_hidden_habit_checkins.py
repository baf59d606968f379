"""Hidden acceptance tests: one checkin per habit and day; counts per habit."""


def habit(client):
    response = client.post("/api/habits", json={"name": "Read"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def checkin(client, habit_id, day):
    return client.post("/api/checkins", json={"habit_id": habit_id, "day": day})


def test_a_second_checkin_on_the_same_day_is_refused(client):
    habit_id = habit(client)
    assert checkin(client, habit_id, "2026-01-02").status_code == 201
    assert checkin(client, habit_id, "2026-01-02").status_code == 409
    assert checkin(client, habit_id, "2026-01-03").status_code == 201


def test_count_per_habit(client):
    first, second = habit(client), habit(client)
    checkin(client, first, "2026-01-02")
    checkin(client, first, "2026-01-03")
    checkin(client, second, "2026-01-02")
    assert client.get(f"/api/habits/{first}/count").json() == {"checkins": 2}
    assert client.get(f"/api/habits/{second}/count").json() == {"checkins": 1}
