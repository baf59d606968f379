"""Frozen tests: the scaffold's tests and the acceptance tests, which no later step may change, skip or lose.

A job is verified only when every frozen test file is byte-for-byte what it was when frozen, every test
they define ran, and none failed or was skipped. The Tester's reports list each test case it ran; this
module holds the rules that compare them with what was frozen.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

# Files that decide which tests run and how their outcomes are counted: frozen along with the tests.
HARNESS_NAMES = frozenset({"conftest.py", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml",
                           "sitecustomize.py", "usercustomize.py", ".npmrc", "vitest.config.ts",
                           "vitest.config.js", "vitest.config.mts", "vite.config.ts", "vite.config.js",
                           "vite.config.mts", "vitest.workspace.ts"})
TEST_RUNNER_MODULES = ("pytest", "_pytest", "pluggy", "vitest")
_TS_TEST = re.compile(r"\.(test|spec)\.[cm]?[jt]sx?$")
_TS_CASE = re.compile(r"""(?<![.\w])(?:it|test)(\.each\([^)]*\))?\(\s*(['"`])((?:(?!\2).)+)\2""")


def is_test_path(path: str) -> bool:
    pure = PurePosixPath(path)
    name = pure.name
    if name.endswith(".py"):
        return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" \
            or "tests" in pure.parts[:-1]
    return bool(_TS_TEST.search(name)) or "test" in pure.parts[:-1] or "__tests__" in pure.parts[:-1]


_RUNNER_CONFIG = re.compile(r"^\.?(vite|vitest)\.(config|workspace)\.[cm]?[jt]s$")


def is_harness_path(path: str) -> bool:
    """Test settings and interpreter start-up hooks: whoever writes them decides what the tests report."""
    name = PurePosixPath(path).name
    return name in HARNESS_NAMES or name.endswith(".pth") or bool(_RUNNER_CONFIG.match(name))


def digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


@dataclass
class FrozenSuite:
    """What was frozen: each file's digest, the test cases each test file defines, and package.json scripts."""

    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    cases: dict[str, list[str]] = field(default_factory=dict)  # test file -> names of the tests it defines
    scripts: dict[str, str] = field(default_factory=dict)  # package.json path -> digest of its "scripts"

    def freeze(self, files: dict[str, str], paths: Iterable[str]) -> None:
        for path in paths:
            if path not in files:
                continue
            self.files[path] = digest(files[path])
            if is_test_path(path) and PurePosixPath(path).name != "conftest.py":
                self.cases[path] = defined_tests(path, files[path])
        for path, content in files.items():
            if PurePosixPath(path).name == "package.json":
                self.scripts[path] = digest(json.dumps(_scripts(content), sort_keys=True))

    def freeze_tests_of(self, files: dict[str, str]) -> None:
        self.freeze(files, [p for p in files if is_test_path(p) or is_harness_path(p)])

    @property
    def protected(self) -> frozenset[str]:
        return frozenset(self.files)

    def to_dict(self) -> dict[str, object]:
        return {"files": sorted(self.files), "tests": sum(len(v) for v in self.cases.values())}


def defined_tests(path: str, content: str) -> list[str]:
    """The test names a file defines: `test_*` functions and methods of `Test*` classes, or it()/test() titles."""
    if path.endswith(".py"):
        try:
            tree = ast.parse(content)
        except SyntaxError:
            return ["<unparseable>"]
        names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                 and n.name.startswith("test")]
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                names += [f"{node.name}::{m.name}" for m in node.body
                          if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and m.name.startswith("test")]
        return names
    # A table test (it.each) runs once per row under titles made at run time: it is counted, not matched by name.
    return [("${each} " if match.group(1) else "") + match.group(3) for match in _TS_CASE.finditer(content)]


def frozen_problems(suite: FrozenSuite, files: dict[str, str], cases: list[dict[str, str]],
                    ran_roots: Iterable[str] | None = None) -> list[str]:
    """Why the frozen tests do not vouch for this project; empty when every one is intact, ran and passed.

    `cases` are the test cases the checks reported: {"file", "name", "outcome", "message"}; `ran_roots` are the
    folders whose checks ran (a frozen test under a check that was skipped cannot have run, and says nothing)."""
    problems = [f"test or test setting {path} was added after the tests were frozen"
                for path in sorted(files) if (is_test_path(path) or is_harness_path(path)) and path not in suite.files]
    for path, expected in sorted(suite.files.items()):
        if path not in files:
            problems.append(f"frozen file {path} was deleted")
        elif digest(files[path]) != expected:
            problems.append(f"frozen file {path} was changed")
    for path, scripts_digest in suite.scripts.items():
        if path in files and digest(json.dumps(_scripts(files[path]), sort_keys=True)) != scripts_digest:
            problems.append(f"the scripts of {path} were changed (they decide which tests run)")
    by_file: dict[str, list[dict[str, str]]] = {}
    for case in cases:
        by_file.setdefault(case.get("file", ""), []).append(case)
    roots = None if ran_roots is None else [r.strip("/") for r in ran_roots]
    for path, names in sorted(suite.cases.items()):
        if roots is not None and not any(r in ("", ".") or path.startswith(r + "/") for r in roots):
            continue
        ran = by_file.get(path, [])
        problems += [f"frozen test {path}::{case.get('name')} {case.get('outcome')}{_first_line(case)}"
                     for case in ran if case.get("outcome") != "passed"]
        if any("${" in name for name in names):
            # Titles built at run time cannot be matched by name: every one of them must still have run.
            if len(ran) < len(names):
                problems.append(f"frozen tests of {path}: {len(names)} defined, {len(ran)} ran")
            continue
        problems += [f"frozen test {path}::{name} did not run" for name in names
                     if not any(_same_test(case.get("name", ""), name) for case in ran)]
    return problems


def _first_line(case: dict[str, str]) -> str:
    lines = (case.get("message") or "").strip().splitlines()
    return f": {lines[0][:200]}" if lines else ""


def _same_test(reported: str, defined: str) -> bool:
    # pytest reports a parametrised test as name[param]; everything else must match exactly.
    if reported.endswith("]") and "[" in reported:
        reported = reported[:reported.index("[")]
    return reported == defined


def _scripts(package_json: str) -> dict[str, object]:
    try:
        data = json.loads(package_json)
    except ValueError:
        return {"<unparseable>": package_json[:200]}
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return scripts if isinstance(scripts, dict) else {}
