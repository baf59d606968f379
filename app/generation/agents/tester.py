"""Tester: runs the generated project's own test suite and build, in environments built from its own deps."""

from __future__ import annotations

import json
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from app.generation.agents import register_agent
from app.generation.agents.base import Agent, CheckResult, PipelineContext
from app.generation.paths import write_tree
from app.generation.project_templates import Check
from app.generation.sandbox import EnvCache, link_tree, run_limited

CHECK_TIMEOUT_S = 300


@register_agent
class Tester(Agent):
    name = "tester"
    progress_range = (70, 95)

    def run(self, ctx: PipelineContext) -> None:
        assert ctx.template is not None
        checks = ctx.template.checks
        self.emit(ctx, "agent", "started", f"Running the project's own checks ({len(checks)})")
        ctx.checks = []
        with tempfile.TemporaryDirectory(prefix="codegen-test-") as work:
            workdir = Path(work)
            write_tree(workdir / "project", {p: c.encode() for p, c in ctx.files.items()})
            (workdir / "home").mkdir()
            cache = EnvCache(ctx.cache_dir or workdir / "cache")
            for number, check in enumerate(checks, start=1):
                ctx.check_cancelled()
                name = f"{check.kind} ({check.root})" if check.root != "." else check.kind
                if not ctx.run_checks:
                    result = CheckResult(name, skipped="checks are turned off for this run")
                elif check.kind == "python":
                    result = self._python(ctx, check, workdir, cache, name)
                else:
                    result = self._node(ctx, check, workdir, cache, name)
                ctx.checks.append(result)
                status = "skipped" if result.skipped else "passed" if result.ok else "failed"
                message = result.skipped or f"{name}: {result.passed} passed, {result.failed} failed"
                self.emit(ctx, "test", status, message, number / len(checks), data=result.to_dict())
        failed = [c for c in ctx.checks if not c.ok and not c.skipped]
        summary = "; ".join(f"{c.name}: {c.skipped or f'{c.passed} passed, {c.failed} failed'}" for c in ctx.checks)
        self.emit(ctx, "agent", "failed" if failed else "completed", summary, 1.0,
                  passed=sum(c.passed for c in ctx.checks), failed=sum(c.failed for c in ctx.checks),
                  verified=ctx.verified)

    def _python(self, ctx, check: Check, workdir: Path, cache: EnvCache, name: str) -> CheckResult:
        root = workdir / "project" / check.root
        requirements = root / "requirements.txt"
        if not requirements.exists():
            return CheckResult(name, failed=1, output=f"{check.root}/requirements.txt is missing")
        self.emit(ctx, "log", "installing", f"Preparing a Python environment from {check.root}/requirements.txt")
        venv, install = cache.python_env(requirements.read_text(), workdir / "home")
        if venv is None:
            return CheckResult(name, failed=1, output="pip install -r requirements.txt failed:\n" + install.output,
                               duration_s=install.duration_s)
        junit = workdir / f"junit-{check.root.replace('/', '_')}.xml"
        env = cache.env(workdir / "home", [venv / "bin"])
        env["VIRTUAL_ENV"] = str(venv)
        self.emit(ctx, "log", "running", f"pytest in {check.root}")
        run = run_limited([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           f"--junitxml={junit}"], root, env, CHECK_TIMEOUT_S)
        passed, failed = _junit_counts(junit)
        if not junit.exists():
            failed = max(failed, 1)
        return CheckResult(name, passed, failed, ok=run.ok and failed == 0 and passed > 0, output=run.output,
                           duration_s=run.duration_s)

    def _node(self, ctx, check: Check, workdir: Path, cache: EnvCache, name: str) -> CheckResult:
        if not (shutil.which("node") and shutil.which("npm")):
            return CheckResult(name, skipped="Node.js is not installed here: install nodejs and npm to verify "
                                             "front ends")
        root = workdir / "project" / check.root
        package_json = root / "package.json"
        if not package_json.exists():
            return CheckResult(name, failed=1, output=f"{check.root}/package.json is missing")
        self.emit(ctx, "log", "installing", f"Preparing node_modules from {check.root}/package.json")
        modules, install = cache.node_modules(package_json.read_text(), workdir / "home")
        if modules is None:
            return CheckResult(name, failed=1, output="npm install failed:\n" + install.output,
                               duration_s=install.duration_s)
        link_tree(modules, root / "node_modules")
        env = cache.env(workdir / "home", [root / "node_modules" / ".bin"])
        self.emit(ctx, "log", "running", f"npm run build in {check.root}")
        build = run_limited(["npm", "run", "build"], root, env, CHECK_TIMEOUT_S)
        if not build.ok:
            return CheckResult(name, failed=1, output="npm run build failed:\n" + build.output,
                               duration_s=build.duration_s)
        report = workdir / f"vitest-{check.root.replace('/', '_')}.json"
        self.emit(ctx, "log", "running", f"npm test in {check.root}")
        test = run_limited(["npm", "test", "--", "--reporter=default", "--reporter=json",
                            f"--outputFile.json={report}"], root, env, CHECK_TIMEOUT_S)
        passed, failed = _vitest_counts(report)
        if not report.exists():
            failed = max(failed, 1)
        return CheckResult(name, passed, failed, ok=test.ok and failed == 0 and passed > 0,
                           output=build.output[-2000:] + "\n" + test.output,
                           duration_s=build.duration_s + test.duration_s)


def _junit_counts(path: Path) -> tuple[int, int]:
    if not path.exists():
        return 0, 0
    root = ET.parse(path).getroot()  # noqa: S314 - written by pytest in our own temporary folder
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - failed - skipped, failed


def _vitest_counts(path: Path) -> tuple[int, int]:
    if not path.exists():
        return 0, 0
    report = json.loads(path.read_text())
    return int(report.get("numPassedTests", 0)), int(report.get("numFailedTests", 0))
