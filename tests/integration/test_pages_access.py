"""Who gets what on every browser route that touches a job: owner, team member, other user, admin, anonymous,
share-link holder. Anyone without access learns nothing, not even that the job exists."""

import pytest

from app import db
from app.models import Job, User
from app.services.sharing import create_share_link
from tests.integration.pages_support import add_files, make_job, set_job

OK, LOGIN, GONE, FORBIDDEN, DONE = 200, "login", 404, 403, 303


@pytest.fixture
def world(app, make_user, make_team, login, user_id, other_user_id, admin_id):
    """A job of the owner, shared with a team (the member is in it, the other user is not), with a share link."""
    member_id = make_user("member@example.com")
    job_id = make_job(user_id, status="failed", team_id=make_team("platform", user_id, member_id))
    add_files(job_id, {"README.md": b"# hello\n"})
    with db.Session.begin() as session:
        token = create_share_link(session, session.get(Job, job_id), session.get(User, user_id))
    clients = {
        "owner": login("owner@example.com"),
        "member": login("member@example.com"),
        "other": login("other@example.com"),
        "admin": login("admin@example.com"),
        "anonymous": app.test_client(),
    }
    return job_id, token, clients


READS = {
    #                         owner  member  other  admin  anonymous
    "/jobs/{id}":             (OK,   OK,     GONE,  OK,    LOGIN),
    "/jobs/{id}/files/README.md": (OK, OK,   GONE,  OK,    LOGIN),
    "/jobs/{id}/download":    (OK,   OK,     GONE,  OK,    LOGIN),
    "/jobs/{id}/log.txt":     (OK,   OK,     GONE,  OK,    LOGIN),
    "/s/{token}":             (OK,   OK,     OK,    OK,    OK),
    "/s/{token}/files/README.md": (OK, OK,   OK,    OK,    OK),
    "/s/{token}/download":    (OK,   OK,     OK,    OK,    OK),
    "/s/{token}/log.txt":     (OK,   OK,     OK,    OK,    OK),
}
WHO = ("owner", "member", "other", "admin", "anonymous")


@pytest.mark.parametrize("url", READS)
def test_reading_a_job(world, url):
    job_id, token, clients = world
    for who, expected in zip(WHO, READS[url], strict=True):
        response = clients[who].get(url.format(id=job_id, token=token))
        if expected == LOGIN:
            assert response.status_code == 302 and "/login?next=" in response.location, who
        else:
            assert response.status_code == expected, (who, url)
        if expected == GONE:
            assert job_id not in response.get_data(as_text=True)


WRITES = {
    #                            owner      member     other  admin      anonymous
    "/jobs/{id}/retry":         (DONE,      FORBIDDEN, GONE,  DONE,      LOGIN),
    "/jobs/{id}/cancel":        (DONE,      FORBIDDEN, GONE,  DONE,      LOGIN),
    "/jobs/{id}/share":         (DONE,      FORBIDDEN, GONE,  FORBIDDEN, LOGIN),
    "/jobs/{id}/share/revoke":  (DONE,      FORBIDDEN, GONE,  DONE,      LOGIN),
}


@pytest.mark.parametrize("url", WRITES)
def test_changing_a_job(world, url):
    job_id, _token, clients = world
    for who, expected in zip(WHO, WRITES[url], strict=True):
        before = _snapshot(job_id)
        response = clients[who].post(url.format(id=job_id))
        if expected == LOGIN:
            assert response.status_code == 302 and "/login?next=" in response.location, who
        else:
            assert response.status_code == expected, (who, url)
        if expected != DONE:
            assert _snapshot(job_id) == before, (who, url)  # refused means nothing changed
        set_job(job_id, status="failed")  # put things back for the next person


def _snapshot(job_id: str) -> tuple:
    with db.Session() as session:
        job = session.get(Job, job_id)
        jobs = session.query(Job).count()
        return job.status, job.share_token, jobs


def test_a_share_link_holder_can_only_read(world, client):
    job_id, token, _clients = world
    body = client.get(f"/s/{token}").get_data(as_text=True)
    assert "Retry" not in body and "Create share link" not in body and "Revoke" not in body
    assert client.post(f"/jobs/{job_id}/retry").status_code == 302  # to the sign-in page
    assert client.get(f"/s/{token[:-1]}").status_code == 404
    assert client.get(f"/s/{token}x/download").status_code == 404


def test_a_revoked_link_opens_nothing(world, client):
    job_id, token, clients = world
    clients["owner"].post(f"/jobs/{job_id}/share/revoke")
    for url in (f"/s/{token}", f"/s/{token}/files/README.md", f"/s/{token}/download", f"/s/{token}/log.txt"):
        assert client.get(url).status_code == 404
