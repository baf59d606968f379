"""Reading a check's own report (pytest's JUnit XML, Vitest's JSON) into counts and one entry per test case."""

from __future__ import annotations

import json
import posixpath
import xml.etree.ElementTree as ET
from typing import Any

MESSAGE_LINES = 5
MESSAGE_CHARS = 600

Case = dict[str, str]  # {"file": project-relative path, "name", "outcome": passed|failed|skipped|error, "message"}


def _first_lines(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return "\n".join(lines[:MESSAGE_LINES])[:MESSAGE_CHARS]


def _project_path(root: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(root, path)) if root not in ("", ".") else posixpath.normpath(path)
    return joined.lstrip("/")


def junit_results(data: bytes | None, root: str) -> tuple[int, int, list[Case]]:
    """(passed, failed, cases) from pytest's --junitxml report; failed counts failures and errors."""
    if not data:
        return 0, 0, []
    try:
        # The run wrote this file, so it is hostile input: expat >= 2.4 bounds entity expansion, read_output
        # bounds its size, and ElementTree resolves no external entities.
        tree = ET.fromstring(data)  # noqa: S314
    except ET.ParseError:
        return 0, 0, []
    suites = [tree] if tree.tag == "testsuite" else tree.findall("testsuite")
    total = sum(_int(s.get("tests")) for s in suites)
    failed = sum(_int(s.get("failures")) + _int(s.get("errors")) for s in suites)
    skipped = sum(_int(s.get("skipped")) for s in suites)
    cases = [_junit_case(case, root) for suite in suites for case in suite.iter("testcase")]
    return max(0, total - failed - skipped), failed, cases


def _junit_case(case: ET.Element, root: str) -> Case:
    outcome, message = "passed", ""
    for tag, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        found = case.find(tag)
        if found is not None:
            outcome, message = name, _first_lines(found.get("message") or found.text)
            break
    classname = case.get("classname", "")
    file = case.get("file") or _module_file(classname)
    # A method is named with its class (TestLogin::test_ok), as the frozen suite names it: one class's test
    # cannot stand in for another's.
    classes = [part for part in classname.split(".") if part[:1].isupper()]
    name = "::".join([*classes, case.get("name", "")])
    return {"file": _project_path(root, file) if file else "", "name": name, "outcome": outcome, "message": message}


def _module_file(classname: str) -> str:
    """tests.test_auth.TestLogin → tests/test_auth.py (the module part is the lowercase dotted prefix)."""
    parts = [p for p in classname.split(".") if p]
    while parts and parts[-1][:1].isupper():
        parts.pop()
    return "/".join(parts) + ".py" if parts else ""


def vitest_results(data: bytes | None, root: str, inside_root: str) -> tuple[int, int, list[Case]]:
    """(passed, failed, cases) from Vitest's JSON reporter; file names are made relative to the project."""
    if not data:
        return 0, 0, []
    try:
        report: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return 0, 0, []
    if not isinstance(report, dict):
        return 0, 0, []
    cases: list[Case] = []
    prefix = inside_root.rstrip("/") + "/"
    for result in report.get("testResults") or []:
        if not isinstance(result, dict):
            continue
        name = str(result.get("name", ""))
        file = _project_path(root, name[len(prefix):]) if name.startswith(prefix) else name.lstrip("/")
        for assertion in result.get("assertionResults") or []:
            if not isinstance(assertion, dict):
                continue
            status = str(assertion.get("status", ""))
            outcome = {"passed": "passed", "failed": "failed"}.get(status, "skipped")
            messages = assertion.get("failureMessages") or []
            # The title alone, as the frozen suite reads it from the test file's it()/test() calls.
            cases.append({"file": file, "name": str(assertion.get("title") or assertion.get("fullName", "")),
                          "outcome": outcome,
                          "message": _first_lines(str(messages[0])) if messages and outcome == "failed" else ""})
    return _int(report.get("numPassedTests")), _int(report.get("numFailedTests")), cases


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
