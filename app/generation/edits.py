"""The Coder's edit format: search/replace blocks applied to a project's files, all or nothing.

An answer holds one or more blocks, each under the path of the file it changes:

    app/routers/loans.py
    <<<<<<< SEARCH
    exact lines of the current file
    =======
    the lines that replace them
    >>>>>>> REPLACE

An empty SEARCH creates a new file with the REPLACE text. A SEARCH must match exactly one place; lines that
differ only in trailing spaces, or all by the same indentation, still match (models often slip there, as
Aider found). Anything outside blocks (prose, fences) is ignored. When any block does not apply, nothing is
applied and the error says which block and why, so the model can be asked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.generation.frozen import is_harness_path, is_test_path
from app.generation.paths import UnsafePath, check_unique, safe_relative_path

SEARCH, DIVIDER, REPLACE = "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE"
FORMAT_HELP = f"""Answer with edit blocks only. Each block starts with the file's path on its own line, then:
{SEARCH}
(exact lines copied from the current file, enough to match one place)
{DIVIDER}
(the new lines)
{REPLACE}
To create a new file, leave SEARCH empty and put the whole file in the new lines. Use several blocks for
several changes. Do not repeat unchanged code outside the blocks."""


class EditError(ValueError):
    """An answer's edits could not be applied; the message says which block and why."""


@dataclass(frozen=True)
class Edit:
    path: str
    search: str
    replace: str


def parse_edits(answer: str) -> list[Edit]:
    lines = answer.splitlines()
    edits: list[Edit] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != SEARCH:
            index += 1
            continue
        path = _path_before(lines, index)
        if path is None:
            raise EditError(f"block {len(edits) + 1} has no file path on the line before {SEARCH}")
        try:
            divider = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == DIVIDER)
            end = next(i for i in range(divider + 1, len(lines)) if lines[i].strip() == REPLACE)
        except StopIteration:
            raise EditError(f"block {len(edits) + 1} ({path}) is not closed with {DIVIDER} and {REPLACE}") from None
        edits.append(Edit(path, _join(lines[index + 1:divider]), _join(lines[divider + 1:end])))
        index = end + 1
    if not edits:
        raise EditError(f"the answer has no edit blocks ({SEARCH} … {DIVIDER} … {REPLACE})")
    return edits


def apply_edits(files: dict[str, str], edits: list[Edit], protected: frozenset[str] = frozenset(),
                code_only: bool = False) -> dict[str, str]:
    """The changed files (path → new content) after every edit, or EditError; `files` is not modified.

    `code_only` refuses every test and test setting, existing or new: only the test designer writes tests."""
    changed: dict[str, str] = {}
    for number, edit in enumerate(edits, start=1):
        where = f"block {number} ({edit.path})"
        try:
            path = safe_relative_path(edit.path)
        except UnsafePath as exc:
            raise EditError(f"{where}: {exc}") from None
        if path in protected:
            raise EditError(f"{where}: {path} is a frozen test or test setting; it may not change")
        if code_only and (is_test_path(path) or is_harness_path(path)):
            raise EditError(f"{where}: {path} is a test or a test setting; fix the code, not the tests")
        current = changed.get(path, files.get(path))
        if not edit.search.strip():
            if current is not None and current.strip():
                raise EditError(f"{where}: the file exists, so SEARCH must quote the lines to change")
            changed[path] = _ensure_newline(edit.replace)
            continue
        if current is None:
            raise EditError(f"{where}: there is no such file; to create it, leave SEARCH empty")
        changed[path] = _replace_once(current, edit, where)
    try:
        check_unique([*files, *(p for p in changed if p not in files)])
    except UnsafePath as exc:
        raise EditError(str(exc)) from None
    return changed


def _replace_once(content: str, edit: Edit, where: str) -> str:
    lines = content.splitlines()
    search = edit.search.splitlines()
    replace = edit.replace.splitlines()
    for normalise in (str.rstrip, str.strip):
        wanted = [normalise(line) for line in search]
        normal = [normalise(line) for line in lines]  # once per pass: a window is compared only where it can start
        starts = [i for i in range(len(lines) - len(search) + 1)
                  if normal[i] == wanted[0] and normal[i:i + len(search)] == wanted
                  and (normalise is str.rstrip or _uniform_shift(search, lines[i:i + len(search)]) is not None)]
        if len(starts) > 1:
            raise EditError(f"{where}: SEARCH matches {len(starts)} places; quote more lines so it matches one")
        if starts:
            start = starts[0]
            if normalise is str.strip:
                replace = _reindent(replace, search, lines[start:start + len(search)])
            return _ensure_newline("\n".join([*lines[:start], *replace, *lines[start + len(search):]]))
    first = next((line.strip() for line in search if line.strip()), "")
    raise EditError(f"{where}: SEARCH does not match the current file (first line: {first[:120]!r}); "
                    "copy the lines exactly as they are now")


def _uniform_shift(search: list[str], found: list[str]) -> int | None:
    """How much more the file indents the quoted lines, when it is the same for every line; else None."""
    shifts = {_indent(f) - _indent(s) for s, f in zip(search, found, strict=True) if s.strip()}
    return shifts.pop() if len(shifts) == 1 else None


def _reindent(replace: list[str], search: list[str], found: list[str]) -> list[str]:
    """Shift the replacement by the indentation the model left out (or added) in its SEARCH."""
    delta = _uniform_shift(search, found) or 0
    if delta >= 0:
        return [(" " * delta + line) if line.strip() else line for line in replace]
    return [line[min(-delta, _indent(line)):] for line in replace]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


_PATH = re.compile(r"^[\w./\\@+:-]*[\w]+[\w./\\@+-]*$")  # path-like; safe_relative_path judges it


def _path_before(lines: list[str], index: int) -> str | None:
    for line in reversed(lines[max(0, index - 3):index]):
        candidate = line.strip().strip("`*#:").removeprefix("FILE:").removeprefix("File:").strip().strip("`")
        if candidate.startswith("```"):
            continue
        if _PATH.match(candidate):
            return candidate
        if candidate:
            return None
    return None


def _join(lines: list[str]) -> str:
    return "\n".join(lines)


def _ensure_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
