"""The agents with the scripted provider: no network, no database, every call recorded."""

import json

import pytest

from app.generation.agents import PipelineContext, PipelineError, PlannedFile, agent_names, get_agent
from app.generation.agents.coder import MAX_FILE_BYTES, waves
from app.generation.pipeline import run_pipeline
from app.generation.providers import Usage, make_provider
from app.generation.static_checks import check_files

REFERENCE = "A working reference version of this file:\n"
TASK = {"name": "Task", "fields": [{"name": "title"}, {"name": "done", "type": "bool"}]}


class Events(list):
    def __call__(self, **event):
        self.append(event)


def context(provider, request=None, **options):
    request = request or {"template_id": "fastapi-backend", "name": "todo-api", "description": "Track tasks",
                          "entities": [TASK]}
    return PipelineContext(job_id="j", request=request, provider=provider, emit=Events(),
                           run_checks=False, **options)


def model(files=None, repairs=None, plan=None):
    """A scripted model: writes each file as its reference unless `files` says otherwise."""
    files, repairs = files or {}, list(repairs or [])

    def answer(task):
        user = task.messages[-1]["content"]
        if task.kind == "file":
            path = task.context["path"]
            return files.get(path, user.split(REFERENCE, 1)[1])
        if task.kind == "plan":
            return json.dumps(plan or {"entities": [], "features": []})
        if task.kind == "review":
            return json.dumps({"findings": [{"path": "app/main.py", "severity": "error", "message": "style"}]})
        if task.kind == "repair":
            return json.dumps({"files": repairs.pop(0)}) if repairs else '{"files": []}'
        raise AssertionError(task.kind)

    return make_provider("scripted", script=answer, usage=Usage(10, 5, 0.001))


def test_offline_planner_uses_the_starter_set_and_says_so():
    ctx = context(make_provider("offline"), {"template_id": "react-app", "name": "web"})

    get_agent("planner").run(ctx)

    assert [e.name for e in ctx.spec.entities] == ["Task", "Note"]
    assert any("No entities given: using the starter set (Task, Note)" in e["message"] for e in ctx.emit)


def test_a_model_planner_infers_entities_but_given_ones_win():
    provider = model(plan={"entities": [{"name": "Invoice", "fields": [{"name": "total", "type": "float"}]}],
                           "features": ["auth"]})
    inferred = context(provider, {"template_id": "fastapi-backend", "name": "billing", "description": "Invoices"})
    given = context(provider, {"template_id": "fastapi-backend", "name": "billing", "description": "Invoices",
                               "entities": [TASK]})

    get_agent("planner").run(inferred)
    get_agent("planner").run(given)

    assert [e.name for e in inferred.spec.entities] == ["Invoice"] and "auth" in inferred.spec.features
    assert [e.name for e in given.spec.entities] == ["Task"]
    assert [t.kind for t in provider.calls] == ["plan", "plan"]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"template_id": "vue-app", "name": "x"}, "unknown project template 'vue-app'"),
        ({"template_id": "react-app", "name": ""}, "name"),
        ({"template_id": "react-app", "name": "x", "entities": [{"name": "Task", "fields": [{"name": "class"}]}]},
         "entities.0.fields.0.name: field name 'class' is a reserved word"),
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


def test_waves_put_every_file_after_what_it_depends_on():
    plan = [PlannedFile("c", "", ("b",)), PlannedFile("b", "", ("a",)), PlannedFile("a", ""),
            PlannedFile("d", "", ("a",))]

    order = [[p.path for p in wave] for wave in waves(plan)]

    assert order == [["a"], ["b", "d"], ["c"]]


def test_a_dependency_cycle_does_not_hang_the_coder():
    plan = [PlannedFile("a", "", ("b",)), PlannedFile("b", "", ("a",))]

    assert [[p.path for p in w] for w in waves(plan)] == [["a", "b"]]


def test_the_coder_writes_every_file_and_counts_usage_per_agent():
    provider = model()
    ctx = context(provider)
    for name in ("planner", "architect", "coder"):
        get_agent(name).run(ctx)

    assert set(ctx.files) == {p.path for p in ctx.plan}
    assert ctx.calls_by_agent["coder"] == len(ctx.plan)
    assert ctx.usage_by_agent["coder"] == Usage(10 * len(ctx.plan), 5 * len(ctx.plan), round(0.001 * len(ctx.plan), 8))
    assert len([e for e in ctx.emit if e["type"] == "file"]) == len(ctx.plan)


def test_an_oversized_file_is_refused():
    ctx = context(model(files={"app/main.py": "x" * (MAX_FILE_BYTES + 1)}))

    with pytest.raises(PipelineError, match=r"app/main\.py is .* bytes, more than the limit"):
        for name in ("planner", "architect", "coder"):
            get_agent(name).run(ctx)


def reference_files():
    ctx = context(make_provider("offline"))
    for name in ("planner", "architect", "coder"):
        get_agent(name).run(ctx)
    return ctx.files


def test_a_broken_file_goes_back_to_the_coder_and_the_repair_is_checked():
    good = reference_files()["app/models.py"]
    ctx = context(model(files={"app/models.py": "class Broken(:\n"},
                        repairs=[[{"path": "app/models.py", "content": "still broken(\n"}],
                                 [{"path": "app/models.py", "content": good}]]))

    run_pipeline(ctx)

    assert ctx.repair_round == 2
    assert ctx.files["app/models.py"] == good
    assert [e["status"] for e in ctx.emit if e["type"] == "agent" and e["agent"] == "reviewer"] == \
        ["started", "failed", "started", "failed", "started", "completed"]
    repair_prompt = next(c for c in ctx.provider.calls if c.kind == "repair").messages[-1]["content"]
    assert "app/models.py: Python syntax error" in repair_prompt
    assert not check_files(ctx.files, ["."])


def test_repairs_stop_after_the_limit_with_the_reason():
    ctx = context(model(files={"app/models.py": "class Broken(:\n"}), max_repair_rounds=1)

    with pytest.raises(PipelineError, match=r"checks failed after 1 repair rounds: app/models\.py: Python syntax"):
        run_pipeline(ctx)


def test_offline_never_repairs_it_reports():
    provider = make_provider("offline")
    ctx = context(provider)

    run_pipeline(ctx)

    assert ctx.repair_round == 0 and not ctx.findings
    started = [e["agent"] for e in ctx.emit if e["type"] == "agent" and e["status"] == "started"]
    assert started == list(agent_names())
    assert ctx.checks[0].skipped and not ctx.verified


def test_model_review_findings_are_advice_not_failures():
    ctx = context(model())

    run_pipeline(ctx)

    (finding,) = ctx.findings
    assert (finding.severity, finding.source) == ("warning", "llm")


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
