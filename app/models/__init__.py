"""The typed SQLAlchemy models; importing this package registers every table on `Base.metadata`."""

from .artifact import Blob, JobFile
from .audit import AuditEntry
from .base import Base, new_id, utcnow
from .job import FINAL_STATUSES, Job, JobEvent, JobStatus
from .user import ROLES, ApiKey, Team, User, team_members

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
