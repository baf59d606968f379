"""Every project template generates offline into a project whose own tests and build pass, for real."""

import io
import json
import os
import shutil
import subprocess
import zipfile

import pytest
from packaging.utils import canonicalize_name

from app.generation.agents import agent_names, get_agent
from app.generation.packaging import build_zip
from app.generation.providers import make_provider
from app.generation.runner import new_context, run_context
from app.settings import load_settings
from tests.helpers import require

ENTITIES = [
    {"name": "Task", "fields": [
        {"name": "title", "type": "str"}, {"name": "notes", "type": "text", "required": False},
        {"name": "done", "type": "bool"}, {"name": "priority", "type": "int"},
        {"name": "estimate", "type": "float", "required": False}, {"name": "due date", "type": "date"},
        {"name": "remind at", "type": "datetime", "required": False}]},
    {"name": "Category", "fields": [{"name": "label", "type": "str"}]},
]


class Events(list):
    def __call__(self, **event):
        self.append(event)


@pytest.fixture(scope="session")
def env_cache(tmp_path_factory):
    """One dependency cache for the whole run, as a service keeps one per machine."""
    return tmp_path_factory.mktemp("envs")


def require_node():
    require(bool(shutil.which("node") and shutil.which("npm")),
            "Node.js and npm are needed: apt-get install nodejs npm")


def generate(template_id, env_cache, tmp_path, *, entities=ENTITIES, features=("auth",), run_checks=True):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path / "instance")}, dotenv=None)
    events = Events()
    request = {"template_id": template_id, "name": "todo-app", "description": "Track tasks by category.",
               "entities": entities, "features": list(features), "options": {"run_checks": run_checks}}
    ctx = new_context("test", request, make_provider("offline"), events, settings)
    ctx.cache_dir = env_cache
    return ctx, run_context(ctx), events


def test_fastapi_backend_project_passes_its_own_tests(env_cache, tmp_path):
    ctx, outcome, events = generate("fastapi-backend", env_cache, tmp_path)

    assert outcome.error is None, outcome.error
    (check,) = ctx.checks
    assert check.ok and check.passed >= 10 and check.failed == 0, check.output
    assert ctx.verified
    started = [e["agent"] for e in events if e["type"] == "agent" and e["status"] == "started"]
    assert started == list(agent_names())


@pytest.mark.node
@pytest.mark.parametrize("template_id", ["react-app", "fullstack-app"])
def test_node_projects_build_and_pass_their_own_tests(template_id, env_cache, tmp_path):
    require_node()

    ctx, outcome, _events = generate(template_id, env_cache, tmp_path)

    assert outcome.error is None, outcome.error
    assert ctx.checks and all(c.ok and c.passed > 0 for c in ctx.checks), [c.output for c in ctx.checks]
    assert ctx.verified


def test_a_repeat_reuses_the_cached_environment(env_cache, tmp_path):
    generate("fastapi-backend", env_cache, tmp_path / "first")
    ctx, outcome, events = generate("fastapi-backend", env_cache, tmp_path / "second")

    assert outcome.error is None
    installing = [e for e in events if e["status"] == "installing"]
    assert installing and ctx.checks[0].duration_s < 60


def test_offline_output_is_byte_identical(env_cache, tmp_path):
    first, _, _ = generate("fullstack-app", env_cache, tmp_path / "a", run_checks=False)
    second, _, _ = generate("fullstack-app", env_cache, tmp_path / "b", run_checks=False)

    assert first.files == second.files
    assert not {"backend/requirements.lock", "frontend/package-lock.json"} & first.files.keys()  # nothing verified
    assert build_zip({p: c.encode() for p, c in first.files.items()}, "x") == \
        build_zip({p: c.encode() for p, c in second.files.items()}, "x")


@pytest.mark.parametrize("template_id", ["react-app", "fastapi-backend", "fullstack-app"])
def test_without_entities_the_planner_uses_a_starter_set_and_says_so(template_id, env_cache, tmp_path):
    ctx, outcome, events = generate(template_id, env_cache, tmp_path, entities=[], run_checks=False)

    assert outcome.error is None
    assert ctx.spec.entities
    assert any("No entities given" in e["message"] for e in events)
    assert "Track tasks by category." in ctx.files["README.md"]


