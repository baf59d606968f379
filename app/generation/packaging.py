"""The downloadable zip of a project: deterministic, so identical projects give identical archives."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

from app.generation.paths import safe_relative_path

# Zip timestamps start in 1980; a fixed one keeps archives byte-identical across runs.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def build_zip(files: Mapping[str, bytes], folder: str) -> bytes:
    """Zip `files` under one top folder; every member path is re-checked so none can escape."""
    top = safe_relative_path(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{safe_relative_path(path)}", date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path])
    return buffer.getvalue()
