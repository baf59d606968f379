"""The typed SQLAlchemy models; importing this package registers every table on `Base.metadata`."""

from app.models.artifact import Blob, JobFile
from app.models.audit import AuditEntry
from app.models.base import Base, new_id, utcnow
from app.models.job import FINAL_STATUSES, Job, JobEvent, JobStatus
from app.models.user import ROLES, ApiKey, Team, User, team_members

__all__ = [
    "FINAL_STATUSES",
    "ROLES",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Blob",
    "Job",
    "JobEvent",
    "JobFile",
    "JobStatus",
    "Team",
    "User",
    "new_id",
    "team_members",
    "utcnow",
]
