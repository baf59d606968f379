"""Running a project's own checks as the Tester and `codegen check` do: installs, then pytest or npm, isolated.

A project that configures a linter (ruff in requirements.txt, a `lint` script in package.json) is linted as its CI
would: the lint is one more case of the check, so "verified" means its CI would be green. Lint runs after the
test report is read, so a linter's config (eslint.config.js is code) cannot change what the tests reported."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.generation.agents.base import CheckResult
from app.generation.project_templates import Check
from app.generation.sandbox.dependencies import DependencyCache, node_mounts, python_mounts
from app.generation.sandbox.isolation import RW_INSIDE, Limits, RunResult, probe, read_output, run_isolated
from app.generation.sandbox.lockfiles import (
    LOCK_LIMIT,
    PACKAGE_LOCK,
    REQUIREMENTS_LOCK,
    package_lock_matches,
    pinned_requirements,
    recorded_package_lock,
)
from app.generation.sandbox.reports import junit_results, vitest_results
from app.generation.sandbox.specs import package_json_problem, package_lock_problem, requirements_problem
from app.generation.sandbox.unisolated import host_env, link_tree, run_unisolated

CHECK_LIMITS = Limits(wall_s=300, cpu_s=600, memory_mb=2048, processes=256, file_mb=256, disk_mb=1024, tmp_mb=256)
REPORTS = ".codegen-reports"  # inside the project's private copy: the only place a check can write

# A package in requirements.txt may declare a pytest plugin (an entry point pytest would load by itself) that
# rewrites how tests are reported: only plugins the project names explicitly (-p, conftest.py) may load.
NO_PLUGIN_AUTOLOAD = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

_RUFF = re.compile(r"^ruff\b", re.IGNORECASE | re.MULTILINE)  # a requirements.txt line naming ruff

Log = Callable[[str, str], None]  # (status, message): "installing" / "running" steps as they start


@dataclass(frozen=True)
class Isolation:
    """How a job's checks may run: `isolated`, unisolated (`isolated=False`), or not at all (`refusal`)."""

    isolated: bool
    refusal: str = ""
    warning: str = ""


def choose_isolation(*, model_written: bool, allow_unisolated: bool) -> Isolation:
    """Fail closed: without a sandbox, model-written code runs only when the operator said so explicitly."""
    status = probe()
    if status.available:
        return Isolation(True)
    if not model_written:
        return Isolation(False, warning=f"no sandbox ({status.reason}): running the project template's own "
                                        "checks unisolated (the code is ours, no model wrote it)")
    if allow_unisolated:
        return Isolation(False, warning=f"no sandbox ({status.reason}): running model-written checks "
                                        "UNISOLATED because CODEGEN_UNISOLATED_CHECKS=1")
    return Isolation(False, refusal=f"checks not run: no sandbox ({status.reason})")


def check_name(check: Check) -> str:
    return f"{check.kind} ({check.root})" if check.root != "." else check.kind


class _Site:
    """Where a check's commands run: the project's private copy, seen at /job inside the sandbox or as is."""

    def __init__(self, project: Path, isolated: bool, limits: Limits, home: Path) -> None:
        self.project, self.isolated, self.limits, self.home = project, isolated, limits, home

    def path(self, relative: str) -> str:
        relative = relative.strip("/") if relative not in (".", "") else ""
        base = RW_INSIDE if self.isolated else str(self.project)
        return f"{base}/{relative}" if relative else base

    def run(self, argv: Sequence[str], root: str, env: Mapping[str, str], binds: Sequence[tuple[Path, str]] = (),
            tmpfs: Sequence[str] = ()) -> RunResult:
        if self.isolated:
            return run_isolated(argv, rw=self.project, cwd=self.path(root), ro_binds=binds, env=env,
                                limits=self.limits, tmpfs=tmpfs)
        return run_unisolated(argv, cwd=self.project / root, env=env, limits=self.limits)

    def python(self, env_dir: Path, args: Sequence[str], root: str) -> RunResult:
        if self.isolated:
            binds, env = python_mounts(env_dir)
            return self.run(["python", *args], root, {**env, "CI": "true", **NO_PLUGIN_AUTOLOAD}, binds)
        env = host_env(self.home, [env_dir / "bin"], VIRTUAL_ENV=str(env_dir), **NO_PLUGIN_AUTOLOAD)
        return self.run([str(env_dir / "bin" / "python"), *args], root, env)

    def npm(self, deps_dir: Path, args: Sequence[str], root: str) -> RunResult:
        if self.isolated:
            binds, tmpfs, env = node_mounts(deps_dir, self.path(root))
            return self.run(["npm", *args], root, env, binds, tmpfs)
        modules = self.project / root / "node_modules"
        if not modules.exists():
            link_tree(deps_dir / "node_modules", modules)
        return self.run(["npm", *args], root, host_env(self.home, [modules / ".bin"]))


