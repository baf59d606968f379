"""Path safety: no generated path may leave the project root, whoever proposed it."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path, PurePosixPath

MAX_PATH_LENGTH = 240
MAX_COMPONENT_LENGTH = 100
# Windows device names are refused everywhere, so a project unpacks on every system.
_DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_ALLOWED = re.compile(r"^[A-Za-z0-9._@+\-\[\] ]+$")


class UnsafePath(ValueError):
    """A path was refused; the message names it and says why."""


def safe_relative_path(raw: str) -> str:
    """Normalise `raw` to a clean relative POSIX path inside the project, or raise UnsafePath."""
    if not isinstance(raw, str) or not raw.strip():
        raise UnsafePath("empty path")
    if "\x00" in raw:
        raise UnsafePath(f"path {raw!r} contains a NUL byte")
    text = unicodedata.normalize("NFC", raw.strip()).replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise UnsafePath(f"path {raw!r} is absolute")
    parts: list[str] = []
    for part in PurePosixPath(text).parts:
        if part in ("", "."):
            continue
        if part == "..":
            raise UnsafePath(f"path {raw!r} climbs out of the project with '..'")
        if len(part) > MAX_COMPONENT_LENGTH:
            raise UnsafePath(f"path {raw!r} has a name longer than {MAX_COMPONENT_LENGTH} characters")
        if not _ALLOWED.match(part) or part != part.strip() or part.endswith("."):
            raise UnsafePath(f"path {raw!r} has a name with characters that are not allowed: {part!r}")
        if _DEVICE.match(part):
            raise UnsafePath(f"path {raw!r} uses the reserved device name {part!r}")
        parts.append(part)
    if not parts:
        raise UnsafePath(f"path {raw!r} names no file")
    if parts[0] == ".git":
        raise UnsafePath(f"path {raw!r} writes inside .git")
    clean = "/".join(parts)
    if len(clean) > MAX_PATH_LENGTH:
        raise UnsafePath(f"path {raw!r} is longer than {MAX_PATH_LENGTH} characters")
    return clean


def check_unique(paths: list[str]) -> None:
    """Refuse duplicates, including ones that differ only in case, and a file that is also a folder."""
    seen: dict[str, str] = {}
    for path in paths:
        key = path.lower()
        if key in seen:
            raise UnsafePath(f"path {path!r} duplicates {seen[key]!r}")
        seen[key] = path
    folders = {"/".join(p.split("/")[:i]).lower() for p in paths for i in range(1, p.count("/") + 1)}
    for path in paths:
        if path.lower() in folders:
            raise UnsafePath(f"path {path!r} is both a file and a folder")


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write files under `root`, refusing anything that would resolve outside it (symlinks included)."""
    root = root.resolve()
    for path, content in files.items():
        clean = safe_relative_path(path)
        target = root / clean
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(root):
            raise UnsafePath(f"path {path!r} resolves outside the project")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(target, flags, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
