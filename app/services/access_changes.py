"""Access that ends (a share link revoked, a team member removed, a user deactivated) announced to open sockets.

Whatever route or command makes the change, the ORM sees it at flush; once the transaction commits, one message
goes to the Redis channel `codegen:access` (JSON: `{"users": [...], "jobs": [...], "teams": [...]}`). Each web
process listens there (app/web/fanout.py) and has the sockets it concerns check their access again. A process
with no publisher configured (a CLI command) sends nothing: sockets also re-check on their own, periodically.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import redis
from sqlalchemy import event as orm_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.models import Job, Team, User

log = logging.getLogger(__name__)

ACCESS_CHANNEL = "codegen:access"
_PENDING = "codegen.access_changes"
_publisher: Callable[[], redis.Redis] | None = None


def configure_publisher(connection_factory: Callable[[], redis.Redis] | None) -> None:
    """Send access changes committed in this process through `connection_factory()` (the web app sets it)."""
    global _publisher
    _publisher = connection_factory


def publish_access_change(connection: redis.Redis, *, users=(), jobs=(), teams=()) -> None:
    body = {"users": sorted(set(users)), "jobs": sorted(set(jobs)), "teams": sorted(set(teams))}
    connection.publish(ACCESS_CHANNEL, json.dumps(body, separators=(",", ":")))


def _removed(obj, attribute: str) -> list:
    return list(inspect(obj).attrs[attribute].history.deleted or ())


@orm_event.listens_for(Session, "before_flush")
def _collect(session: Session, _context, _instances) -> None:
    if _publisher is None:
        return
    pending = session.info.setdefault(_PENDING, {"users": set(), "jobs": set(), "teams": set()})
    for obj in session.dirty:
        if isinstance(obj, User):
            if True in _removed(obj, "is_active") or _removed(obj, "teams"):
                pending["users"].add(obj.id)
        elif isinstance(obj, Team):
            for user in _removed(obj, "members"):
                pending["users"].add(user.id)
                pending["teams"].add(obj.id)
        elif isinstance(obj, Job) and any(token for token in _removed(obj, "share_token")):
            pending["jobs"].add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, User):
            pending["users"].add(obj.id)
        elif isinstance(obj, Job):
            pending["jobs"].add(obj.id)


@orm_event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not any(pending.values()) or _publisher is None:
        return
    try:
        publish_access_change(_publisher(), **pending)
    except (redis.RedisError, OSError) as exc:
        # The sockets' periodic re-check still ends their access, only later.
        log.warning("could not announce an access change: %s", exc)


@orm_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
