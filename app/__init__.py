"""Codegen Studio: a multi-agent code generation service; `create_app()` (in `app.web`) builds the web app."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
SERVICE_NAME = "multi-agent-code-generation"


def __getattr__(name: str) -> Any:
    # `from app import create_app` keeps working without every importer of `app` (workers, the CLI) loading Flask.
    if name == "create_app":
        from app.web import create_app

        return create_app
    raise AttributeError(f"module 'app' has no attribute {name!r}")
