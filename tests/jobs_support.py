"""A job row handed to RQ without a person behind it, for tests of the queue, the worker and the admin pages."""

from __future__ import annotations

from typing import Any

import redis
from sqlalchemy.orm import Session

from app.models import Job
from app.services.jobs import create_job, enqueue_job


def queue_job(session: Session, connection: redis.Redis, **fields: Any) -> Job:
    """`create_job` then `enqueue_job`, as `services.jobs.submit_job` does, but with no owner's cap, team or audit."""
    job = create_job(session, **fields)
    session.commit()
    try:
        enqueue_job(session, connection, job)
    finally:
        session.commit()
    return job
