"""The agents with the scripted provider: no network, no database, every call recorded."""

import json

import pytest

from app.generation.agents import PipelineContext, PipelineError, PlannedFile, agent_names, get_agent
from app.generation.agents.coder import MAX_FILE_BYTES, waves
from app.generation.agents.test_designer import TestDesigner
from app.generation.pipeline import run_pipeline
from app.generation.providers import Usage, make_provider
from app.generation.static_checks import check_files

TASK = {"name": "Task", "fields": [{"name": "title"}, {"name": "done", "type": "bool"}]}


class Events(list):
    def __call__(self, **event):
        self.append(event)


def context(provider, request=None, **options):
    request = request or {"template_id": "fastapi-backend", "name": "todo-api", "description": "Track tasks",
                          "entities": [TASK]}
    return PipelineContext(job_id="j", request=request, provider=provider, emit=Events(),
                           run_checks=False, **options)


REQUIREMENT = {"id": "R1", "title": "Health says hello", "kind": "api",
               "acceptance": ["GET /api/hello answers 200 with {\"hello\": true}"]}
ACCEPTANCE = "tests/test_acceptance_r1.py"


def block(path, search, replace):
    return f"{path}\n<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n"


GOOD_TEST = block(ACCEPTANCE, "",
                  "def test_hello(client):\n    assert client.get('/api/hello').json() == {'hello': True}")


def model(plan=None, edits=None, repairs=None, review=None, tests=GOOD_TEST, design=None):
    """A scripted model answering each kind of task; lists are answered in order, the last one repeated."""
    queues = {"plan": plan, "design": design, "tests": tests, "edit": edits, "repair": repairs, "review": review}

    def answer(task):
        script = queues.get(task.kind)
        if script is None:
            defaults = {"plan": {"entities": [], "features": []}, "review": {"findings": []},
                        "design": {"changes": [{"requirement": "R1", "path": "app/hello.py", "action": "create",
                                                "purpose": "the hello route"}]}}
            if task.kind not in defaults:
                raise AssertionError(f"no scripted answer for {task.kind}")
            return json.dumps(defaults[task.kind])
        items = script if isinstance(script, list) else [script]
        item = items.pop(0) if len(items) > 1 else items[0]
        if isinstance(script, list) and not items:
            items.append(item)
        return item if isinstance(item, str) else json.dumps(item)

    return make_provider("scripted", script=answer, usage=Usage(10, 5, 0.001))


def test_offline_planner_uses_the_starter_set_and_says_so():
    ctx = context(make_provider("offline"), {"template_id": "react-app", "name": "web"})

    get_agent("planner").run(ctx)

    assert [e.name for e in ctx.spec.entities] == ["Task", "Note"]
    assert ctx.spec.features == ["tests"]  # no feature asked for: none given, whatever the template offers
    assert any("No entities given: using the starter set (Task, Note)" in e["message"] for e in ctx.emit)


def test_a_model_planner_keeps_what_was_given_and_adds_what_the_description_needs():
    provider = model(plan={"entities": [{"name": "Invoice", "fields": [{"name": "total", "type": "float"}]}],
                           "features": ["auth", "teleport"], "requirements": [REQUIREMENT]})
    inferred = context(provider, {"template_id": "fastapi-backend", "name": "billing", "description": "Invoices",
                                  "features": ["tests"]})
    given = context(provider, {"template_id": "fastapi-backend", "name": "billing", "description": "Invoices",
                               "entities": [TASK]})

    get_agent("planner").run(inferred)
    get_agent("planner").run(given)

    assert [e.name for e in inferred.spec.entities] == ["Invoice"]
    assert inferred.spec.features == ["auth", "tests"]  # the person's choice kept, the model's added, junk dropped
    assert [e.name for e in given.spec.entities] == ["Task", "Invoice"]
    assert given.spec.features == ["auth", "tests"]  # none asked for: the model's, and tests
    assert [r.id for r in given.spec.requirements] == ["R1"]
    assert [t.kind for t in provider.calls] == ["plan", "plan"]


