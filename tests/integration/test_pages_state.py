"""The job page's state folded from a job row and its events (pure: no database, no Redis)."""

from app.models import Job
from app.services.events import Event
from app.web.jobs.file_tree import build_tree
from app.web.jobs.state import SECTIONS, apply_event, apply_row, build_state


def job(**fields) -> Job:
    values = {"id": "j1", "name": "demo", "template_id": "fastapi-backend", "status": "running", "progress": 0,
              "usage": {}, "verified": False, "files_count": 0, "zip_sha256": None, "error": None}
    return Job(**{**values, **fields})


def events(*specs) -> list[Event]:
    """(type, status, agent, second, data) tuples as events one second apart at most."""
    out = []
    for number, (type_, status, agent, second, data) in enumerate(specs, start=1):
        out.append(Event(job_id="j1", type=type_, status=status, agent=agent, progress=number,
                         message=f"{type_} {status}", data=data, timestamp=f"2026-01-01T10:00:{second:02}Z",
                         id=f"1-{number}"))
    return out


def test_agents_get_durations_and_the_working_one_is_current():
    state = build_state(job(), events(("job", "running", None, 0, {}),
                                      ("agent", "started", "planner", 1, {}), ("agent", "completed", "planner", 3, {}),
                                      ("agent", "started", "architect", 4, {})))
    steps = {s.name: s for s in state.agents}
    assert (steps["planner"].status, steps["planner"].duration_s) == ("done", 2.0)
    assert (steps["architect"].status, steps["architect"].duration_s) == ("working", None)
    assert [steps[n].status for n in ("coder", "reviewer", "tester")] == ["waiting"] * 3
    assert state.current_agent == "architect" and state.summary == "Architect is working, 4% done."
    assert state.last_event_id == "1-4" and [line.id for line in state.log] == ["1-1", "1-2", "1-3", "1-4"]


def test_repair_rounds_rerun_agents_and_reset_findings_and_checks():
    finding = {"path": "a.py", "severity": "error", "message": "does not compile", "source": "static"}
    check = {"name": "python", "passed": 1, "failed": 1, "ok": False, "skipped": None, "output": "boom"}
    state = build_state(job(), events(
        ("agent", "started", "reviewer", 1, {}), ("review", "error", "reviewer", 2, finding),
        ("agent", "failed", "reviewer", 3, {}), ("agent", "repairing", "coder", 4, {}),
        ("agent", "completed", "coder", 5, {}), ("agent", "started", "reviewer", 6, {}),
        ("agent", "completed", "reviewer", 7, {}), ("agent", "started", "tester", 8, {}),
        ("test", "failed", "tester", 9, check)))
    steps = {s.name: s for s in state.agents}
    assert state.findings == [] and state.checks == [check] and state.failed_checks == [check]
    assert (steps["reviewer"].status, steps["reviewer"].rounds) == ("done", 1)
    assert steps["coder"].status == "done" and state.log[1].level == "error" and state.log[3].level == "warn"


def test_a_cancelled_job_marks_the_working_agent_cancelled_not_failed_and_the_rest_skipped():
    state = build_state(job(status="cancelled", error="cancelled by request"), events(
        ("agent", "started", "planner", 1, {}), ("agent", "completed", "planner", 2, {}),
        ("agent", "started", "architect", 3, {}), ("done", "cancelled", None, 4, {})))
    assert [s.status for s in state.agents] == ["done", "cancelled", "skipped", "skipped", "skipped"]
    assert state.finished and state.current_agent is None and state.error == "cancelled by request"
    assert state.summary == "Job cancelled. cancelled by request"


def test_a_done_event_ends_the_job_even_before_the_row_says_so():
    state = build_state(job(), events(("done", "failed", None, 1, {})))
    assert state.status == "failed" and state.error == "done failed"


def test_usage_adds_up_from_events_until_the_row_has_the_final_figures():
    usage = [("usage", "counted", "coder", n, {"tokens_in": 10, "tokens_out": 5, "cost_usd": 0.5, "model": "m1"})
             for n in (1, 2)]
    live = build_state(job(), events(*usage))
    assert live.usage == {"coder": {"tokens_in": 20, "tokens_out": 10, "cost_usd": 1.0, "calls": 2}}
    assert (live.tokens, live.cost_usd, live.models) == (30, 1.0, ["m1"])
    final = build_state(job(status="completed", usage={"coder": {"tokens_in": 1, "tokens_out": 2, "cost_usd": 0.25,
                                                                 "calls": 1}}), events(*usage))
    assert (final.tokens, final.cost_usd, final.progress) == (3, 0.25, 100)


