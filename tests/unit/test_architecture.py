"""The layers hold at run time: a worker loads no Flask, and the registries fill themselves from their modules."""

import subprocess
import sys
from pathlib import Path

import pytest

from app.generation.agents import agent_names, get_agent
from app.generation.project_templates import all_templates, template_ids
from app.generation.providers import provider_names

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["worker", "app.worker.tasks", "app.worker.rq_worker", "app.generation.runner",
                                    "app.services.jobs", "app.cli"])
def test_worker_side_modules_load_no_flask(module):
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'jinja2')))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", f"importing {module} loaded {loaded.stdout.strip()}"


def test_create_app_is_still_reachable_from_the_package():
    from app import create_app
    from app.web import create_app as factory

    assert create_app is factory


def test_agents_register_themselves_in_pipeline_order():
    assert agent_names() == ("planner", "architect", "coder", "reviewer", "tester")
    assert all(get_agent(name).name == name for name in agent_names())


def test_project_templates_and_providers_register_themselves():
    assert template_ids() == ("react-app", "fastapi-backend", "fullstack-app")
    assert [t.order for t in all_templates()] == sorted(t.order for t in all_templates())
    assert {"offline", "openai", "scripted"} <= set(provider_names())


def test_the_import_contract_holds():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
