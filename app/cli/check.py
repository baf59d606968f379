"""`codegen check DIR`: a project folder's own checks, run exactly as the Tester runs them, in the same sandbox."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click

from app.generation.agents.base import CheckResult
from app.generation.project_templates import Check
from app.generation.sandbox import choose_isolation, run_checks
from app.settings import Settings

# Left out of the private copy: installed or built things the checks bring themselves, and version control.
NOT_COPIED = ("node_modules", ".venv", "venv", "__pycache__", ".pytest_cache", "dist", ".git", ".codegen-reports")


def detect_checks(project: Path) -> list[Check]:
    """python: a folder with requirements.txt and tests; node: a folder with package.json (top level or one down,
    as in the generated full-stack layout of backend/ and frontend/)."""
    found = []
    folders = [project, *sorted(p for p in project.iterdir() if p.is_dir() and p.name not in NOT_COPIED
                                and not p.name.startswith("."))]
    for folder in folders:
        root = "." if folder == project else folder.name
        has_tests = (folder / "tests").is_dir() or any(folder.glob("test_*.py"))
        if (folder / "requirements.txt").is_file() and has_tests:
            found.append(Check("python", root))
        if (folder / "package.json").is_file():
            found.append(Check("node", root))
    return found


def check_project(settings: Settings, directory: Path) -> int:
    checks = detect_checks(directory)
    if not checks:
        raise click.ClickException(f"no checks found in {directory}: expected requirements.txt with tests/, or "
                                   "package.json (at the top or in backend/ and frontend/)")
    # Whatever is in the folder is treated as model-written: only the explicit setting runs it unisolated.
    isolation = choose_isolation(model_written=True, allow_unisolated=settings.unisolated_checks)
    if isolation.refusal:
        click.echo(f"{isolation.refusal}; set CODEGEN_UNISOLATED_CHECKS=1 to run them unisolated (see README)",
                   err=True)
        return 2
    if isolation.warning:
        click.echo(f"warning: {isolation.warning}", err=True)
    click.echo(f"{len(checks)} check(s) in {directory}: " + ", ".join(f"{c.kind} ({c.root})" for c in checks))
    with tempfile.TemporaryDirectory(prefix="codegen-check-") as work:
        project = Path(work) / "project"
        # A private copy, as the Tester has one: the checks may write only there, never into DIR.
        shutil.copytree(directory, project, symlinks=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
        results = run_checks(project, checks, settings.instance_path / "cache" / "envs",
                             log=lambda status, message: click.echo(f"  {status:<10} {message}"),
                             isolated=isolation.isolated, on_result=_print_result)
    passed = all(r.ok and not r.skipped for r in results) and len(results) == len(checks)
    click.echo("all checks passed" if passed else "checks failed")
    return 0 if passed else 1


def _print_result(result: CheckResult) -> None:
    if result.skipped:
        click.echo(f"SKIP {result.name}: {result.skipped}")
        return
    stopped = f" (stopped: {result.reason})" if result.reason else ""
    click.echo(f"{'PASS' if result.ok else 'FAIL'} {result.name}: {result.passed} passed, {result.failed} failed"
               f"{stopped} in {result.duration_s:.1f} s")
    for case in result.cases:
        if case["outcome"] in ("failed", "error"):
            click.echo(f"  {case['outcome']}: {case['file']}::{case['name']}")
    if not result.ok:
        click.echo("\n".join("  | " + line for line in result.output[-3000:].splitlines()))
