"""Generated files that no spec changes, kept as real files under `files/<part>/` and copied byte for byte."""

from __future__ import annotations

from importlib.resources import files

from . import GeneratedFile

_FILES = files(__package__) / "files"


def verbatim(part: str, path: str, purpose: str, depends_on: tuple[str, ...] = ()) -> GeneratedFile:
    """The file at `path` of the generated `part` ("backend" or "frontend"), read from `files/<part>/<path>`.

    A dotfile is kept without its dot (`files/frontend/gitignore` becomes `.gitignore`): a real `.gitignore` or
    `.dockerignore` in this folder would act on this repository.
    """
    *folders, name = path.split("/")
    stored = _FILES.joinpath(part, *folders, name.removeprefix("."))
    return GeneratedFile(path, stored.read_text(encoding="utf-8"), purpose, depends_on)
