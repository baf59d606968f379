"""Recording what people did, for the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEntry, User


def record(session: Session, action: str, *, actor: User | None = None, actor_email: str | None = None,
           target: str | None = None, ip: str | None = None, **details: Any) -> AuditEntry:
    entry = AuditEntry(action=action, actor_id=actor.id if actor else None,
                       actor_email=actor.email if actor else actor_email, target=target, ip=ip, details=details)
    session.add(entry)
    return entry
