"""Improving a project with free text builds on the parent's files, keeps its frozen tests, and verifies anew.

A real RQ worker runs both rounds; the model is the recording of evals/recordings, with the answers for the
improvement given by this test."""

import json
from pathlib import Path

import pytest
from rq import SimpleWorker

from app.generation.request import ImproveRequest
from app.models import Job, User
from app.services import artifacts
from app.services.jobs import improve_job
from app.services.queues import QUEUE_NAME
from app.worker.tasks import configure_runtime
from tests.jobs_support import queue_job
from tests.openai_server import OpenAIServer
from tests.recorded_model import RecordedModel

ROUTER = "app/routers/tasks.py"
TASK = json.loads((Path(__file__).resolve().parents[2] / "evals" / "tasks" / "todo-stats.json").read_text())
OPEN_ROUTE = '''@router.get("/open", response_model=list[schemas.TaskOut])
def list_open_tasks(session: SessionDep) -> list[models.Task]:
    return list(session.scalars(select(models.Task).where(models.Task.done.is_not(True)).order_by(models.Task.id)))


@router.get("/stats")'''
IMPROVEMENT = {
    "plan": json.dumps({"requirements": [{"id": "R1", "title": "Open tasks at GET /api/tasks/open", "kind": "api",
                                          "acceptance": ["GET /api/tasks/open lists the tasks not done, by id"]}]}),
    "design": json.dumps({"changes": [{"requirement": "R2", "path": ROUTER, "action": "edit",
                                       "purpose": "GET /tasks/open", "exposes": ["list_open_tasks"]}]}),
    "tests:R2": "tests/test_acceptance_r2.py\n<<<<<<< SEARCH\n=======\n"
                "def test_open_tasks_are_listed(client):\n"
                "    for title, done in (('a', True), ('b', False)):\n"
                "        client.post('/api/tasks', json={'title': title, 'done': done})\n"
                "    assert [t['title'] for t in client.get('/api/tasks/open').json()] == ['b']\n"
                ">>>>>>> REPLACE\n",
    f"edit:{ROUTER}": f'{ROUTER}\n<<<<<<< SEARCH\n@router.get("/stats")\n=======\n{OPEN_ROUTE}\n>>>>>>> REPLACE\n',
    "review": json.dumps({"findings": []}),
}


@pytest.fixture
def model():
    recorded = RecordedModel()
    server = OpenAIServer(default=recorded).start()
    yield recorded, server
    server.stop()


def run_queue(connection):
    SimpleWorker([QUEUE_NAME], connection=connection).work(burst=True)


def test_an_instruction_is_built_on_the_parent_and_verified_with_its_frozen_tests(settings, session, redis_conn,
                                                                                   user_id, model):
    recorded, server = model
    configure_runtime(settings.with_overrides(openai_api_key="sk-test", openai_base_url=server.base_url))
    try:
        parent = queue_job(session, redis_conn, owner_id=user_id, template_id="fastapi-backend", name=TASK["name"],
                           description=TASK["description"], spec={"entities": TASK["entities"],
                                                                   "features": TASK["features"]},
                           options={"run_checks": True})
        run_queue(redis_conn)
        session.expire_all()
        parent = session.get(Job, parent.id)
        assert parent.status == "completed" and parent.verified, parent.error

        recorded.overrides = IMPROVEMENT
        owner = session.get(User, user_id)
        child = improve_job(session, redis_conn, parent, ImproveRequest(instruction="Also list the open tasks"),
                            owner)
        run_queue(redis_conn)
    finally:
        configure_runtime(None)

    session.expire_all()
    child = session.get(Job, child.id)
    assert child.status == "completed" and child.verified, child.error
    assert child.parent_id == parent.id and [r["id"] for r in child.spec["requirements"]] == ["R1", "R2"]
    router = artifacts.read_file(session, child.id, ROUTER).decode()
    assert '@router.get("/stats")' in router and '@router.get("/open"' in router  # the parent's work is kept
    first = "tests/test_acceptance_r1.py"
    assert artifacts.read_file(session, child.id, first) == artifacts.read_file(session, parent.id, first)
    asked = [key for _, key in recorded.keys]
    assert asked.count("tests:R1") == 1 and "tests:R2" in asked  # R1's tests were frozen in the parent
    plan_prompt = next(r for r in server.requests if "You plan software" in r["messages"][0]["content"]
                       and "Also list the open tasks" in r["messages"][-1]["content"])
    assert "improvement of an existing project" in plan_prompt["messages"][-1]["content"]