def test_files_come_from_events_then_from_the_stored_list():
    written = [("file", "written", "coder", n, {"path": p, "size": n}) for n, p in enumerate(["b.py", "a/x.py"])]
    assert build_state(job(), events(*written)).files == {"a/x.py": 1, "b.py": 0}
    assert build_state(job(), events(*written), stored_files=[("c.py", 7)]).files == {"c.py": 7}


def test_the_file_tree_puts_folders_first():
    tree = build_tree({"README.md": 1, "app/main.py": 2, "app/routers/tasks.py": 3, "Zeta/a.txt": 4})
    assert [(n.name, n.is_dir) for n in tree] == [("app", True), ("Zeta", True), ("README.md", False)]
    app = tree[0]
    assert [(n.name, n.path) for n in app.children] == [("routers", "app/routers"), ("main.py", "app/main.py")]
    assert app.children[0].children[0].path == "app/routers/tasks.py"


def test_folding_events_one_at_a_time_gives_the_state_built_whole():
    finding = {"path": "a.py", "severity": "warning", "message": "unused import", "source": "static"}
    history = events(("job", "running", None, 0, {}), ("agent", "started", "planner", 1, {}),
                     ("agent", "completed", "planner", 2, {}), ("agent", "started", "coder", 3, {}),
                     ("file", "written", "coder", 4, {"path": "app/main.py", "size": 12}),
                     ("log", "streaming", "coder", 5, {"stream": True}),
                     ("usage", "counted", "coder", 6, {"tokens_in": 3, "tokens_out": 4, "cost_usd": 0.1, "model": "m"}),
                     ("agent", "started", "reviewer", 7, {}), ("review", "warning", "reviewer", 8, finding),
                     ("done", "failed", None, 9, {}))
    whole = build_state(job(), history)
    folded = build_state(job(), [])
    for event in history:
        apply_event(folded, event)
    shown = ("status", "progress", "current_agent", "error", "agents", "files", "findings", "checks", "usage",
             "models", "log", "summary", "last_event_id", "streamed_lines")
    assert {name: getattr(folded, name) for name in shown} == {name: getattr(whole, name) for name in shown}
    assert whole.status == "failed" and [s.status for s in whole.agents][-1] == "skipped"


def test_an_event_names_only_the_sections_it_changes():
    state = build_state(job(), events(("agent", "started", "coder", 1, {})))
    line = Event(job_id="j1", type="log", agent="coder", status="streaming", progress=1, message="def main():",
                 data={"stream": True}, id="1-2")
    assert apply_event(state, line) == {"log"}  # the commonest event: one more line, nothing re-rendered
    written = Event(job_id="j1", type="file", agent="coder", status="written", progress=30, message="a.py",
                    data={"path": "a.py", "size": 3}, id="1-3")
    assert apply_event(state, written) == {"log", "files", "status"}
    assert apply_event(state, Event(job_id="j1", type="done", status="completed", id="1-4")) == set(SECTIONS)
    assert apply_row(state, job(status="completed", files_count=1), [("a.py", 3)]) >= set(SECTIONS) - {"log"}
    assert state.finished and state.files == {"a.py": 3} and state.progress == 100


def test_a_tester_that_ran_no_check_is_skipped_and_a_log_line_says_what_a_step_waits_for():
    skipped = {"name": "pytest", "passed": 0, "failed": 0, "ok": False, "skipped": "checks are turned off"}
    state = build_state(job(status="running"), events(
        ("agent", "started", "tester", 1, {}), ("log", "installing", "tester", 2, {}),
        ("test", "skipped", "tester", 3, skipped), ("agent", "completed", "tester", 4, {})))
    assert state.step("tester").status == "skipped"

    waiting = build_state(job(status="running"), events(("agent", "started", "tester", 1, {}),
                                                        ("log", "installing", "tester", 2, {})))
    assert waiting.step("tester").status == "working" and waiting.step("tester").latest
