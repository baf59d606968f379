"""Helpers for the JSON API and WebSocket tests: API keys, teams and a live server in a thread."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from app import db
from app.models import User
from app.services.teams import add_member, create_team
from app.services.users import create_api_key


def make_key(user_id: int, name: str = "tests") -> str:
    """A new API key of the user, in plain text."""
    with db.Session.begin() as session:
        _key, plain = create_api_key(session, session.get(User, user_id), name)
        return plain


def key_headers(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def make_team(name: str, *user_ids: int) -> int:
    with db.Session.begin() as session:
        team = create_team(session, name)
        for user_id in user_ids:
            add_member(team, session.get(User, user_id))
        session.flush()
        return team.id


class LiveServer:
    """The app on 127.0.0.1 in a thread (werkzeug's threaded server), for WebSocket and HTTP clients."""

    def __init__(self, app, port: int) -> None:
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


class Api:
    """A test client that sends an API key with every request."""

    def __init__(self, client, key: str) -> None:
        self.client, self.key = client, key

    def _headers(self, kwargs) -> dict[str, str]:
        return {**key_headers(self.key), **kwargs.pop("headers", {})}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self._headers(kwargs), **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers=self._headers(kwargs), **kwargs)


JOB = {"template_id": "fastapi-backend", "name": "todo-api", "description": "Tasks with due dates",
       "entities": [{"name": "Task", "fields": [{"name": "title", "type": "str", "required": True}]}],
       "features": ["tests"], "options": {"run_checks": False}}
