"""Jobs, their statuses and the milestone events kept after Redis forgets them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, event, func
from sqlalchemy import inspect as inspect_object
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, new_id, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # Keyset pagination: newest first, overall and per owner, status and template.
        Index("ix_jobs_created", "created_at", "id"),
        Index("ix_jobs_owner_created", "owner_id", "created_at", "id"),
        Index("ix_jobs_status_created", "status", "created_at", "id"),
        Index("ix_jobs_template_created", "template_id", "created_at", "id"),
        # Keyset pagination of the admin list sorted by cost or duration, overall and per status.
        Index("ix_jobs_cost", "cost_usd", "id"),
        Index("ix_jobs_status_cost", "status", "cost_usd", "id"),
        Index("ix_jobs_duration", "duration_ms", "id"),
        Index("ix_jobs_status_duration", "status", "duration_ms", "id"),
        # Covers the per-status totals of /api/stats and /metrics: one index scan, no table rows.
        Index("ix_jobs_status_usage", "status", "tokens_in", "tokens_out", "cost_usd"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    template_id: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    current_agent: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Start to finish in milliseconds, stored (see _keep_duration) so that lists can sort by it with an index.
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Numeric(14, 6, asdecimal=False), default=0.0)
    files_count: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    share_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    # Per-agent tokens, cost and calls: {"coder": {"tokens_in": 1, "tokens_out": 2, "cost_usd": 0.1, "calls": 3}}
    usage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # What the reviewer and tester found: {"findings": [...], "checks": [...], "repair_rounds": 0}
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    zip_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))

    events: Mapped[list[JobEvent]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobEvent.id"
    )

    @property
    def job_status(self) -> JobStatus:
        return JobStatus(self.status)

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or utcnow()
        return round((end - self.started_at).total_seconds(), 3)


# Search by name: an exact, case-insensitive name (or the start of one) in creation order, from one index.
Index("ix_jobs_name_created", func.lower(Job.name), Job.created_at, Job.id)


@event.listens_for(Job, "before_insert")
@event.listens_for(Job, "before_update")
def _keep_duration(_mapper, _connection, job: Job) -> None:
    attrs = inspect_object(job).attrs
    if not (attrs.started_at.history.has_changes() or attrs.finished_at.history.has_changes()):
        return
    if job.started_at is None or job.finished_at is None:
        job.duration_ms = None
    else:
        job.duration_ms = round((job.finished_at - job.started_at).total_seconds() * 1000)


class JobEvent(Base):
    """A milestone of a job's progress; the full stream lives in Redis while it is fresh."""

    __tablename__ = "job_events"
    __table_args__ = (UniqueConstraint("job_id", "stream_id", name="uq_job_events_job_stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    stream_id: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    job: Mapped[Job] = relationship(back_populates="events")
