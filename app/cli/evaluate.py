"""`codegen eval`: the task suite in evals/ against the configured model, graded by hidden tests."""

from __future__ import annotations

from pathlib import Path

import click

from app.generation.evaluation import load_tasks, run_task, table, to_json
from app.generation.runner import provider_for
from app.generation.sandbox import choose_isolation, run_checks
from app.settings import Settings


def evaluate(settings: Settings, suite: Path, only: tuple[str, ...], json_out: Path | None, quiet: bool) -> int:
    try:
        tasks = load_tasks(suite, only)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not tasks:
        raise click.ClickException(f"no tasks in {suite / 'tasks'}")
    if settings.effective_provider != "openai":
        click.echo("warning: no OPENAI_API_KEY: evaluating the offline provider, which implements no "
                   "requirement", err=True)

    def checks(project: Path, template_checks, cache_dir: Path, *, model_written: bool):
        isolation = choose_isolation(model_written=model_written, allow_unisolated=settings.unisolated_checks)
        if isolation.refusal:
            raise click.ClickException(f"{isolation.refusal}: the hidden tests cannot run")
        return run_checks(project, template_checks, cache_dir, log=lambda *_: None, isolated=isolation.isolated)

    results = []
    for task, request, hidden in tasks:
        if not quiet:
            click.echo(f"{task}: {request['template_id']} …", err=True)
        result = run_task(task, request, hidden, settings, provider_for(settings, request.get("options") or {}),
                          checks)
        if not quiet:
            hidden_score = f"{result.hidden_passed}/{result.hidden_total} hidden tests"
            click.echo(f"{task}: {result.status}, {'verified' if result.verified else 'not verified'}, "
                       f"{hidden_score}, {result.seconds:.0f} s", err=True)
        results.append(result)
    click.echo(table(results))
    if json_out:
        json_out.write_text(to_json(results) + "\n")
    # Success means every task verified and graded, with every hidden test passing.
    return 0 if all(r.verified and r.hidden_total and r.hidden_passed == r.hidden_total for r in results) else 1
