"""Repair: what failed, with the files that can fix it, goes back to the model as edits (the Coder's second job).

The model sees the failing tests' output, the files their tracebacks and compiler errors name, the files the
Architect planned for the requirement a failing acceptance test belongs to, that requirement, and the spec.
Frozen tests cannot be edited. An answer that repeats an earlier one, or changes nothing, ends the loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.generation.agents.base import PipelineContext, PipelineError, ask_until_valid
from app.generation.agents.test_designer import requirement_of
from app.generation.edits import FORMAT_HELP, apply_edits, parse_edits
from app.generation.frozen import is_test_path
from app.generation.providers import Task

if TYPE_CHECKING:
    from app.generation.agents.base import Agent

MAX_REPAIR_FILES = 10
FILES_BUDGET = 60_000
OUTPUT_BUDGET = 8_000


def repair(agent: Agent, ctx: PipelineContext, problems: str, store: Callable[[PipelineContext, str, str], None]
           ) -> list[str]:
    agent.emit(ctx, "agent", "repairing", f"Repair round {ctx.repair_round}: fixing what failed")
    failing = failing_cases(ctx)
    suspects = suspect_files(ctx, problems, failing)
    requirement_ids = {requirement_of(case["file"]) for case in failing} - {None}
    requirements = [r for r in ctx.spec.requirements if r.id in requirement_ids] if ctx.spec else []
    system = ("You fix a generated project whose checks fail. Find the cause in the files shown and fix it with "
              "the smallest edits. Tests and test settings are frozen: fix the code, never the tests. "
              + FORMAT_HELP)
    shown = "\n\n".join(f"=== {path}\n{ctx.files[path]}" for path in suspects)
    user = "\n".join([
        f"Spec: {ctx.spec.model_dump_json(exclude={'requirements'})}" if ctx.spec else "",
        *(f"Requirement {r.id}: {r.title}. {r.detail}\nAcceptance: " + "; ".join(r.acceptance)
          for r in requirements),
        "Failing tests:", *(f"- {c['file']}::{c['name']} {c['outcome']}: {c.get('message', '')[:600]}"
                            for c in failing[:20]),
        f"What the checks printed (the end):\n{problems[-OUTPUT_BUDGET:]}",
        f"Files:\n{shown}",
    ])
    task = Task(agent.name, "repair", [{"role": "system", "content": system}, {"role": "user", "content": user}],
                context={"problems": problems, "files": {p: ctx.files[p] for p in suspects}})

    def accept(answer: str) -> tuple[str, dict[str, str]]:
        key = " ".join(answer.split())
        if key in ctx.repair_answers:  # not a ValueError: asking again would only buy the same answer
            raise PipelineError(f"no progress: repair round {ctx.repair_round} repeated an earlier answer")
        changed = apply_edits(ctx.files, parse_edits(answer), protected=ctx.frozen.protected, code_only=True)
        return key, {p: c for p, c in changed.items() if ctx.files.get(p) != c}

    key, changed = ask_until_valid(agent, ctx, task, accept)
    if not changed:
        raise PipelineError(f"no progress: repair round {ctx.repair_round} changed nothing")
    ctx.repair_answers.add(key)
    for path, content in changed.items():
        store(ctx, path, content)
        agent.emit(ctx, "file", "rewritten", path, 1.0, path=path, size=len(content.encode()))
    return sorted(changed)


def failing_cases(ctx: PipelineContext) -> list[dict[str, str]]:
    return [case for check in ctx.checks for case in getattr(check, "cases", [])
            if case.get("outcome") in ("failed", "error")]


def suspect_files(ctx: PipelineContext, problems: str, failing: list[dict[str, str]]) -> list[str]:
    """The files most likely to hold the fault, most likely first, at most MAX_REPAIR_FILES within FILES_BUDGET."""
    ranked: list[str] = []
    text = problems + "\n".join(c.get("message", "") for c in failing)
    # Named in a traceback or a compiler error, source files first (the test is rarely the culprit).
    named = [p for p in ctx.files if re.search(rf"(^|[\s/\"'(]){re.escape(p)}([:\"'),\s]|$)", text, re.M)]
    ranked += sorted(named, key=is_test_path)
    for case in failing:
        requirement = requirement_of(case.get("file", ""))
        ranked += [c.path for c in ctx.changes if c.requirement == requirement]
        stem = case.get("file", "").rsplit("/", 1)[-1].removeprefix("test_").split(".")[0]
        ranked += [p for p in ctx.files if stem and stem in p and not is_test_path(p)]
        if case.get("file") in ctx.files:
            ranked.append(case["file"])
    ranked += [c.path for c in ctx.changes]
    chosen, size = [], 0
    for path in dict.fromkeys(ranked):
        if path in ctx.files and len(chosen) < MAX_REPAIR_FILES and size + len(ctx.files[path]) <= FILES_BUDGET:
            chosen.append(path)
            size += len(ctx.files[path])
    return chosen or sorted(p for p in ctx.files if not is_test_path(p))[:MAX_REPAIR_FILES]
