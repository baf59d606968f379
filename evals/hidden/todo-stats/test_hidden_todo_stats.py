"""Hidden acceptance tests: task counts at /api/tasks/stats."""


def test_stats_of_an_empty_list(client):
    response = client.get("/api/tasks/stats")
    assert response.status_code == 200
    assert response.json() == {"total": 0, "done": 0, "open": 0}


def test_stats_count_done_and_open_tasks(client):
    for title, done in (("a", True), ("b", False), ("c", False)):
        assert client.post("/api/tasks", json={"title": title, "done": done}).status_code == 201
    assert client.get("/api/tasks/stats").json() == {"total": 3, "done": 1, "open": 2}
