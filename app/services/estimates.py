"""How long a job will probably take: the median duration of recent completed jobs like it (same project template,
checks on or off alike)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from app.models import Job, JobStatus

RECENT_JOBS = 20  # how many of the latest completed jobs like it the estimate looks at


@dataclass(frozen=True)
class Typical:
    seconds: float  # the median duration
    basis: str  # which jobs it comes from, in words, for the page's tooltip


def _checks_setting(run_checks: bool) -> ColumnElement[bool]:
    flag = Job.options["run_checks"].as_boolean()
    return or_(flag.is_(None), flag.is_(true())) if run_checks else flag.is_(false())


def typical_duration_s(session: Session, template_id: str | None, run_checks: bool | None = None,
                       recent: int = RECENT_JOBS) -> float | None:
    """The median duration in seconds of the last `recent` completed jobs of `template_id` (any when None) whose
    checks were on or off as `run_checks` says (either when None); None with none."""
    query = select(Job.duration_ms).where(Job.status == JobStatus.COMPLETED.value, Job.duration_ms.is_not(None))
    if template_id is not None:
        query = query.where(Job.template_id == template_id)
    if run_checks is not None:
        query = query.where(_checks_setting(run_checks))
    durations = session.scalars(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(recent)).all()
    return median(durations) / 1000 if durations else None


def typical_duration(session: Session, template_id: str, run_checks: bool) -> Typical | None:
    """What to count a job's time left down from: recent jobs of its project template with the same checks setting;
    without those, recent jobs of any project template with that setting (checks cost far more time than the project
    template does); None when no job with that setting has completed. Jobs with the other setting never count: with
    checks on a job takes several times as long as with them off."""
    setting = "on" if run_checks else "off"
    seconds = typical_duration_s(session, template_id, run_checks)
    if seconds is not None:
        return Typical(seconds, f"recent completed jobs of this project template with checks {setting}")
    seconds = typical_duration_s(session, None, run_checks)
    if seconds is not None:
        return Typical(seconds, f"recent completed jobs with checks {setting} (none yet of this project template)")
    return None


def remaining_label(typical_s: float | None, elapsed_s: float | None) -> str:
    """What to tell a person waiting: '' when there is no history to go by."""
    if typical_s is None:
        return ""
    left = typical_s - (elapsed_s or 0.0)
    if left <= 0:
        return "taking longer than usual"
    return f"about {max(1, math.ceil(left / 60))} min left"
