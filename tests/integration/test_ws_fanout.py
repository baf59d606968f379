"""The fan-out under pressure, on both ways `/ws` is served (werkzeug threads here, gevent under `codegen up`):
a reader too slow for its events gets every frame whole and in order, and many sockets that subscribe (resuming
from one event) while events pour in each get the job's stream from there, with no gap and no duplicate.

These exercise both paths an event takes to a socket (app/web/fanout.py): straight from the reader into an idle
socket's send buffer, and through the socket's inbox when it is busy, full or still sending history."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import redis
import websocket

from app import db
from app.services.events import Event, append_event, read_events
from app.services.users import create_api_key, create_user
from app.settings import load_settings
from tests.helpers import DEADLINE_S, PASSWORD, CodegenUp, wait_until
from tests.integration.api_support import make_key

PAD = "x" * 16_000  # events big enough to fill a socket's buffers within a few hundred


def stream_ids(connection: redis.Redis, job_id: str) -> list[str]:
    return [event.id for event in read_events(connection, job_id, count=100_000)]


def subscribed(ws_url: str, key: str, job_id: str, after: str = "0", **options) -> websocket.WebSocket:
    ws = websocket.create_connection(f"{ws_url}/ws", timeout=60, **options)
    ws.send(json.dumps({"type": "auth", "token": key}))
    assert json.loads(ws.recv())["type"] == "authenticated"
    ws.send(json.dumps({"type": "subscribe", "job_id": job_id, "after": after}))
    assert json.loads(ws.recv())["type"] == "subscribed"
    return ws


def read_ids_until(ws: websocket.WebSocket, last_id: str) -> list[str]:
    """Every event id the socket receives up to `last_id`; a broken frame fails inside websocket-client."""
    ids = []
    while not ids or ids[-1] != last_id:
        message = json.loads(ws.recv())
        if "id" in message:
            ids.append(message["id"])
    return ids


def slow_reader_gets_every_frame(ws_url: str, key: str, job_id: str, connection: redis.Redis) -> None:
    # A small receive buffer, and nothing read while 600 events of 16 KB are published (more than the kernel's
    # largest send buffer, 4 MiB): the server's writes to this socket come back partial or not at all, and its
    # frames must still arrive whole and in order.
    ws = subscribed(ws_url, key, job_id, sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])
    appended = [append_event(connection, None, Event(job_id=job_id, type="log", message=f"slow {n}",
                                                     data={"pad": PAD})).id for n in range(600)]
    time.sleep(1)  # the server fills what buffers it can meanwhile
    try:
        received = read_ids_until(ws, appended[-1])
    finally:
        ws.close()
    history = stream_ids(connection, job_id)
    assert received == history, "the socket's events differ from the job's stream"
    assert received[-600:] == appended


def joiners_get_the_stream_from_where_they_resumed(ws_url: str, key: str, job_id: str,
                                                   connection: redis.Redis) -> None:
    sockets: list[websocket.WebSocket] = []
    failures: list[BaseException] = []
    done = threading.Event()
    before = stream_ids(connection, job_id)[-1]  # the joiners resume from here, as a reconnecting page does

    def publish() -> None:
        try:
            for n in range(300):
                append_event(connection, None, Event(job_id=job_id, type="log", message=f"burst {n}"))
                if n % 10 == 0:
                    time.sleep(0.01)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            done.set()

    publisher = threading.Thread(target=publish)
    publisher.start()
    while not done.is_set() and len(sockets) < 40:  # subscribe while the burst goes on
        sockets.append(subscribed(ws_url, key, job_id, after=before))
    publisher.join(DEADLINE_S)
    assert not failures, failures
    marker = append_event(connection, None, Event(job_id=job_id, type="log", message="end")).id
    stream = stream_ids(connection, job_id)
    expected = stream[stream.index(before) + 1:]
    try:
        for ws in sockets:
            ids = read_ids_until(ws, marker)
            assert ids == expected, "a socket's events have a gap, a duplicate or the wrong order"
    finally:
        for ws in sockets:
            ws.close()


# --- werkzeug, threaded (the test server) ------------------------------------------------------------------------

def test_a_slow_reader_gets_every_frame_whole_and_in_order(live_server, user_id, completed_job_id, redis_conn):
    slow_reader_gets_every_frame(live_server.ws_url, make_key(user_id), completed_job_id, redis_conn)


def test_sockets_joining_during_a_burst_get_the_stream_from_where_they_joined(live_server, user_id,
                                                                               completed_job_id, redis_conn):
    joiners_get_the_stream_from_where_they_resumed(live_server.ws_url, make_key(user_id), completed_job_id,
                                                  redis_conn)


# --- gevent, under `codegen up` ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_both_hold_under_gevent(short_tmp, free_port):
    instance = short_tmp / "inst"
    up = CodegenUp(instance, free_port, short_tmp / "up.log").start()
    try:
        up.wait_healthy()
        settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None)
        db.configure(settings.database_url)
        with db.Session.begin() as session:
            key = create_api_key(session, create_user(session, "fan@example.com", PASSWORD), "fan-out")[1]
        job_id = post_completed_job(up.url, key)
        connection = redis.Redis.from_url(settings.effective_redis_url)
        ws_url = up.url.replace("http://", "ws://")
        slow_reader_gets_every_frame(ws_url, key, job_id, connection)
        joiners_get_the_stream_from_where_they_resumed(ws_url, key, job_id, connection)
        connection.close()
        db.get_engine().dispose()
    finally:
        up.stop()


def post_completed_job(url: str, key: str) -> str:
    import urllib.request

    body = json.dumps({"template_id": "fastapi-backend", "name": "fan-out", "options": {"run_checks": False}})
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    request = urllib.request.Request(f"{url}/api/jobs", data=body.encode(), method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        job_id = json.load(response)["job_id"]

    def status() -> str:
        with urllib.request.urlopen(urllib.request.Request(f"{url}/api/jobs/{job_id}", headers=headers),
                                    timeout=30) as response:
            return json.load(response)["job"]["status"]

    wait_until(status, DEADLINE_S, "the job to complete", until=lambda s: s in ("completed", "failed"),
               not_yet=(OSError,))
    return job_id
