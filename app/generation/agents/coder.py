"""Coder: writes the scaffold (no model call), then each planned change as edits; repairs what the checks reject.

Offline, every file is the project template's rendering. With a model, the scaffold is taken as it is and
the model answers each change of the Architect's plan with search/replace edits (app/generation/edits.py),
seeing the file it changes and the files that file depends on. Changes to different files run concurrently.
Frozen files (tests, test settings) refuse every edit.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from app.generation.agents import register_agent
from app.generation.agents.base import (
    Agent,
    Change,
    PipelineContext,
    PipelineError,
    PlannedFile,
    ask_until_valid,
    counted,
)
from app.generation.agents.repair import repair as repair_project
from app.generation.edits import FORMAT_HELP, apply_edits, parse_edits
from app.generation.providers import Task

MAX_FILE_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024
CONTEXT_BUDGET = 30_000  # characters of related files shown with a change


def waves(plan: list[PlannedFile]) -> list[list[PlannedFile]]:
    """Group files so that each wave depends only on earlier waves; a cycle is broken by taking the rest."""
    done: set[str] = set()
    remaining = list(plan)
    result: list[list[PlannedFile]] = []
    while remaining:
        ready = [p for p in remaining if all(d in done for d in p.depends_on)] or remaining
        result.append(ready)
        done |= {p.path for p in ready}
        remaining = [p for p in remaining if p.path not in done]
    return result


@register_agent
class Coder(Agent):
    name = "coder"
    progress_range = (20, 60)

    def run(self, ctx: PipelineContext) -> None:
        assert ctx.spec is not None and ctx.template is not None
        changes = f" and {counted(len(ctx.changes), 'change', 'changes')}" if ctx.changes else ""
        self.emit(ctx, "agent", "started", f"Writing {counted(len(ctx.plan), 'file', 'files')}{changes}")
        total = len(ctx.plan) + len(ctx.changes)
        written = 0
        if ctx.provider.is_llm:
            for planned in ctx.plan:  # the scaffold is free: rendered, never paid for
                written += 1
                self._store(ctx, planned.path, ctx.scaffold[planned.path])
                self.emit(ctx, "file", "written", planned.path, written / total, path=planned.path,
                          size=len(ctx.files[planned.path].encode()))
        else:
            written = self._write_offline(ctx, total)
        for path, content in ctx.scaffold.items():  # acceptance tests the test designer added
            if path not in ctx.files:
                self._store(ctx, path, content)
        by_path: dict[str, list[Change]] = {}
        for change in ctx.changes:
            by_path.setdefault(change.path, []).append(change)
        snapshot = dict(ctx.files)  # every change starts from the scaffold; each answer may change only its own file
        with ThreadPoolExecutor(max_workers=ctx.coder_concurrency, thread_name_prefix="coder") as pool:
            for path, edited in zip(by_path, pool.map(lambda p: self._change(ctx, snapshot, p, by_path[p]), by_path),
                                    strict=True):
                ctx.check_cancelled()
                self._store(ctx, path, edited)
                written += len(by_path[path])
                self.emit(ctx, "file", "edited" if path in ctx.scaffold else "written", path, written / total,
                          path=path, size=len(edited.encode()),
                          requirements=sorted({c.requirement for c in by_path[path]}))
        self.emit(ctx, "agent", "completed", f"Wrote {counted(len(ctx.files), 'file', 'files')}" + (
            f", {len(by_path)} of them for the requirements" if by_path else ""), 1.0, files=len(ctx.files))

    def _write_offline(self, ctx: PipelineContext, total: int) -> int:
        written = 0
        with ThreadPoolExecutor(max_workers=ctx.coder_concurrency, thread_name_prefix="coder") as pool:
            for wave in waves(ctx.plan):
                ctx.check_cancelled()
                tasks = [Task(self.name, "file", [], context={"spec": ctx.spec, "path": p.path}) for p in wave]
                for planned, content in zip(wave, pool.map(lambda t: self.ask(ctx, t), tasks), strict=True):
                    self._store(ctx, planned.path, content)
                    written += 1
                    self.emit(ctx, "file", "written", planned.path, written / total, path=planned.path,
                              size=len(content.encode()))
        return written

    def _change(self, ctx: PipelineContext, files: dict[str, str], path: str, changes: list[Change]) -> str:
        """The file at `path` after the model's edits for `changes` (all for this one file)."""
        ctx.check_cancelled()
        current = files.get(path)
        requirements = [r for r in ctx.spec.requirements if r.id in {c.requirement for c in changes}]
        others = [c for c in ctx.changes if c.path != path]
        system = ("You are a senior engineer implementing requirements on top of a working, tested scaffold. "
                  "Change only what the requirement needs, keep every existing name, route and behaviour that "
                  "other files or the existing tests rely on, and write complete, working code (no placeholders). "
                  "Tests are written separately: do not write tests. " + FORMAT_HELP)
        user = "\n".join([
            f"Spec: {ctx.spec.model_dump_json(exclude={'requirements'})}",
            *(f"Requirement {r.id}: {r.title}. {r.detail}\nAcceptance: " + "; ".join(r.acceptance)
              for r in requirements),
            *(f"Change: {c.action} {c.path}: {c.purpose} (exposes: {', '.join(c.exposes) or '-'})" for c in changes),
            "Other planned changes, made at the same time:",
            *(f"- {c.action} {c.path}: {c.purpose} (exposes: {', '.join(c.exposes) or '-'})" for c in others),
            "Related files:", related_files(files, path, CONTEXT_BUDGET),
            f"The file to change, {path}:" if current is not None else f"Create the new file {path}.",
            current or "",
        ])
        task = Task(self.name, "edit", [{"role": "system", "content": system}, {"role": "user", "content": user}],
                    context={"spec": ctx.spec, "path": path, "changes": changes})

        def accept(answer: str) -> str:
            edits = parse_edits(answer)
            stray = sorted({e.path for e in edits} - {path})
            if stray:
                raise ValueError(f"this answer may only change {path}; other files ({', '.join(stray)}) have "
                                 "their own planned changes")
            return apply_edits(files, edits, protected=ctx.frozen.protected, code_only=True)[path]

        return ask_until_valid(self, ctx, task, accept)

    def _store(self, ctx: PipelineContext, path: str, content: str) -> None:
        size = len(content.encode())
        if size > MAX_FILE_BYTES:
            raise PipelineError(f"file {path} is {size:,} bytes, more than the limit of {MAX_FILE_BYTES:,}")
        with ctx._lock:
            total = sum(len(c.encode()) for p, c in ctx.files.items() if p != path) + size
            if total > MAX_TOTAL_BYTES:
                raise PipelineError(f"the project would be {total:,} bytes, more than the limit of "
                                    f"{MAX_TOTAL_BYTES:,}")
            ctx.files[path] = content

    def repair(self, ctx: PipelineContext, problems: str) -> list[str]:
        """Ask the model to fix what `problems` describes; returns the paths it changed."""
        if not ctx.provider.is_llm:
            return []
        return repair_project(self, ctx, problems, self._store)