def test_the_planner_asks_again_with_every_error_of_its_answer():
    bad = {"entities": [{"name": "Invoice", "fields": [{"name": "total", "type": "money"}, {"name": "123"}]}],
           "requirements": [{"id": "R1", "title": "x", "acceptance": []}]}
    good = {"entities": [{"name": "Invoice", "fields": [{"name": "total", "type": "float"}]}]}
    provider = model(plan=[bad, good])
    ctx = context(provider, {"template_id": "fastapi-backend", "name": "billing", "description": "Invoices"})

    get_agent("planner").run(ctx)

    assert [e.name for e in ctx.spec.entities] == ["Invoice"]
    correction = provider.calls[1].messages[-1]["content"]
    assert "entities.0.fields.0.type" in correction and "'money'" not in correction.split("type:")[0]
    assert "must start with a letter" in correction and "requirements.0.title" in correction


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"template_id": "vue-app", "name": "x"}, "unknown project template 'vue-app'"),
        ({"template_id": "react-app", "name": ""}, "name"),
        ({"template_id": "react-app", "name": "x", "entities": [{"name": "Task", "fields": [{"name": "123"}]}]},
         "entities.0.fields.0.name: field name '123' must start with a letter"),
    ],
)
def test_a_bad_request_stops_the_planner_with_the_field_named(request_, message):
    with pytest.raises(PipelineError, match=message):
        get_agent("planner").run(context(make_provider("offline"), request_))


def test_architect_plans_clean_unique_paths_with_known_dependencies():
    ctx = context(make_provider("offline"))
    get_agent("planner").run(ctx)
    get_agent("architect").run(ctx)

    paths = [p.path for p in ctx.plan]
    assert len(paths) == len(set(paths)) and "requirements.txt" in paths
    assert all(d in paths for p in ctx.plan for d in p.depends_on)
    assert "tests/conftest.py" in ctx.frozen.files and "app/main.py" not in ctx.frozen.files


def test_waves_put_every_file_after_what_it_depends_on():
    plan = [PlannedFile("c", "", ("b",)), PlannedFile("b", "", ("a",)), PlannedFile("a", ""),
            PlannedFile("d", "", ("a",))]

    order = [[p.path for p in wave] for wave in waves(plan)]

    assert order == [["a"], ["b", "d"], ["c"]]


def test_a_dependency_cycle_does_not_hang_the_coder():
    plan = [PlannedFile("a", "", ("b",)), PlannedFile("b", "", ("a",))]

    assert [[p.path for p in w] for w in waves(plan)] == [["a", "b"]]


def reference_files(request=None):
    ctx = context(make_provider("offline"), request)
    for name in ("planner", "architect", "coder"):
        get_agent(name).run(ctx)
    return ctx.files


def test_the_scaffold_is_free_and_the_model_writes_only_the_requirements():
    provider = model(plan={"requirements": [REQUIREMENT]},
                     edits=block("app/hello.py", "", "HELLO = {'hello': True}"))
    ctx = context(provider)
    for name in ("planner", "architect"):
        get_agent(name).run(ctx)
    TestDesigner().run(ctx)
    get_agent("coder").run(ctx)

    assert [c.kind for c in provider.calls] == ["plan", "design", "tests", "edit"]
    assert {p: c for p, c in ctx.files.items() if p not in (ACCEPTANCE, "app/hello.py")} == reference_files()
    assert ctx.files["app/hello.py"] == "HELLO = {'hello': True}\n"
    assert ACCEPTANCE in ctx.frozen.files and ctx.frozen.cases[ACCEPTANCE] == ["test_hello"]
    edit_prompt = provider.calls[-1].messages[-1]["content"]
    assert "Requirement R1: Health says hello" in edit_prompt and "test_hello" not in edit_prompt


