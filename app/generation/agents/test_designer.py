"""The test designer, the Tester's first half: acceptance tests written from the requirements alone.

It sees the requirements, the spec and how the scaffold's own tests are set up (their fixtures and one
example), never the code that will implement them, and it writes before that code exists (as AgentCoder
separates its test designer from its programmer). Its tests are frozen the moment they are accepted.
"""

from __future__ import annotations

import ast
import re
from concurrent.futures import ThreadPoolExecutor

from app.generation.agents.base import Agent, PipelineContext, ask_until_valid
from app.generation.edits import FORMAT_HELP, apply_edits, parse_edits
from app.generation.frozen import defined_tests, is_test_path
from app.generation.project_templates import Check
from app.generation.project_templates.spec import Requirement
from app.generation.providers import Task

_SKIPS = re.compile(r"pytest\.(mark\.)?(skip|xfail)|importorskip|\.(skip|todo|only)\(|\bxit\(|\bxtest\(")


class TestDesigner(Agent):
    """Not a pipeline step of its own: it reports as the Tester, whose first half it is."""

    name = "tester"
    progress_range = (20, 22)

    def run(self, ctx: PipelineContext) -> None:
        todo = [r for r in ctx.spec.requirements if not any(_belongs(path, r) for path in ctx.scaffold)]
        if not todo:
            return
        self.emit(ctx, "log", "designing", f"Writing acceptance tests for {len(todo)} requirement(s) from the "
                  "requirements alone, before the code")
        with ThreadPoolExecutor(max_workers=ctx.coder_concurrency, thread_name_prefix="test-designer") as pool:
            written = list(pool.map(lambda r: self._design(ctx, r), todo))
        for files in written:
            for path, content in files.items():
                ctx.scaffold[path] = content
                self.emit(ctx, "file", "written", path, 1.0, path=path, size=len(content.encode()), frozen=True)
        ctx.frozen.freeze(ctx.scaffold, [path for files in written for path in files])
        tests = sum(len(ctx.frozen.cases.get(p, [])) for files in written for p in files)
        self.emit(ctx, "test", "designed", f"{tests} acceptance tests written and frozen", 1.0,
                  data=ctx.frozen.to_dict())

    def _design(self, ctx: PipelineContext, requirement: Requirement) -> dict[str, str]:
        check = _check_for(ctx, requirement)
        target = _target(check, requirement)
        task = Task(self.name, "tests", self._messages(ctx, requirement, check, target),
                    context={"spec": ctx.spec, "requirement": requirement, "path": target})
        return ask_until_valid(self, ctx, task, lambda answer: self._accept(ctx, answer, check, target))

    def _accept(self, ctx: PipelineContext, answer: str, check: Check, target: str) -> dict[str, str]:
        edits = parse_edits(answer)
        wrong = [e.path for e in edits if e.path != target]
        if wrong:
            raise ValueError(f"write exactly one new file, {target}; not {', '.join(wrong)}")
        files = apply_edits(ctx.scaffold, edits, protected=ctx.frozen.protected)
        content = files[target]
        if target.endswith(".py"):
            try:
                ast.parse(content)
            except SyntaxError as exc:
                raise ValueError(f"{target} does not parse: line {exc.lineno}: {exc.msg}") from None
        if not defined_tests(target, content):
            raise ValueError(f"{target} defines no test (test_* functions, or it()/test() calls)")
        if _SKIPS.search(content):
            raise ValueError("acceptance tests may not be skipped, marked xfail, todo or only")
        return files

    def _messages(self, ctx: PipelineContext, requirement: Requirement, check: Check,
                  target: str) -> list[dict[str, str]]:
        root = "" if check.root == "." else check.root + "/"
        harness = {p: c for p, c in ctx.scaffold.items() if p.startswith(root) and is_test_path(p)}
        setup = {p: c for p, c in harness.items() if p.endswith(("conftest.py", "helpers.ts", "setup.ts"))}
        example = next((c for p, c in sorted(harness.items()) if p not in setup and p.endswith((".py", ".tsx"))), "")
        if check.kind == "python":
            how = ("Write pytest tests that exercise the API through the fixtures of conftest.py (`client` is "
                   "signed in when the project has auth, `anonymous_client` is not), checking status codes and "
                   "JSON bodies exactly as the criteria say. Create the data a test needs through the API.")
        else:
            how = ("Write Vitest + Testing Library tests in the style of the example, rendering the app's "
                   "components and checking what a person sees and does, with the helpers of the test setup.")
        system = (f"You design acceptance tests before the code exists. {how} One test per acceptance "
                  "criterion at least; never skip a test. You do not see the implementation: rely only on the "
                  "requirement, the spec and the test setup. " + FORMAT_HELP)
        user = (f"Requirement {requirement.id}: {requirement.title}\n{requirement.detail}\nAcceptance criteria:\n"
                + "\n".join(f"- {c}" for c in requirement.acceptance)
                + f"\n\nSpec: {ctx.spec.model_dump_json(exclude={'requirements'})}\n\nTest setup:\n"
                + "\n\n".join(f"=== {p}\n{c}" for p, c in setup.items())
                + f"\n\nAn existing test, for style:\n{example[:6000]}\n\nCreate the file {target}.")
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _check_for(ctx: PipelineContext, requirement: Requirement) -> Check:
    wanted = "node" if requirement.kind == "ui" else "python"
    checks = ctx.template.checks
    return next((c for c in checks if c.kind == wanted), checks[0])


def _target(check: Check, requirement: Requirement) -> str:
    root = "" if check.root == "." else check.root + "/"
    number = requirement.id[1:]
    if check.kind == "python":
        return f"{root}tests/test_acceptance_r{number}.py"
    return f"{root}src/acceptance/r{number}.test.tsx"


def _belongs(path: str, requirement: Requirement) -> bool:
    """Whether `path` is the acceptance test file of `requirement` (an improvement keeps its parent's)."""
    number = requirement.id[1:]
    return path.endswith((f"tests/test_acceptance_r{number}.py", f"src/acceptance/r{number}.test.tsx"))


def requirement_of(path: str) -> str | None:
    """The requirement an acceptance test file belongs to, from its name."""
    match = re.search(r"(?:test_acceptance_r|acceptance/r)(\d+)", path)
    return f"R{match.group(1)}" if match else None
