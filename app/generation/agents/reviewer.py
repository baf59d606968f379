"""Reviewer: static checks on every file and, with a model, a code review whose findings carry a severity.

Static errors stop the checks and go to the repair. The model's findings are advice: its errors go into the
repair prompt when a repair happens, and a review call that fails (an error, an answer that never fits) is
reported and skipped — it never fails a job.
"""

from __future__ import annotations

import ast
import re
from typing import Literal

from pydantic import BaseModel, Field

from app.generation.agents import register_agent
from app.generation.agents.base import Agent, Finding, PipelineContext, PipelineError, counted, schema_prompt
from app.generation.frozen import TEST_RUNNER_MODULES, is_harness_path, is_test_path
from app.generation.paths import UnsafePath, check_unique
from app.generation.providers import ProviderError, Task
from app.generation.static_checks import check_files

REVIEW_CHAR_BUDGET = 24_000


class ReviewFinding(BaseModel):
    path: str
    severity: Literal["error", "warning"] = "warning"
    message: str


class ReviewAnswer(BaseModel):
    findings: list[ReviewFinding] = Field(default_factory=list)


@register_agent
class Reviewer(Agent):
    name = "reviewer"
    progress_range = (60, 70)

    def run(self, ctx: PipelineContext) -> None:
        assert ctx.template is not None
        self.emit(ctx, "agent", "started", f"Checking {counted(len(ctx.files), 'file', 'files')}")
        roots = [c.root for c in ctx.template.checks if c.kind == "python"]
        ctx.findings = [Finding(path, "error", problem) for path, problem in check_files(ctx.files, roots)]
        ctx.findings += _test_runner_guards(ctx)
        try:
            check_unique(list(ctx.files))
        except UnsafePath as exc:
            ctx.findings.append(Finding(".", "error", str(exc)))
        if ctx.provider.is_llm and ctx.repair_round == 0:
            ctx.findings += self._model_review(ctx)
        for finding in ctx.findings:
            self.emit(ctx, "review", finding.severity, f"{finding.path}: {finding.message}", 0.8,
                      data=finding.to_dict())
        errors = sum(f.severity == "error" and f.source == "static" for f in ctx.findings)
        advice = len(ctx.findings) - errors
        summary = (f"{counted(len(ctx.files), 'file', 'files')} checked: {counted(errors, 'error', 'errors')}, "
                   f"{counted(advice, 'model finding or warning', 'model findings or warnings')}")
        self.emit(ctx, "agent", "completed" if not errors else "failed", summary, 1.0, errors=errors,
                  warnings=advice)

    def _model_review(self, ctx: PipelineContext) -> list[Finding]:
        excerpt, size = {}, 0
        for path, content in sorted(ctx.files.items(), key=lambda item: (is_test_path(item[0]), item[0])):
            if size + len(content) > REVIEW_CHAR_BUDGET:
                continue
            excerpt[path], size = content, size + len(content)
        system = ("You review generated code. Report only real defects (bugs, security problems, broken imports, "
                  "a requirement not implemented), at most ten, each with severity \"error\" (it breaks "
                  "something) or \"warning\". Answer with only a JSON object matching this JSON schema: "
                  + schema_prompt(ReviewAnswer))
        requirements = "\n".join(f"{r.id}: {r.title}" for r in ctx.spec.requirements) if ctx.spec else ""
        spec = ctx.spec.model_dump_json(exclude={"requirements"}) if ctx.spec else "{}"
        user = (f"Spec: {spec}\nRequirements:\n{requirements or '-'}\n\n"
                + "\n\n".join(f"=== {path}\n{content}" for path, content in excerpt.items()))
        task = Task(self.name, "review", [{"role": "system", "content": system}, {"role": "user", "content": user}],
                    schema=ReviewAnswer)
        try:
            answer = self.ask_json(ctx, task)
        except (ProviderError, PipelineError) as exc:
            self.emit(ctx, "log", "skipped", f"The model's review was skipped: {exc}", 0.5)
            return []
        return [Finding(f.path[:240], f.severity, f.message[:500], source="llm") for f in answer.findings[:10]]


def _test_runner_guards(ctx: PipelineContext) -> list[Finding]:
    """Code a model wrote may not reach the test runner: it runs in the same process and could forge what the
    frozen tests report. Static checks catch the ways an honest or careless model would; a model bent on
    cheating in-process cannot be stopped by reading its code (docs/security.md says so)."""
    findings = []
    for path, content in ctx.files.items():
        if is_test_path(path) or is_harness_path(path) or ctx.scaffold.get(path) == content:
            continue
        reason = _python_reach(content) if path.endswith(".py") else \
            _script_reach(content) if path.endswith((".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")) else None
        if reason:
            findings.append(Finding(path, "error", f"{reason}; only tests may touch the test runner"))
    return findings


_RUNNER_MODULES = frozenset({*TEST_RUNNER_MODULES, "atexit", "importlib"})
_DYNAMIC = frozenset({"__import__", "import_module", "_exit", "modules"})


def _python_reach(source: str) -> str | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None  # the static checks report it
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            hit = next((n for n in names if n.split(".")[0] in _RUNNER_MODULES), None)
            if hit:
                return f"imports {hit}"
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in _DYNAMIC:
                return f"uses {name} (dynamic imports and sys.modules are not allowed in generated code)"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                marker in node.value for marker in ("_pytest", "pytest", "junit", ".codegen-reports")):
            return f"names the test runner or its report ({node.value[:40]!r})"
    return None


_SCRIPT_REACH = re.compile(r"""from\s+["']vitest|import\(\s*["']vitest|import\.meta\.vitest|__vitest|"""
                           r"""\bimport\(\s*[^"'`\s)]|process\.(?:on|exit|once)\b|MODE\s*===?\s*["']test""")


def _script_reach(source: str) -> str | None:
    match = _SCRIPT_REACH.search(source)
    return f"reaches the test runner ({match.group(0)!r})" if match else None
