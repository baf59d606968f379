"""Events go to the job's Redis stream and the database; a late subscriber misses nothing and sees nothing twice."""

import threading

import pytest

from app.models import Job
from app.services import events
from app.services.events import Event, append_event, history, read_events, stored_events, wait_events


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
