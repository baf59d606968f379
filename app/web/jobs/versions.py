"""A job's relatives (the versions it was improved from and into, the runs it retried or was retried as) and the
diff of its files against its parent's, rendered on the server with difflib."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Job, JobFile
from app.services.access import can_view
from app.services.artifacts import read_file

MAX_CHAIN = 50  # versions shown above and below a job: a chain longer than this is cut, not walked forever
MAX_DIFF_BYTES = 256 * 1024
CONTEXT_LINES = 3


@dataclass
class Relatives:
    """The jobs around one job that the viewer may see, oldest version first."""

    versions: list[Job] = field(default_factory=list)  # the chain of parents, this job, then its newest children
    improved_from: Job | None = None
    improved_into: list[Job] = field(default_factory=list)
    retry_of: Job | None = None
    retried_as: list[Job] = field(default_factory=list)


def relatives(session: Session, job: Job, viewer) -> Relatives:
    """Every link a job page shows to its relatives: only jobs the viewer may see are named."""
    found = Relatives()
    seen = lambda other: other is not None and can_view(viewer, other)  # noqa: E731
    parent = session.get(Job, job.parent_id) if job.parent_id else None
    found.improved_from = parent if seen(parent) else None
    found.improved_into = [j for j in _children(session, job.id) if seen(j)]
    # A retry is recorded by the audit entry the service writes (`job_retried`, target the original).
    retried = session.scalars(select(AuditEntry.details).where(AuditEntry.action == "job_retried",
                                                               AuditEntry.target == f"job:{job.id}")).all()
    found.retried_as = [j for j in (session.get(Job, (d or {}).get("new_job_id", "")) for d in retried) if seen(j)]
    origin = session.scalar(select(AuditEntry.target).where(
        AuditEntry.action == "job_retried", AuditEntry.details["new_job_id"].as_string() == job.id))
    original = session.get(Job, origin.removeprefix("job:")) if origin else None
    found.retry_of = original if seen(original) else None

    chain: list[Job] = []
    ancestor = found.improved_from
    while ancestor is not None and len(chain) < MAX_CHAIN and ancestor not in chain:
        chain.insert(0, ancestor)
        ancestor = session.get(Job, ancestor.parent_id) if ancestor.parent_id else None
        ancestor = ancestor if seen(ancestor) else None
    chain.append(job)
    child = _newest_completed(found.improved_into) or (found.improved_into[-1] if found.improved_into else None)
    while child is not None and len(chain) < 2 * MAX_CHAIN and child not in chain:
        chain.append(child)
        kids = [j for j in _children(session, child.id) if seen(j)]
        child = _newest_completed(kids) or (kids[-1] if kids else None)
    found.versions = chain if len(chain) > 1 else []
    return found


def _children(session: Session, job_id: str) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.parent_id == job_id).order_by(Job.created_at, Job.id)))


def _newest_completed(jobs: list[Job]) -> Job | None:
    done = [j for j in jobs if j.status == "completed"]
    return done[-1] if done else None


@dataclass(frozen=True)
class FileChange:
    path: str
    kind: str  # added | removed | changed
    added: int = 0  # lines
    removed: int = 0


@dataclass
class Changes:
    """What changed from the parent's files to the child's; unchanged files are only counted."""

    files: list[FileChange]
    unchanged: int

    def of(self, kind: str) -> list[FileChange]:
        return [f for f in self.files if f.kind == kind]


def _hashes(session: Session, job_id: str) -> dict[str, str]:
    return dict(session.execute(select(JobFile.path, JobFile.sha256).where(JobFile.job_id == job_id)).all())


def changes(session: Session, parent: Job, child: Job) -> Changes:
    before, after = _hashes(session, parent.id), _hashes(session, child.id)
    found: list[FileChange] = []
    for path in sorted(set(before) | set(after)):
        if path not in before:
            found.append(FileChange(path, "added", added=_count_lines(session, child.id, path)))
        elif path not in after:
            found.append(FileChange(path, "removed", removed=_count_lines(session, parent.id, path)))
        elif before[path] != after[path]:
            old, new = _lines(session, parent.id, path), _lines(session, child.id, path)
            if old is None or new is None:
                found.append(FileChange(path, "changed"))
                continue
            plus = minus = 0
            for line in difflib.unified_diff(old, new, lineterm="", n=0):
                if line.startswith("+") and not line.startswith("+++"):
                    plus += 1
                elif line.startswith("-") and not line.startswith("---"):
                    minus += 1
            found.append(FileChange(path, "changed", added=plus, removed=minus))
    unchanged = sum(1 for path in set(before) & set(after) if before[path] == after[path])
    return Changes(found, unchanged)


def _lines(session: Session, job_id: str, path: str) -> list[str] | None:
    """The file's lines, or None when it is missing, binary or too large to compare."""
    content = read_file(session, job_id, path)
    if content is None or len(content) > MAX_DIFF_BYTES or b"\x00" in content[:8192]:
        return None
    try:
        return content.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None


def _count_lines(session: Session, job_id: str, path: str) -> int:
    lines = _lines(session, job_id, path)
    return len(lines) if lines is not None else 0


@dataclass(frozen=True)
class DiffLine:
    kind: str  # context | added | removed | hunk
    old_no: int | None
    new_no: int | None
    text: str


@dataclass(frozen=True)
class SideBySideRow:
    left: DiffLine | None
    right: DiffLine | None


@dataclass
class FileDiff:
    path: str
    kind: str
    unified: list[DiffLine]
    reason: str = ""  # why no line diff is shown (binary, too large)

    @property
    def side_by_side(self) -> list[SideBySideRow]:
        """The unified lines paired: a run of removals beside the run of additions that follows it."""
        rows: list[SideBySideRow] = []
        removed: list[DiffLine] = []
        added: list[DiffLine] = []

        def flush() -> None:
            for i in range(max(len(removed), len(added))):
                rows.append(SideBySideRow(removed[i] if i < len(removed) else None,
                                          added[i] if i < len(added) else None))
            removed.clear()
            added.clear()

        for line in self.unified:
            if line.kind == "removed":
                if added:
                    flush()
                removed.append(line)
            elif line.kind == "added":
                added.append(line)
            else:
                flush()
                rows.append(SideBySideRow(line, line))
        flush()
        return rows


def file_diff(session: Session, parent: Job, child: Job, path: str) -> FileDiff | None:
    """The line diff of one file between parent and child; None when neither has it."""
    old_bytes, new_bytes = read_file(session, parent.id, path), read_file(session, child.id, path)
    if old_bytes is None and new_bytes is None:
        return None
    kind = "added" if old_bytes is None else "removed" if new_bytes is None else "changed"
    old = [] if old_bytes is None else _lines(session, parent.id, path)
    new = [] if new_bytes is None else _lines(session, child.id, path)
    if old is None or new is None:
        return FileDiff(path, kind, [], reason="This file is binary or too large to compare line by line.")
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        first, last = group[0], group[-1]
        lines.append(DiffLine("hunk", None, None, f"@@ -{first[1] + 1},{last[2] - first[1]} "
                                                  f"+{first[3] + 1},{last[4] - first[3]} @@"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("context", i + 1, j1 + (i - i1) + 1, old[i]) for i in range(i1, i2))
                continue
            if tag in ("replace", "delete"):
                lines.extend(DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2))
            if tag in ("replace", "insert"):
                lines.extend(DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2))
    return FileDiff(path, kind, lines)
