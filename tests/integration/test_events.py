"""Events go to the job's Redis stream and the database; a late subscriber misses nothing and sees nothing twice."""

import threading
import time

import pytest
from sqlalchemy import event as orm_event

from app import db
from app.models import Job, JobStatus
from app.services import events
from app.services.events import Event, append_event, history, read_events, stored_events, wait_events
from app.services.jobs import finish_job
from app.worker.tasks import JobEmitter


@pytest.fixture
def job(session):
    job = Job(name="demo", template_id="fastapi-backend")
    session.add(job)
    session.commit()
    return job


def test_append_writes_the_stream_and_the_database(redis_conn, session, job):
    stored = append_event(redis_conn, session, Event(job_id=job.id, type="agent", agent="planner",
                                                     status="started", progress=5, message="Planning"))
    session.commit()

    (from_redis,) = read_events(redis_conn, job.id)
    (from_db,) = stored_events(session, job.id)
    assert redis_conn.exists(f"codegen:job:{job.id}:events")
    assert from_redis == stored
    assert from_db.to_dict() == stored.to_dict()
    assert stored.timestamp.endswith("Z") and stored.id


def test_unknown_event_type_is_refused(redis_conn, job):
    with pytest.raises(ValueError, match="unknown event type 'progress'"):
        append_event(redis_conn, None, Event(job_id=job.id, type="progress"))


def test_late_subscriber_gets_history_then_live_events_without_gap_or_duplicate(redis_conn, job):
    for number in range(50):
        append_event(redis_conn, None, Event(job_id=job.id, type="log", message=f"line {number}"))

    def produce():
        for number in range(50, 300):
            append_event(redis_conn, None, Event(job_id=job.id, type="log", message=f"line {number}"))
        append_event(redis_conn, None, Event(job_id=job.id, type="done", status="completed"))

    seen = [event.message for event in read_events(redis_conn, job.id)]
    last = read_events(redis_conn, job.id)[-1].id
    producer = threading.Thread(target=produce)
    producer.start()
    done = False
    while not done:
        batch = wait_events(redis_conn, job.id, last, block_ms=2000)
        assert batch, "the live stream stalled"
        for event in batch:
            if event.type == "done":
                done = True
            else:
                seen.append(event.message)
        last = batch[-1].id
    producer.join()

    assert seen == [f"line {number}" for number in range(300)]


def test_history_comes_from_the_database_once_redis_forgets_the_stream(redis_conn, session, job):
    ids = [append_event(redis_conn, session, Event(job_id=job.id, type="log", message=str(n))).id for n in range(5)]
    session.commit()
    redis_conn.delete(events.stream_key(job.id))

    assert [e.message for e in history(redis_conn, session, job.id)] == ["0", "1", "2", "3", "4"]
    assert [e.message for e in history(redis_conn, session, job.id, after=ids[2])] == ["3", "4"]


def test_done_event_sets_an_expiry_on_the_stream(redis_conn, job):
    append_event(redis_conn, None, Event(job_id=job.id, type="log", message="x"))
    assert redis_conn.ttl(events.stream_key(job.id)) == -1

    append_event(redis_conn, None, Event(job_id=job.id, type="done", status="completed"))

    assert 0 < redis_conn.ttl(events.stream_key(job.id)) <= events.STREAM_TTL_S


def test_a_reader_that_receives_done_finds_the_final_row(redis_conn, job):
    """`done` is published once the transaction that finishes the job commits, however slow the commit."""
    seen = {}

    def reader():
        (event,) = wait_events(redis_conn, job.id, "0-0", block_ms=15_000)
        with db.Session() as session:
            seen["event"], seen["row"] = event.type, session.get(Job, job.id).status

    thread = threading.Thread(target=reader)
    thread.start()
    with db.Session.begin() as session:
        finish_job(session, redis_conn, session.get(Job, job.id), JobStatus.COMPLETED)
        session.flush()
        time.sleep(0.5)  # a slow commit: `done` must not be out before it
    thread.join(timeout=20)
    assert seen == {"event": "done", "row": "completed"}
    with db.Session() as session:
        assert [e.type for e in stored_events(session, job.id)] == ["done"]  # and kept, with its stream id
        assert stored_events(session, job.id)[0].id == read_events(redis_conn, job.id)[0].id


def test_a_finish_that_rolls_back_announces_nothing(redis_conn, job):
    with db.Session() as session:
        finish_job(session, redis_conn, session.get(Job, job.id), JobStatus.FAILED, error="boom")
        session.rollback()
        session.commit()
    assert read_events(redis_conn, job.id) == []


@pytest.fixture
def statements(database):
    """Every SQL statement the application sends while the test runs."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement.lstrip().split(None, 1)[0].upper())

    engine = db.get_engine()
    orm_event.listen(engine, "before_cursor_execute", record)
    yield sent
    orm_event.remove(engine, "before_cursor_execute", record)


def test_streamed_text_goes_to_the_stream_and_only_milestones_to_the_database(redis_conn, session, job, statements):
    emit = JobEmitter(redis_conn, job.id)
    statements.clear()
    emit(type="agent", agent="coder", status="started", message="coder starts", progress=40, data={})
    for number in range(200):
        emit(type="log", agent="coder", status="streaming", message=f"chunk {number}", progress=40,
             data={"stream": True})
    emit(type="file", agent="coder", status="written", message="app/main.py", progress=40,
         data={"path": "app/main.py", "size": 9})

    assert len(read_events(redis_conn, job.id, count=1000)) == 202  # the live page sees every chunk
    # The database: the start (its event and the row's progress and agent) and the file; no chunk costs a thing.
    assert statements == ["INSERT", "UPDATE", "INSERT"]
    session.expire_all()
    assert [e.type for e in stored_events(session, job.id)] == ["agent", "file"]
    row = session.get(Job, job.id)
    assert (row.progress, row.current_agent) == (40, "coder")
