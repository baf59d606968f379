"""How long a job will probably take: the median duration of recent completed jobs of its project template."""

from __future__ import annotations

import math
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Job, JobStatus

RECENT_JOBS = 20  # how many of the template's latest completed jobs the estimate looks at


def typical_duration_s(session: Session, template_id: str, recent: int = RECENT_JOBS) -> float | None:
    """The median duration in seconds of the last `recent` completed jobs of `template_id`; None with none."""
    durations = session.scalars(
        select(Job.duration_ms)
        .where(Job.template_id == template_id, Job.status == JobStatus.COMPLETED.value, Job.duration_ms.is_not(None))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(recent)
    ).all()
    return median(durations) / 1000 if durations else None


def remaining_label(typical_s: float | None, elapsed_s: float | None) -> str:
    """What to tell a person waiting: '' when there is no history to go by."""
    if typical_s is None:
        return ""
    left = typical_s - (elapsed_s or 0.0)
    if left <= 0:
        return "taking longer than usual"
    return f"about {max(1, math.ceil(left / 60))} min left"