def test_a_broken_requirements_file_is_caught(env_cache, tmp_path):
    ctx, _, _ = generate("fastapi-backend", env_cache, tmp_path, run_checks=False)
    ctx.files["requirements.txt"] += "this-package-does-not-exist-anywhere==9.9.9\n"
    ctx.run_checks = True

    get_agent("tester").run(ctx)

    (check,) = ctx.checks
    assert not check.ok and "pip install" in check.output
    assert not ctx.verified


def test_the_zip_holds_the_project_under_its_name(env_cache, tmp_path):
    ctx, _, _ = generate("fastapi-backend", env_cache, tmp_path, run_checks=False)

    archive = zipfile.ZipFile(io.BytesIO(build_zip({p: c.encode() for p, c in ctx.files.items()}, ctx.spec.slug)))

    assert sorted(archive.namelist()) == sorted(f"todo-app/{p}" for p in ctx.files)


def pins(text):
    return {canonicalize_name(line.split("==")[0]): line.split("==")[1]
            for line in text.splitlines() if line and not line.startswith("#")}


def venv_of(env_cache, requirements):
    (env,) = [d for d in env_cache.glob("py-*") if d.is_dir() and (d / "requirements.txt").read_text() == requirements]
    return env


def test_a_verified_backend_records_the_versions_it_passed_with_and_re_records_them_when_they_change(env_cache,
                                                                                                      tmp_path):
    ctx, outcome, events = generate("fastapi-backend", env_cache, tmp_path)

    assert outcome.error is None and ctx.verified, outcome.error
    locked = pins(ctx.files["requirements.lock"])
    env = venv_of(env_cache, ctx.files["requirements.txt"])
    frozen = subprocess.run([env / "bin" / "python", "-m", "pip", "freeze"], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}).stdout
    assert locked == pins(frozen) and "fastapi" in locked and "pytest" in locked
    assert any(e["status"] == "recorded" and "requirements.lock" in e["message"] for e in events)
    assert "`pip install -r requirements.lock` installs exactly those" in ctx.files["README.md"]

    ctx.files["requirements.txt"] += "six\n"  # a later round adds a dependency
    get_agent("tester").run(ctx)

    assert ctx.verified and "six" in pins(ctx.files["requirements.lock"]) and "six" not in locked


def root_dependencies(lockfile):
    root = json.loads(lockfile)["packages"][""]
    return {key: root.get(key, {}) for key in ("dependencies", "devDependencies")}


@pytest.mark.node
def test_a_verified_front_end_carries_a_package_lock_that_npm_ci_installs(env_cache, tmp_path):
    require_node()
    ctx, outcome, events = generate("react-app", env_cache, tmp_path)

    assert outcome.error is None and ctx.verified, outcome.error
    lockfile, package = ctx.files["package-lock.json"], json.loads(ctx.files["package.json"])
    assert root_dependencies(lockfile) == {key: package.get(key, {}) for key in ("dependencies", "devDependencies")}
    assert any(e["status"] == "recorded" and "package-lock.json" in e["message"] for e in events)
    assert "`npm ci` installs\nexactly those" in ctx.files["README.md"]

    del events[:]
    get_agent("tester").run(ctx)  # the next round installs from the lock file: npm ci

    (check,) = ctx.checks
    assert check.ok and ctx.verified, check.output
    assert ctx.files["package-lock.json"] == lockfile and check.lockfiles == {}
    assert not any(e["status"] == "recorded" for e in events)


@pytest.mark.node
def test_a_front_end_whose_package_json_changed_after_its_lock_file_still_verifies_with_a_new_one(env_cache,
                                                                                                   tmp_path):
    require_node()
    ctx, outcome, events = generate("fullstack-app", env_cache, tmp_path)
    assert outcome.error is None and ctx.verified, outcome.error
    lockfile = ctx.files["frontend/package-lock.json"]
    package = json.loads(ctx.files["frontend/package.json"])
    package["dependencies"]["is-number"] = "^7.0.0"  # a later round adds a dependency, the lock file is inherited
    ctx.files["frontend/package.json"] = json.dumps(package, indent=2) + "\n"

    del events[:]
    get_agent("tester").run(ctx)

    assert ctx.verified, [c.output for c in ctx.checks]
    fresh = ctx.files["frontend/package-lock.json"]
    assert fresh != lockfile and "node_modules/is-number" in json.loads(fresh)["packages"]
    assert root_dependencies(fresh)["dependencies"] == package["dependencies"]
    assert any("differ from package.json's" in e["message"] for e in events)
