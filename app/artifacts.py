"""Generated files stored content-addressed in the database: each distinct content once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Blob, JobFile


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def store_files(session: Session, job_id: str, files: Mapping[str, bytes]) -> list[JobFile]:
    """Record `files` (path → content) for a job, adding only the blobs the database lacks."""
    digests = {path: sha256_hex(content) for path, content in files.items()}
    known = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(set(digests.values())))))
    for path, content in files.items():
        digest = digests[path]
        if digest not in known:
            session.add(Blob(sha256=digest, size=len(content), content=content))
            known.add(digest)
    rows = [JobFile(job_id=job_id, path=path, sha256=digests[path], size=len(content))
            for path, content in sorted(files.items())]
    session.add_all(rows)
    return rows


def list_files(session: Session, job_id: str) -> list[JobFile]:
    return list(session.scalars(select(JobFile).where(JobFile.job_id == job_id).order_by(JobFile.path)))


def read_file(session: Session, job_id: str, path: str) -> bytes | None:
    return session.scalar(
        select(Blob.content).join(JobFile, JobFile.sha256 == Blob.sha256)
        .where(JobFile.job_id == job_id, JobFile.path == path)
    )