def run_checks(project_dir: Path, checks: Sequence[Check], cache_dir: Path, *, log: Log,
               is_cancelled: Callable[[], bool] = lambda: False, isolated: bool = True,
               limits: Limits = CHECK_LIMITS, on_result: Callable[[CheckResult], None] | None = None,
               ) -> list[CheckResult]:
    """Run each check in `project_dir` (a private copy: checks write into it); stop early when cancelled."""
    cache = DependencyCache(cache_dir, isolated=isolated)
    results: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix="codegen-home-") as home:
        site = _Site(project_dir, isolated, limits, Path(home))
        for check in checks:
            if is_cancelled():
                break
            _fresh_reports(project_dir)
            runner = _python if check.kind == "python" else _node
            result = runner(site, check, cache, log)
            results.append(result)
            if on_result:
                on_result(result)
    return results


def _fresh_reports(project_dir: Path) -> None:
    """An empty reports folder; an earlier run may have left a link there, which is removed, never followed."""
    folder = project_dir / REPORTS
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir()


def _failed(name: str, output: str, run: RunResult | None = None) -> CheckResult:
    return CheckResult(name, failed=1, output=output, duration_s=run.duration_s if run else 0.0,
                       reason=run.reason if run else "")


def _read_text(site: _Site, relative: str, limit: int = 2 * 2**20) -> str | None:
    data = read_output(site.project, relative, limit=limit)
    return None if data is None else data.decode(errors="replace")


def _python(site: _Site, check: Check, cache: DependencyCache, log: Log) -> CheckResult:
    name, root = check_name(check), check.root
    requirements = _read_text(site, f"{root}/requirements.txt")
    if requirements is None:
        return _failed(name, f"{root}/requirements.txt is missing")
    if problem := requirements_problem(requirements):
        return _failed(name, f"{root}/{problem}")
    log("installing", f"Preparing a Python environment from {root}/requirements.txt")
    env_dir, install = cache.python_env(requirements)
    if env_dir is None:
        return _failed(name, "pip install -r requirements.txt failed:\n" + (install.output if install else ""),
                       install)
    report = f"{REPORTS}/junit-{_slug(root)}.xml"
    log("running", f"pytest in {root}")
    run = site.python(env_dir, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "junit_family=xunit1",
                                f"--junitxml={site.path(report)}"], root)
    data = read_output(site.project, report)
    passed, failed, cases = junit_results(data, root)
    failed = failed if data else max(failed, 1)
    pins = pinned_requirements(env_dir)  # always re-recorded: the installer reads requirements.txt, never this
    result = CheckResult(name, passed, failed, ok=run.ok and failed == 0 and passed > 0, output=run.output,
                         duration_s=run.duration_s, cases=cases, reason=run.reason,
                         lockfiles={_in_root(root, REQUIREMENTS_LOCK): pins} if pins else {})
    if _RUFF.search(requirements):
        log("running", f"ruff check in {root}")
        _add_lint(result, root, "ruff check",
                  site.python(env_dir, ["-m", "ruff", "check", "--no-cache", "--output-format=concise", "."], root))
    return result


