"""Installs take packages by name and version only: no pip options, URLs or npm git/file specs."""

import json

import pytest

from app.generation.sandbox.specs import package_json_problem, requirements_problem


def test_plain_requirements_pass():
    assert requirements_problem("fastapi>=0.115,<1\n# tests\npytest>=8 ; python_version >= '3.9'  # ok\n") is None


@pytest.mark.parametrize(("text", "reason"), [
    ("--no-binary evil\nevil==1", "pip options"),
    ("-r http://127.0.0.1:8000/secret", "pip options"),
    ("--index-url http://127.0.0.1/simple", "pip options"),
    ("evil @ https://example.com/evil.tar.gz", "direct URLs"),
    ("not a requirement!!", "line 1"),
])
def test_requirements_that_reach_beyond_the_registry_are_refused(text, reason):
    assert reason in requirements_problem(text)


def test_package_json_ranges_pass_and_other_specs_are_refused():
    ok = {"dependencies": {"react": "^19.2.0"}, "devDependencies": {"vite": "~8.0.0", "x": "latest", "y": "1.x || 2"}}
    assert package_json_problem(json.dumps(ok)) is None
    for spec in ("git+https://github.com/x/y.git", "file:../evil", "https://x/y.tgz", "github:x/y", "npm:evil@1"):
        assert "not a registry version range" in package_json_problem(json.dumps({"dependencies": {"a": spec}}))
