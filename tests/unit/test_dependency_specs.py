"""Installs take packages by name and version only: no pip options, URLs or npm git/file specs, no lock file
that fetches from anywhere but the registry; a lock file is used only while it matches package.json."""

import json

import pytest

from app.generation.sandbox.lockfiles import package_lock_matches
from app.generation.sandbox.specs import package_json_problem, package_lock_problem, requirements_problem


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


def lock(**packages):
    return json.dumps({"lockfileVersion": 3, "packages": {"": {"dependencies": {"react": "^19.2.0"}}, **packages}})


def test_a_lock_file_from_the_registry_passes_and_one_that_leads_elsewhere_is_refused():
    react = {"version": "19.2.0", "resolved": "https://registry.npmjs.org/react/-/react-19.2.0.tgz"}
    assert package_lock_problem(lock(**{"node_modules/react": react})) is None
    mirror = {**react, "resolved": "https://npm.example.com/react/-/react-19.2.0.tgz"}
    assert package_lock_problem(lock(**{"node_modules/react": mirror}), ["https://npm.example.com"]) is None
    for entry in ({**react, "resolved": "http://127.0.0.1:5432/x.tgz"}, {**react, "resolved": "file:../evil"},
                  {**react, "resolved": "https://registry.npmjs.org.evil.com/x.tgz"}, {"link": True}):
        assert "is not from the registry" in package_lock_problem(lock(**{"node_modules/react": entry}))
    assert "no packages" in package_lock_problem(json.dumps({"lockfileVersion": 1, "dependencies": {}}))


def test_a_lock_file_matches_package_json_only_with_the_same_root_dependencies():
    package = {"name": "app", "dependencies": {"react": "^19.2.0"}, "devDependencies": {}}
    assert package_lock_matches(json.dumps(package), lock())
    changed = {**package, "devDependencies": {"vite": "^8.0.0"}}
    assert not package_lock_matches(json.dumps(changed), lock())
    assert not package_lock_matches(json.dumps(package), json.dumps({"lockfileVersion": 1, "dependencies": {}}))
    assert not package_lock_matches(json.dumps(package), "{not json")
