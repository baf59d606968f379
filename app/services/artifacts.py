"""Generated files, stored content-addressed: each distinct content once, whatever job produced it.

Contents go through a `BlobStore`; the database one is the default, and an object store can take its
place by implementing the same three methods. Which job has which path stays in `job_files`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Blob, JobFile


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class BlobStore(Protocol):
    def missing(self, digests: set[str]) -> set[str]: ...

    def put(self, digest: str, content: bytes) -> None: ...

    def get(self, digest: str) -> bytes | None: ...


class DatabaseBlobStore:
    """Blobs in the `blobs` table, written in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def missing(self, digests: set[str]) -> set[str]:
        return digests - set(self.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(digests))))

    def put(self, digest: str, content: bytes) -> None:
        self.session.add(Blob(sha256=digest, size=len(content), content=content))

    def get(self, digest: str) -> bytes | None:
        return self.session.scalar(select(Blob.content).where(Blob.sha256 == digest))


def put_blob(store: BlobStore, content: bytes) -> str:
    digest = sha256_hex(content)
    if store.missing({digest}):
        store.put(digest, content)
    return digest


def store_files(session: Session, job_id: str, files: Mapping[str, bytes], store: BlobStore | None = None
                ) -> list[JobFile]:
    """Record `files` (path → content) for a job, storing only the contents the store lacks."""
    store = store or DatabaseBlobStore(session)
    digests = {path: sha256_hex(content) for path, content in files.items()}
    missing = store.missing(set(digests.values()))
    for path, content in files.items():
        if digests[path] in missing:
            store.put(digests[path], content)
            missing.discard(digests[path])
    rows = [JobFile(job_id=job_id, path=path, sha256=digests[path], size=len(content))
            for path, content in sorted(files.items())]
    session.add_all(rows)
    return rows


def list_files(session: Session, job_id: str) -> list[JobFile]:
    return list(session.scalars(select(JobFile).where(JobFile.job_id == job_id).order_by(JobFile.path)))


def read_file(session: Session, job_id: str, path: str, store: BlobStore | None = None) -> bytes | None:
    digest = session.scalar(select(JobFile.sha256).where(JobFile.job_id == job_id, JobFile.path == path))
    return None if digest is None else (store or DatabaseBlobStore(session)).get(digest)


def read_blob(session: Session, digest: str, store: BlobStore | None = None) -> bytes | None:
    return (store or DatabaseBlobStore(session)).get(digest)


def read_all_files(session: Session, job_id: str, store: BlobStore | None = None) -> dict[str, bytes]:
    """Every file of a job (path → content): the base an improvement builds on."""
    store = store or DatabaseBlobStore(session)
    return {row.path: store.get(row.sha256) or b"" for row in list_files(session, job_id)}
