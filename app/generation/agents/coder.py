"""Coder: writes every file of the plan, independent files concurrently; repairs files when checks fail."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel, Field

from app.generation.agents import register_agent
from app.generation.agents.base import Agent, PipelineContext, PipelineError, PlannedFile, schema_prompt, strip_fences
from app.generation.paths import UnsafePath, safe_relative_path
from app.generation.providers import Task

MAX_FILE_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024
MAX_REPAIR_FILES = 8


class RepairedFile(BaseModel):
    path: str
    content: str


class RepairAnswer(BaseModel):
    files: list[RepairedFile] = Field(default_factory=list)


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
        self.emit(ctx, "agent", "started", f"Writing {len(ctx.plan)} files")
        reference = {f.path: f.content for f in ctx.template.render(ctx.spec)} if ctx.provider.is_llm else {}
        written = 0
        with ThreadPoolExecutor(max_workers=ctx.coder_concurrency, thread_name_prefix="coder") as pool:
            for wave in waves(ctx.plan):
                ctx.check_cancelled()
                for planned, content in zip(wave, pool.map(lambda p: self._write(ctx, p, reference), wave),
                                            strict=True):
                    self._store(ctx, planned.path, content)
                    written += 1
                    self.emit(ctx, "file", "written", planned.path, written / max(1, len(ctx.plan)),
                              path=planned.path, size=len(content.encode()))
        self.emit(ctx, "agent", "completed", f"Wrote {written} files", 1.0, files=written)

    def _write(self, ctx: PipelineContext, planned: PlannedFile, reference: dict[str, str]) -> str:
        task = Task(self.name, "file", self._file_messages(ctx, planned, reference.get(planned.path, "")),
                    context={"spec": ctx.spec, "path": planned.path})
        text = self.ask(ctx, task)
        return strip_fences(text) + "\n" if ctx.provider.is_llm else text

    def _store(self, ctx: PipelineContext, path: str, content: str) -> None:
        size = len(content.encode())
        if size > MAX_FILE_BYTES:
            raise PipelineError(f"file {path} is {size:,} bytes, more than the limit of {MAX_FILE_BYTES:,}")
        total = sum(len(c.encode()) for p, c in ctx.files.items() if p != path) + size
        if total > MAX_TOTAL_BYTES:
            raise PipelineError(f"the project would be {total:,} bytes, more than the limit of {MAX_TOTAL_BYTES:,}")
        ctx.files[path] = content

    def _file_messages(self, ctx: PipelineContext, planned: PlannedFile, reference: str) -> list[dict[str, str]]:
        spec = ctx.spec
        system = ("You are a senior engineer writing one file of a generated project. Answer with only the "
                  "complete file content, no explanations and no code fences. Keep every name, route and "
                  "import that other files rely on; the project's own tests must pass.")
        user = (f"Project: {spec.name} ({spec.template_id})\nDescription: {spec.description or '-'}\n"
                f"Spec: {spec.model_dump_json()}\nFile: {planned.path}\nPurpose: {planned.purpose}\n"
                f"Depends on: {', '.join(planned.depends_on) or 'nothing'}\n"
                f"A working reference version of this file:\n{reference}")
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def repair(self, ctx: PipelineContext, problems: str) -> list[str]:
        """Ask the model to fix the files behind `problems`; returns the paths it changed."""
        if not ctx.provider.is_llm:
            return []
        self.emit(ctx, "agent", "repairing", f"Repair round {ctx.repair_round}: fixing what failed")
        suspects = [p for p in ctx.files if p in problems][:MAX_REPAIR_FILES] or list(ctx.files)[:MAX_REPAIR_FILES]
        system = ("You fix generated projects. Given the failing output and the files, answer with only a JSON "
                  "object matching this JSON schema, listing the complete new content of each file you change: "
                  + schema_prompt(RepairAnswer))
        user = f"Failures:\n{problems[-6000:]}\n\nFiles:\n" + json.dumps({p: ctx.files[p] for p in suspects})
        answer = self.ask_json(ctx, Task(self.name, "repair", [{"role": "system", "content": system},
                                                                {"role": "user", "content": user}],
                                         context={"problems": problems}, schema=RepairAnswer))
        changed: list[str] = []
        for repaired in answer.files:
            try:
                path = safe_relative_path(repaired.path)
            except UnsafePath as exc:
                self.emit(ctx, "log", "refused", f"Refused a repaired file: {exc}")
                continue
            self._store(ctx, path, repaired.content)
            changed.append(path)
            self.emit(ctx, "file", "rewritten", path, 1.0, path=path, size=len(repaired.content.encode()))
        return changed
