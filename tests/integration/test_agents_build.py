"""With a model, the agents build what a description asks, and only honest work is verified.

A local OpenAI-compatible server plays the model through the real `openai` client: a competent model
(the recording in evals/recordings), a model that tampers with frozen tests, and a sloppy one. Every project
is checked for real, in the sandbox, and graded with the hidden tests in evals/hidden."""

import json
from pathlib import Path

import pytest

from app.generation.evaluation import load_tasks, run_task
from app.generation.providers import make_provider
from app.generation.sandbox import choose_isolation, run_checks
from app.settings import load_settings
from tests.openai_server import OpenAIServer, Reply
from tests.recorded_model import RecordedModel, load_recordings

SUITE = Path(__file__).resolve().parents[2] / "evals"
STATS_ROUTER = "app/routers/tasks.py"
STATS_TEST = "tests/test_acceptance_r1.py"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """One instance folder (and so one dependency cache) for the module, as a service keeps one per machine."""
    return tmp_path_factory.mktemp("instance")


def grade(task_id, instance, server, **settings_overrides):
    (task, request, hidden), = load_tasks(SUITE, (task_id,))
    settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None).with_overrides(**settings_overrides)
    provider = make_provider("openai", api_key="sk-test", base_url=server.base_url, model="gpt-4o-mini",
                             timeout_s=30, max_retries=2)
    events = []

    def checks(project, template_checks, cache_dir, *, model_written):
        isolation = choose_isolation(model_written=model_written, allow_unisolated=False)
        return run_checks(project, template_checks, cache_dir, log=lambda *_: None, isolated=isolation.isolated)

    result = run_task(task, request, hidden, settings, provider, checks, emit=lambda **event: events.append(event))
    return result, events


@pytest.fixture
def model_server():
    servers = []

    def start(model):
        server = OpenAIServer(default=model).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize("task_id", ["todo-stats", "library-loans",
                                     pytest.param("expenses-total", marks=pytest.mark.node)])
def test_a_competent_model_builds_what_the_description_asks(task_id, instance, model_server):
    model = RecordedModel()
    server = model_server(model)

    result, events = grade(task_id, instance, server)

    assert result.status == "completed", result.error
    assert result.verified
    assert result.hidden_total > 0 and result.hidden_passed == result.hidden_total, result.hidden_failures
    kinds = [key.split(":")[0] for _, key in model.keys]
    assert kinds[:2] == ["plan", "design"] and "edit" in kinds and "repair" not in kinds
    assert "file" not in kinds  # the scaffold is rendered, never re-typed by the model
    assert result.tokens > 0 and result.cost_usd > 0
    frozen = [e for e in events if e["type"] == "test" and e["status"] == "designed"]
    assert frozen and frozen[0]["data"]["tests"] >= 2


def tamper(answer):
    """The competent answer, plus an edit that turns a frozen acceptance test into `assert True`."""
    recorded = load_recordings()["todo-api"]["tests:R1"]
    body = recorded.split("=======\n", 1)[1].split("\n>>>>>>> REPLACE", 1)[0]
    first_test = body.split("def test_counts_of_done_and_open_tasks")[0].rstrip()
    return f"{STATS_TEST}\n<<<<<<< SEARCH\n{first_test}\n=======\ndef test_counts():\n    assert True\n" \
           f">>>>>>> REPLACE\n\n{answer}"


def test_a_model_that_tampers_with_frozen_tests_is_never_verified(instance, model_server):
    broken_router = load_recordings()["todo-api"][f"edit:{STATS_ROUTER}"].replace('"open": total - done', '"open": 0')
    server = model_server(RecordedModel({f"edit:{STATS_ROUTER}": broken_router, "repair": tamper(broken_router)}))

    result, events = grade("todo-stats", instance, server)

    assert result.status == "failed" and not result.verified
    assert "frozen" in result.error or "test_counts_of_done_and_open_tasks" in result.error
    refused = [e["message"] for e in events if e["status"] == "retrying"]
    assert any("tests/test_acceptance_r1.py is a frozen test" in message for message in refused)
    assert result.hidden_passed < result.hidden_total  # the hidden tests see the bug the model tried to hide


def test_a_sloppy_model_is_asked_again_until_its_answers_fit(instance, model_server):
    recorded = load_recordings()["todo-api"]
    model = RecordedModel()
    server = model_server(model)
    plan = json.loads(recorded["plan"])
    server.script(
        Reply(text="Sure! Here is the plan:\n```json\n" + json.dumps(plan) + "\n```\nHope it helps."),  # chatter
        Reply(text='{"changes": [{"requirement": "R7", "path": "app/routers/tasks.py", "action": "edit"}]}'),
        Reply(text=recorded["design"]),
        Reply(text=recorded["tests:R1"]),
        Reply(text="app/routers/tasks.py\n<<<<<<< SEARCH\nthis line is not in the file\n=======\nx\n"
                   ">>>>>>> REPLACE\n"),  # an edit that does not apply
        Reply(text=recorded[f"edit:{STATS_ROUTER}"][:200], finish_reason="length"),  # cut off: continued
        Reply(text=recorded[f"edit:{STATS_ROUTER}"][200:]),
        *[Reply(status=500)] * 3,  # the advisory review fails: skipped, never fatal
    )

    result, events = grade("todo-stats", instance, server)

    assert result.status == "completed", result.error
    assert result.verified and result.hidden_passed == result.hidden_total
    retried = [e["message"] for e in events if e["status"] == "retrying"]
    assert any("R7" in message for message in retried)
    assert any("does not match the current file" in message for message in retried)
    assert any("review was skipped" in e["message"] for e in events)


def test_an_unrecorded_task_fails_fast_and_says_why(instance, model_server):
    server = model_server(RecordedModel())

    result, _events = grade("blog-publish", instance, server)

    assert result.status == "failed" and not result.verified
    assert "refused the request (400)" in result.error