def test_the_test_designer_sees_no_code_and_may_not_skip():
    provider = model(plan={"requirements": [REQUIREMENT]},
                     tests=[block(ACCEPTANCE, "", "import pytest\n\n@pytest.mark.skip\ndef test_x(): pass"),
                            GOOD_TEST])
    ctx = context(provider)
    for name in ("planner", "architect"):
        get_agent(name).run(ctx)
    TestDesigner().run(ctx)

    designer = [c for c in provider.calls if c.kind == "tests"]
    assert len(designer) == 2 and "may not be skipped" in designer[1].messages[-1]["content"]
    prompt = designer[0].messages[-1]["content"]
    assert "conftest.py" in prompt and "def create_app" not in prompt and "app/main.py" not in prompt


def test_a_model_that_edits_a_frozen_test_is_refused_and_never_verified():
    tamper = block(ACCEPTANCE, "    assert client.get('/api/hello').json() == {'hello': True}", "    assert True")
    provider = model(plan={"requirements": [REQUIREMENT]}, design={"changes": [
        {"requirement": "R1", "path": "app/main.py", "action": "edit", "purpose": "hello"}]}, edits=tamper)
    ctx = context(provider)

    with pytest.raises(PipelineError, match=r"did not fit after 3 tries: .*may only change app/main\.py"):
        run_pipeline(ctx)
    assert "assert True" not in ctx.files.get(ACCEPTANCE, "") and not ctx.verified


def test_an_oversized_file_is_refused():
    provider = model(plan={"requirements": [REQUIREMENT]},
                     edits=block("app/hello.py", "", "x" * (MAX_FILE_BYTES + 1)))

    with pytest.raises(PipelineError, match=r"app/hello\.py is .* bytes, more than the limit"):
        run_pipeline(context(provider))


def test_a_broken_file_goes_back_to_the_coder_and_the_repair_is_checked():
    provider = model(plan={"requirements": [REQUIREMENT]}, edits=block("app/hello.py", "", "def hello(:"),
                     repairs=[block("app/hello.py", "def hello(:", "def hello(:\n    pass"),
                              block("app/hello.py", "def hello(:\n    pass", "def hello():\n    return True")])
    ctx = context(provider)

    run_pipeline(ctx)

    assert ctx.repair_round == 2
    assert ctx.files["app/hello.py"] == "def hello():\n    return True\n"
    assert [e["status"] for e in ctx.emit if e["type"] == "agent" and e["agent"] == "reviewer"] == \
        ["started", "failed", "started", "failed", "started", "completed"]
    repair = next(c for c in provider.calls if c.kind == "repair").messages[-1]["content"]
    assert "app/hello.py: Python syntax error" in repair and "=== app/hello.py\ndef hello(:" in repair
    assert not check_files(ctx.files, ["."])


def test_repairs_stop_after_the_limit_with_the_reason():
    provider = model(plan={"requirements": [REQUIREMENT]}, edits=block("app/hello.py", "", "def hello(:"),
                     repairs=[block("app/hello.py", "def hello(:", "def hello(:\n    pass")])
    ctx = context(provider, max_repair_rounds=1)

    with pytest.raises(PipelineError, match=r"checks failed after 1 repair rounds: app/hello\.py: Python syntax"):
        run_pipeline(ctx)


def test_a_repair_that_repeats_itself_ends_the_loop():
    flip = block("app/hello.py", "def hello(:", "def hello(:  # still")
    flop = block("app/hello.py", "def hello(:  # still", "def hello(:")
    provider = model(plan={"requirements": [REQUIREMENT]}, edits=block("app/hello.py", "", "def hello(:"),
                     repairs=[flip, flop, flip])
    ctx = context(provider, max_repair_rounds=5)

    with pytest.raises(PipelineError, match="no progress: repair round 3 repeated an earlier answer"):
        run_pipeline(ctx)
    assert len([c for c in provider.calls if c.kind == "repair"]) == 3