def _node(site: _Site, check: Check, cache: DependencyCache, log: Log) -> CheckResult:
    name, root = check_name(check), check.root
    if not (shutil.which("node") and shutil.which("npm")):
        return CheckResult(name, skipped="Node.js is not installed here: install nodejs and npm to verify front ends")
    package_json = _read_text(site, f"{root}/package.json")
    if package_json is None:
        return _failed(name, f"{root}/package.json is missing")
    if problem := package_json_problem(package_json):
        return _failed(name, f"{root}/{problem}")
    lockfile = _read_text(site, _in_root(root, PACKAGE_LOCK), limit=LOCK_LIMIT)
    if lockfile is not None:
        registries = [v for k, v in cache.env.items() if k.lower() == "npm_config_registry"]
        why = package_lock_problem(lockfile, registries) or (
            None if package_lock_matches(package_json, lockfile) else
            "its dependencies differ from package.json's, so npm ci would refuse it")
        if why:
            log("installing", f"{_in_root(root, PACKAGE_LOCK)} set aside ({why}): installing from package.json "
                              "and recording a new one")
            lockfile = None
    log("installing", f"Preparing node_modules from {root}/package.json")
    deps_dir, install = cache.node_modules(package_json, lockfile)
    if deps_dir is None:
        return _failed(name, "npm install failed:\n" + (install.output if install else ""), install)
    log("running", f"npm run build in {root}")
    build = site.npm(deps_dir, ["run", "build"], root)
    if not build.ok:
        return _failed(name, "npm run build failed:\n" + build.output, build)
    report = f"{REPORTS}/vitest-{_slug(root)}.json"
    log("running", f"npm test in {root}")
    test = site.npm(deps_dir, ["test", "--", "--reporter=default", "--reporter=json",
                               f"--outputFile.json={site.path(report)}"], root)
    data = read_output(site.project, report)
    passed, failed, cases = vitest_results(data, root, site.path(root))
    failed = failed if data else max(failed, 1)
    # A project installed with `npm ci` already has the lock file it was verified with; otherwise npm wrote one.
    recorded = None if lockfile is not None else recorded_package_lock(deps_dir)
    result = CheckResult(name, passed, failed, ok=test.ok and failed == 0 and passed > 0,
                         output=build.output[-2000:] + "\n" + test.output,
                         duration_s=build.duration_s + test.duration_s, cases=cases, reason=test.reason,
                         lockfiles={_in_root(root, PACKAGE_LOCK): recorded} if recorded else {})
    if "lint" in _scripts(package_json):
        log("running", f"npm run lint in {root}")
        _add_lint(result, root, "npm run lint", site.npm(deps_dir, ["run", "lint"], root))
    return result


def _scripts(package_json: str) -> dict[str, object]:
    try:
        scripts = json.loads(package_json).get("scripts")
    except (ValueError, AttributeError):
        return {}
    return scripts if isinstance(scripts, dict) else {}


def _add_lint(result: CheckResult, root: str, command: str, lint: RunResult) -> None:
    """The lint as one more case of the check, with its first findings when it fails: the check passes only if
    the lint does too."""
    lines = [line for line in lint.output.splitlines() if line.strip() and not line.startswith(">")]
    result.cases.append({"file": "" if root in (".", "") else root.strip("/"), "name": f"lint: {command}",
                         "outcome": "passed" if lint.ok else "failed",
                         "message": "" if lint.ok else "\n".join(lines[:5])[:600]})
    result.passed, result.failed = result.passed + lint.ok, result.failed + (not lint.ok)
    result.ok = result.ok and lint.ok
    result.output = f"{result.output}\n{command}:\n{lint.output}"
    result.duration_s += lint.duration_s


def _in_root(root: str, name: str) -> str:
    return name if root in (".", "") else f"{root.strip('/')}/{name}"


def _slug(root: str) -> str:
    return "root" if root in (".", "") else root.strip("/").replace("/", "_")