_PY_IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.M)
_TS_IMPORT = re.compile(r"""from\s+['"](\.{1,2}/[^'"]+)['"]""")


def related_files(files: dict[str, str], path: str, budget: int) -> str:
    """The files `path` imports (Python modules of the project, relative TypeScript imports), within `budget`."""
    content = files.get(path, "")
    wanted: list[str] = []
    if path.endswith(".py"):
        root = path.split("app/")[0] if "app/" in path else ""
        for module in _PY_IMPORT.findall(content):
            candidate = root + module.replace(".", "/")
            wanted += [c for c in (candidate + ".py", candidate + "/__init__.py") if c in files]
        wanted += [p for p in (root + "app/models.py", root + "app/schemas.py", root + "app/main.py") if p in files]
    else:
        folder = path.rsplit("/", 1)[0]
        for relative in _TS_IMPORT.findall(content):
            parts = f"{folder}/{relative}".split("/")
            stack: list[str] = []
            for part in parts:
                if part == "..":
                    stack = stack[:-1]
                elif part != ".":
                    stack.append(part)
            base = "/".join(stack)
            wanted += [c for c in (base, base + ".ts", base + ".tsx") if c in files]
    blocks, size = [], 0
    for other in dict.fromkeys(p for p in wanted if p != path):
        block = f"=== {other}\n{files[other]}"
        if size + len(block) <= budget:
            blocks.append(block)
            size += len(block)
    return "\n\n".join(blocks) or "(none)"