@pytest.mark.parametrize(("bad", "reason"), [
    (block("README.MD", "", "# shouting"), "duplicates"),
    (block("app/main.py/evil.py", "", "x = 1"), "both a file and a folder"),
])
def test_a_repair_that_collides_with_a_path_is_refused_and_asked_again(bad, reason):
    fix = block("app/hello.py", "def hello(:", "def hello():\n    return True")
    provider = model(plan={"requirements": [REQUIREMENT]}, edits=block("app/hello.py", "", "def hello(:"),
                     repairs=[bad, fix])
    ctx = context(provider)

    run_pipeline(ctx)

    asked = [c for c in provider.calls if c.kind == "repair"]
    assert len(asked) == 2 and reason in asked[1].messages[-1]["content"]
    assert "README.MD" not in ctx.files and "app/main.py/evil.py" not in ctx.files
    assert ctx.files["app/hello.py"] == "def hello():\n    return True\n"


def test_offline_never_repairs_it_reports():
    provider = make_provider("offline")
    ctx = context(provider)

    run_pipeline(ctx)

    assert ctx.repair_round == 0 and not ctx.findings
    started = [e["agent"] for e in ctx.emit if e["type"] == "agent" and e["status"] == "started"]
    assert started == list(agent_names())
    assert ctx.checks[0].skipped and not ctx.verified


def test_model_review_findings_are_advice_and_a_failed_review_is_skipped():
    finding = {"findings": [{"path": "app/main.py", "severity": "error", "message": "style"}]}
    advised = context(model(review=finding))
    broken = context(model(review="not json at all"))

    run_pipeline(advised)
    run_pipeline(broken)

    (only,) = advised.findings
    assert (only.severity, only.source) == ("error", "llm")  # advice: the job still went on to its checks
    assert broken.findings == [] and any("review was skipped" in e["message"] for e in broken.emit)


def test_cancel_stops_between_steps():
    ctx = context(make_provider("offline"), is_cancelled=lambda: True)

    from app.generation.agents import JobCancelled

    with pytest.raises(JobCancelled):
        run_pipeline(ctx)
    assert ctx.emit == []


def test_a_cancel_during_the_last_check_still_cancels():
    events = Events()

    def tester_finished() -> bool:  # the person presses cancel while the last check runs
        return any(e["agent"] == "tester" and e["status"] in ("completed", "failed") for e in events)

    ctx = PipelineContext(job_id="j", request={"template_id": "fastapi-backend", "name": "todo-api",
                                               "entities": [TASK]},
                          provider=make_provider("offline"), emit=events, run_checks=False,
                          is_cancelled=tester_finished)

    from app.generation.agents import JobCancelled

    with pytest.raises(JobCancelled):
        run_pipeline(ctx)


@pytest.mark.parametrize(("path", "code"), [
    ("app/hello.py", "import sys\nrunner = sys.modules.get('_pytest.runner')\n"),
    ("app/hello.py", "import os, atexit\natexit.register(lambda: os._exit(0))\n"),
    ("app/hello.py", "if True:\n    import _pytest.runner\n"),
    ("app/hello.py", "x = __import__('py' + 'test')\n"),
    ("src/totals.ts", "if (import.meta.env.MODE === 'test') { import('vitest').then(() => 1); }\n"),
])
def test_model_written_code_that_reaches_the_test_runner_is_an_error(path, code):
    ctx = context(make_provider("offline"))
    for name in ("planner", "architect", "coder"):
        get_agent(name).run(ctx)
    ctx.files[path] = code

    get_agent("reviewer").run(ctx)

    errors = [f for f in ctx.findings if f.path == path and f.severity == "error"]
    assert errors and "only tests may touch the test runner" in errors[0].message
    assert not [f for f in ctx.findings if f.path != path]  # the scaffold itself passes the guard
