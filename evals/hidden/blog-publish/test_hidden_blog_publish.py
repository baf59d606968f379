"""Hidden acceptance tests: publishing posts."""


def post(client, title):
    response = client.post("/api/posts", json={"title": title, "body": "text"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_publish_sets_the_flag(client):
    post_id = post(client, "First")
    response = client.post(f"/api/posts/{post_id}/publish")
    assert response.status_code == 200
    assert response.json()["published"] is True


def test_published_lists_only_published_posts_newest_first(client):
    first, _draft, third = post(client, "One"), post(client, "Two"), post(client, "Three")
    client.post(f"/api/posts/{first}/publish")
    client.post(f"/api/posts/{third}/publish")
    response = client.get("/api/posts/published")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [third, first]
