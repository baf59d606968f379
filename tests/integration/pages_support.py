"""Helpers for the browser-page tests: jobs in any state, their events and files, and page-or-fragment checks."""

from __future__ import annotations

from datetime import timedelta

from app import db
from app.generation.packaging import build_zip
from app.models import Blob, Job, utcnow
from app.services.artifacts import sha256_hex, store_files
from app.services.events import Event, append_event

HX = {"HX-Request": "true"}


def make_job(owner_id: int | None, *, name: str = "todo-api", status: str = "queued", template_id: str =
             "fastapi-backend", created_ago_s: float = 0, **fields) -> str:
    """A job row as the services leave it, without running anything."""
    with db.Session.begin() as session:
        job = Job(owner_id=owner_id, name=name, status=status, template_id=template_id,
                  created_at=utcnow() - timedelta(seconds=created_ago_s), **fields)
        if status != "queued":
            job.started_at = job.created_at + timedelta(seconds=1)
        if status in ("completed", "failed", "cancelled"):
            job.finished_at = job.started_at + timedelta(seconds=3)
        session.add(job)
        session.flush()
        return job.id


def emit(connection, job_id: str, type: str, status: str | None = None, agent: str | None = None,
         progress: int = 0, text: str = "", **data) -> Event:
    """Append one event as a worker does: to the Redis stream and the database."""
    with db.Session.begin() as session:
        return append_event(connection, session, Event(job_id=job_id, type=type, agent=agent, status=status,
                                                       progress=progress, message=text, data=data))


def start_agents(connection, job_id: str, finished: tuple[str, ...] = ("planner", "architect"),
                 working: str | None = "coder") -> None:
    emit(connection, job_id, "job", "running", text="Job started")
    for progress, agent in enumerate(finished, start=1):
        emit(connection, job_id, "agent", "started", agent, progress * 5, f"{agent} starts")
        emit(connection, job_id, "agent", "completed", agent, progress * 10, f"{agent} done")
    if working:
        emit(connection, job_id, "agent", "started", working, 25, f"{working} starts")


def add_files(job_id: str, files: dict[str, bytes], folder: str = "todo-api") -> None:
    """Store files and the zip of a job, as the worker does when it finishes."""
    with db.Session.begin() as session:
        store_files(session, job_id, files)
        archive = build_zip(files, folder)
        digest = sha256_hex(archive)
        if session.get(Blob, digest) is None:
            session.add(Blob(sha256=digest, size=len(archive), content=archive))
        job = session.get(Job, job_id)
        job.files_count = len(files)
        job.zip_sha256 = digest


def set_job(job_id: str, **fields) -> None:
    with db.Session.begin() as session:
        job = session.get(Job, job_id)
        for key, value in fields.items():
            setattr(job, key, value)


def get_job(job_id: str) -> Job:
    with db.Session() as session:
        return session.get(Job, job_id)


def assert_page(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    body = response.get_data(as_text=True)
    assert body.lstrip().lower().startswith("<!doctype html>"), body[:200]
    assert "HX-Request" in response.headers.get("Vary", "")
    return body


def assert_fragment(response, root: str, status: int = 200) -> str:
    """An HTMX answer: no page around it, its root element first, and caches told it differs by HX-Request."""
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    body = response.get_data(as_text=True)
    assert "<!doctype" not in body.lower() and "<body" not in body
    assert body.lstrip().startswith(root), body[:300]
    assert "HX-Request" in response.headers.get("Vary", "")
    return body

