"""Share links: an unguessable token that opens one job read-only to anyone holding it."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Job, User
from app.services import audit
from app.services.access import NotAllowed

# 32 random bytes: 256 bits, far beyond guessing, as 43 URL-safe characters.
TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def create_share_link(session: Session, job: Job, actor: User, ip: str | None = None) -> str:
    """Give the job a share token (keeping one it already has); only its owner may share it."""
    if job.owner_id is None or job.owner_id != actor.id:
        raise NotAllowed("only the job's owner can share it")
    if job.share_token is None:
        job.share_token = secrets.token_urlsafe(TOKEN_BYTES)
        audit.record(session, "share_link_created", actor=actor, target=f"job:{job.id}", ip=ip)
    return job.share_token


def revoke_share_link(session: Session, job: Job, actor: User, ip: str | None = None) -> bool:
    """End the job's share link at once; its owner or an admin may. False when it had none."""
    if not actor.is_admin and job.owner_id != actor.id:
        raise NotAllowed("only the job's owner or an admin can revoke its share link")
    if job.share_token is None:
        return False
    job.share_token = None
    audit.record(session, "share_link_revoked", actor=actor, target=f"job:{job.id}", ip=ip)
    return True


def shared_job(session: Session, token: str) -> Job | None:
    """The job a share token opens, or None (for a malformed, revoked or unknown token alike)."""
    if not _TOKEN_SHAPE.match(token or ""):
        return None
    job = session.scalar(select(Job).where(Job.share_token == token))
    # The index finds the row; the constant-time comparison keeps a near miss from telling anything.
    if job is None or not secrets.compare_digest(job.share_token or "", token):
        return None
    return job
