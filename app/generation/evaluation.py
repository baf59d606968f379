"""`codegen eval`: run the task suite in `evals/` through the pipeline and grade each result with hidden tests.

A task is `evals/tasks/<id>.json` (a request: template_id, name, description, entities, features) and its
acceptance tests `evals/hidden/<id>/`, which the agents never see. After a run, the hidden tests are copied
into the generated project (Python ones into its tests/, TypeScript ones into src/hidden/) and the project's
checks run again in the sandbox; the hidden tests' outcomes are the grade.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.generation.agents import PipelineContext
from app.generation.paths import write_tree
from app.generation.runner import new_context, run_context


@dataclass
class TaskResult:
    task: str
    template_id: str
    status: str = "failed"
    verified: bool = False
    hidden_passed: int = 0
    hidden_total: int = 0
    tokens: int = 0
    cost_usd: float | None = 0.0
    seconds: float = 0.0
    error: str | None = None
    hidden_failures: list[str] = field(default_factory=list)


def load_tasks(suite: Path, only: tuple[str, ...] = ()) -> list[tuple[str, dict[str, Any], Path]]:
    tasks = []
    for path in sorted((suite / "tasks").glob("*.json")):
        if only and path.stem not in only:
            continue
        tasks.append((path.stem, json.loads(path.read_text()), suite / "hidden" / path.stem))
    missing = set(only) - {task for task, _, _ in tasks}
    if missing:
        raise ValueError(f"no such task in {suite}: {', '.join(sorted(missing))}")
    return tasks


def run_task(task: str, request: dict[str, Any], hidden: Path, settings, provider,
             run_checks: Callable[..., list[Any]], emit: Callable[..., None] | None = None) -> TaskResult:
    """Generate the project of one task, then grade it with its hidden tests."""
    result = TaskResult(task, request["template_id"])
    started = time.monotonic()
    ctx = new_context(f"eval-{task}", {**request, "options": {"run_checks": True}}, provider,
                      emit or (lambda **_event: None), settings)
    outcome = run_context(ctx)
    result.status, result.error, result.verified = outcome.status, outcome.error, ctx.verified
    spent = ctx.budget.spent
    result.tokens, result.cost_usd = spent.tokens, spent.known_cost
    if ctx.files and ctx.template is not None:
        _grade(ctx, hidden, settings, run_checks, result)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _grade(ctx: PipelineContext, hidden: Path, settings, run_checks: Callable[..., list[Any]],
           result: TaskResult) -> None:
    files = dict(ctx.files)
    hidden_paths: set[str] = set()
    for test in sorted(p for p in hidden.iterdir() if p.is_file()):
        kind = "python" if test.suffix == ".py" else "node"
        check = next((c for c in ctx.template.checks if c.kind == kind), None)
        if check is None:
            continue
        root = "" if check.root == "." else check.root + "/"
        path = f"{root}tests/{test.name}" if kind == "python" else f"{root}src/hidden/{test.name}"
        files[path] = test.read_text()
        hidden_paths.add(path)
    with tempfile.TemporaryDirectory(prefix="codegen-eval-") as work:
        project = Path(work) / "project"
        write_tree(project, {p: c.encode() for p, c in files.items()})
        checks = run_checks(project, ctx.template.checks, Path(settings.instance_path) / "cache" / "envs",
                            model_written=ctx.provider.is_llm)
    cases = [case for check in checks for case in getattr(check, "cases", []) if case.get("file") in hidden_paths]
    result.hidden_total = len(cases)
    result.hidden_passed = sum(case.get("outcome") == "passed" for case in cases)
    result.hidden_failures = [f"{c['file']}::{c['name']}: {(c.get('message') or '').strip()[:200]}"
                              for c in cases if c.get("outcome") != "passed"]
    if not cases:
        why = "; ".join(f"{c.name}: {c.skipped or c.output[-300:]}" for c in checks if not c.ok)
        result.hidden_failures = [f"no hidden test ran ({why or 'no check reported test cases'})"]


def table(results: list[TaskResult]) -> str:
    header = f"{'task':<20} {'template':<16} {'verified':<9} {'hidden':>9} {'tokens':>9} {'cost $':>9} {'time s':>7}"
    lines = [header, "-" * len(header)]
    for r in results:
        cost = "unknown" if r.cost_usd is None else f"{r.cost_usd:.4f}"
        lines.append(f"{r.task:<20} {r.template_id:<16} {'yes' if r.verified else 'no':<9} "
                     f"{r.hidden_passed:>4}/{r.hidden_total:<4} {r.tokens:>9,} {cost:>9} {r.seconds:>7.1f}")
    totals = summary(results)
    lines += ["-" * len(header),
              f"{'total':<20} {'':<16} {totals['verified']:>2}/{len(results):<6} "
              f"{totals['hidden_passed']:>4}/{totals['hidden_total']:<4} {totals['tokens']:>9,} "
              f"{'unknown' if totals['cost_usd'] is None else format(totals['cost_usd'], '.4f'):>9} "
              f"{totals['seconds']:>7.1f}"]
    lines += [f"  {r.task}: {r.error}" for r in results if r.error]
    return "\n".join(lines)


def summary(results: list[TaskResult]) -> dict[str, Any]:
    costs = [r.cost_usd for r in results]
    return {"tasks": len(results), "verified": sum(r.verified for r in results),
            "hidden_passed": sum(r.hidden_passed for r in results),
            "hidden_total": sum(r.hidden_total for r in results), "tokens": sum(r.tokens for r in results),
            "cost_usd": None if any(c is None for c in costs) else round(sum(costs), 6),
            "seconds": round(sum(r.seconds for r in results), 1)}


def to_json(results: list[TaskResult]) -> str:
    return json.dumps({"tasks": [asdict(r) for r in results], "total": summary(results)}, indent=2)
