"""`codegen generate`: the same pipeline as a job, run in this process and written to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from app.generation.paths import write_tree
from app.generation.project_templates.spec import FIELD_TYPES
from app.generation.runner import new_context, provider_for, run_context
from app.settings import Settings


def parse_entity(text: str) -> dict[str, Any]:
    """'Task:title:str,done:bool,due:date?,project:Project' → an entity; a trailing '?' makes a field optional,
    and a type that names another entity makes a relation to it (the spec checks that the entity exists)."""
    name, _, fields_text = text.partition(":")
    if not name.strip() or not fields_text.strip():
        raise click.BadParameter(f"{text!r}: expected Name:field:type,field:type (e.g. Task:title:str,done:bool)")
    fields = []
    for item in fields_text.split(","):
        field_name, _, field_type = item.strip().partition(":")
        field_type = field_type.strip() or "str"
        required = not field_type.endswith("?")
        field_type = field_type.rstrip("?").strip() or "str"  # "float ?" is "float?", "?" is "str?"
        if field_type.lower() in FIELD_TYPES:
            field_type = field_type.lower()
        elif not field_type[:1].isupper():  # an entity is named with a capital: anything else is a typo
            raise click.BadParameter(f"{text!r}: field {field_name.strip()!r} has type {field_type!r}; use one of "
                                     f"{', '.join(FIELD_TYPES)}, or an entity's name (Project) for a relation")
        fields.append({"name": field_name.strip(), "type": field_type, "required": required})
    return {"name": name.strip(), "fields": fields}


class TerminalEmitter:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def __call__(self, *, type: str, agent: str | None, status: str, message: str, progress: int,
                 data: dict[str, Any]) -> None:
        if self.quiet or (type == "log" and data.get("stream")):
            return
        if type in ("agent", "test", "review") or (type == "log" and status != "streaming"):
            click.echo(f"[{progress:3d}%] {agent or '':<9} {status:<10} {message}")


def generate(settings: Settings, request: dict[str, Any], out: Path, quiet: bool = False) -> int:
    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} exists and is not empty; choose a new folder")
    ctx = new_context("cli", request, provider_for(settings, request.get("options", {})), TerminalEmitter(quiet),
                      settings)
    outcome = run_context(ctx)
    if ctx.files:
        write_tree(out, {path: text.encode() for path, text in ctx.files.items()})
        click.echo(f"wrote {len(ctx.files)} files to {out}")
    spent = ctx.budget.spent
    if spent.tokens:
        click.echo(f"tokens: {spent.tokens_in} in, {spent.tokens_out} out; cost ${spent.cost_usd:.4f}")
    if outcome.error:
        click.echo(f"{outcome.status}: {outcome.error}", err=True)
        return 1
    verified = "verified: its own tests and build pass" if ctx.verified else "not verified (checks skipped)"
    click.echo(f"{outcome.status}; {verified}")
    return 0
