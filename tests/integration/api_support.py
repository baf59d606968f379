"""Helpers for the JSON API and WebSocket tests: API keys and a client that sends one."""

from __future__ import annotations

from app import db
from app.models import User
from app.services.users import create_api_key


def make_key(user_id: int, name: str = "tests") -> str:
    """A new API key of the user, in plain text."""
    with db.Session.begin() as session:
        _key, plain = create_api_key(session, session.get(User, user_id), name)
        return plain


def key_headers(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


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
