"""The JSON WebSocket `/ws` against a live server: history then live events, resume, refusals, timeouts."""

import json
import struct
import threading

import pytest
import websocket
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.services.events import stream_key
from app.worker.tasks import configure_runtime
from tests.helpers import DEADLINE_S, wait_until
from tests.integration.api_support import JOB, Api, make_key

EVENT_TYPES = {"job", "agent", "file", "log", "review", "test", "usage", "done"}


_opened: list[websocket.WebSocket] = []


@pytest.fixture(autouse=True)
def close_sockets():
    yield
    while _opened:
        _opened.pop().close()


def connect(live_server, **kwargs) -> websocket.WebSocket:
    # A minute per message: generous, so that a busy machine is not a failure.
    ws = websocket.create_connection(f"{live_server.ws_url}/ws", timeout=60, **kwargs)
    _opened.append(ws)
    return ws


def send(ws, message: dict) -> None:
    ws.send(json.dumps(message))


def receive(ws) -> dict:
    return json.loads(ws.recv())


def signed_in(live_server, key: str) -> websocket.WebSocket:
    ws = connect(live_server)
    send(ws, {"type": "auth", "token": key})
    assert receive(ws)["type"] == "authenticated"
    return ws


def closed_with(ws) -> tuple[int, str]:
    """Read until the server's close frame; its code and reason."""
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return struct.unpack("!H", data[:2])[0], data[2:].decode()


def events_until_done(ws, job_id: str, limit: int | None = None) -> list[dict]:
    """Events of `job_id` (skipping control messages) up to and including `done`, or `limit` of them."""
    events = []
    while limit is None or len(events) < limit:
        message = receive(ws)
        if message["type"] in EVENT_TYPES and message.get("job_id") == job_id:
            events.append(message)
            if message["type"] == "done":
                break
    return events


def stream_ids(redis_conn, job_id: str) -> list[str]:
    return [sid.decode() for sid, _ in redis_conn.xrange(stream_key(job_id))]


# --- protocol basics --------------------------------------------------------------------------------------


def test_ping_answers_pong_after_signing_in_with_a_token(live_server, client, user_id):
    key = make_key(user_id)
    token = client.post("/api/auth/token", json={"api_key": key}).get_json()["access_token"]

    for credential in (token, key):
        ws = signed_in(live_server, credential)
        send(ws, {"type": "ping", "data": 7})
        assert receive(ws) == {"type": "pong", "data": 7}
        ws.close()


def test_the_first_message_must_sign_in(live_server):
    ws = connect(live_server)
    send(ws, {"type": "ping"})

    code, reason = closed_with(ws)

    assert code == 1008 and reason.startswith("authentication required")


def test_a_bad_token_is_refused_with_a_reason(live_server, user_id):
    ws = connect(live_server)
    send(ws, {"type": "auth", "token": "cgs_not-a-key"})

    code, reason = closed_with(ws)

    assert code == 1008 and reason.startswith("authentication failed")


@pytest.mark.parametrize(("message", "code", "reason"), [
    ("{not json", 1003, "malformed JSON"),
    ("[" * 2000 + "]" * 2000, 1003, "malformed JSON"),  # under 4 KiB, nested deeper than the parser recurses
    ('["a list"]', 1003, "each message must be a JSON object"),
    ('{"type": "shout"}', 1003, "unknown message type 'shout'"),
    ('{"type": "ping", "data": "' + "x" * 5000 + '"}', 1009, "message too big"),
])
def test_misbehaving_clients_are_closed_with_a_clear_reason(live_server, user_id, message, code, reason):
    ws = signed_in(live_server, make_key(user_id))
    ws.send(message)

    got_code, got_reason = closed_with(ws)

    assert got_code == code and got_reason.startswith(reason)


def test_the_subscription_past_the_limit_closes_the_socket(live_server, user_id):
    from app.web.ws_subscriber import MAX_SUBSCRIPTIONS

    ids = [add_job(user_id) for _ in range(MAX_SUBSCRIPTIONS + 1)]
    ws = signed_in(live_server, make_key(user_id))
    for job_id in ids[:MAX_SUBSCRIPTIONS] + ids[:3]:  # subscribing again to a job does not count twice
        send(ws, {"type": "subscribe", "job_id": job_id})
        assert receive(ws)["type"] == "subscribed"
    send(ws, {"type": "subscribe", "job_id": ids[-1]})

    code, reason = closed_with(ws)

    assert code == 1008 and reason == f"too many subscriptions (at most {MAX_SUBSCRIPTIONS} per socket)"


def add_job(owner_id: int) -> str:
    from app import db
    from app.models import Job

    with db.Session.begin() as session:
        job = Job(template_id="react-app", name="x", owner_id=owner_id)
        session.add(job)
        session.flush()
        return job.id


# --- access -----------------------------------------------------------------------------------------------


def test_a_foreign_job_gets_an_error_and_no_events(live_server, client, user_id, other_user_id, completed_job_id):
    ws = signed_in(live_server, make_key(other_user_id))

    send(ws, {"type": "subscribe", "job_id": completed_job_id})
    answer = receive(ws)
    send(ws, {"type": "ping"})

    assert answer == {"type": "error", "job_id": completed_job_id,
                      "error": {"code": "not_found", "message": f"there is no job {completed_job_id} that you may see"}}
    assert receive(ws)["type"] == "pong"  # nothing of the job came in between


def test_the_browser_session_signs_the_socket_in_from_this_site(live_server, owner_client, completed_job_id):
    cookie = f"session={owner_client.get_cookie('session').value}"

    ws = connect(live_server, cookie=cookie, origin=live_server.url)
    send(ws, {"type": "subscribe", "job_id": completed_job_id})

    assert receive(ws)["type"] == "subscribed"
    assert events_until_done(ws, completed_job_id)[-1]["type"] == "done"


def test_a_cookie_socket_from_another_origin_is_refused_before_the_handshake(live_server, owner_client):
    cookie = f"session={owner_client.get_cookie('session').value}"

    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(live_server, cookie=cookie, origin="http://evil.example")

    assert refused.value.status_code == 403


def test_a_cookie_socket_without_origin_is_refused_a_token_socket_from_anywhere_is_not(live_server,
                                                                                       owner_client, user_id):
    """app/web/sockets.py: the cookie needs this site's Origin (a browser always sends one); a token does not."""
    cookie = f"session={owner_client.get_cookie('session').value}"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(live_server, cookie=cookie, suppress_origin=True)
    assert refused.value.status_code == 403

    key = make_key(user_id)
    for origin in ({"suppress_origin": True}, {"origin": "http://evil.example"}):
        ws = connect(live_server, **origin)
        send(ws, {"type": "auth", "token": key})
        assert receive(ws)["type"] == "authenticated"


# --- history, live events and resuming --------------------------------------------------------------------


def test_a_late_subscriber_gets_the_whole_history_in_order(live_server, user_id, completed_job_id, redis_conn):
    ws = signed_in(live_server, make_key(user_id))
    send(ws, {"type": "subscribe", "job_id": completed_job_id})

    assert receive(ws) == {"type": "subscribed", "job_id": completed_job_id, "status": "completed", "after": "0-0"}
    events = events_until_done(ws, completed_job_id)

    assert [e["id"] for e in events] == stream_ids(redis_conn, completed_job_id)
    first = events[0]
    assert set(first) == {"id", "job_id", "type", "agent", "status", "progress", "message", "data", "timestamp"}


def test_history_comes_from_the_database_once_redis_has_let_the_stream_go(live_server, user_id, completed_job_id,
                                                                           redis_conn):
    expected = stream_ids(redis_conn, completed_job_id)
    redis_conn.delete(stream_key(completed_job_id))
    ws = signed_in(live_server, make_key(user_id))

    send(ws, {"type": "subscribe", "job_id": completed_job_id, "after": expected[4]})
    receive(ws)

    assert [e["id"] for e in events_until_done(ws, completed_job_id)] == expected[5:]


def test_live_events_resume_after_a_disconnect_with_no_gap_and_no_duplicate(
        app, live_server, settings, client, user_id, redis_conn, run_jobs):
    configure_runtime(settings.with_overrides(offline_pace_ms=40))  # slow enough to disconnect mid-job
    api = Api(client, make_key(user_id))
    job_id = api.post("/api/jobs", json=JOB).get_json()["job_id"]
    subscribed, received, failures = threading.Event(), [], []

    def follow() -> None:
        try:
            ws = signed_in(live_server, api.key)
            send(ws, {"type": "subscribe", "job_id": job_id})
            assert receive(ws)["status"] == "queued"
            subscribed.set()
            received.append(events_until_done(ws, job_id, limit=4))
            ws.close()  # the connection drops mid-job
            ws = signed_in(live_server, api.key)
            send(ws, {"type": "subscribe", "job_id": job_id, "after": received[0][-1]["id"]})
            receive(ws)
            received.append(events_until_done(ws, job_id))
            ws.close()
        except Exception as exc:  # reported by the main thread
            failures.append(exc)
            subscribed.set()

    follower = threading.Thread(target=follow)
    follower.start()
    assert subscribed.wait(DEADLINE_S), "the follower did not subscribe"
    run_jobs()  # the real worker, in this (main) thread, while the socket follows
    follower.join(DEADLINE_S)
    assert not follower.is_alive(), "the follower did not see the job to its end"

    assert not failures, failures
    ids = [e["id"] for part in received for e in part]
    assert ids == stream_ids(redis_conn, job_id)
    assert len(ids) == len(set(ids)) and received[1][-1]["type"] == "done"
    assert received[0][0]["type"] == "job" and received[0][0]["status"] == "running"


def test_unsubscribing_stops_the_events(live_server, client, user_id, settings, run_jobs):
    api = Api(client, make_key(user_id))
    job_id = api.post("/api/jobs", json=JOB).get_json()["job_id"]
    ws = signed_in(live_server, api.key)
    send(ws, {"type": "subscribe", "job_id": job_id})
    receive(ws)
    send(ws, {"type": "unsubscribe", "job_id": job_id})
    assert receive(ws) == {"type": "unsubscribed", "job_id": job_id}

    configure_runtime(settings)
    run_jobs()
    send(ws, {"type": "ping"})

    assert receive(ws)["type"] == "pong"


# --- heartbeats and timeouts ------------------------------------------------------------------------------


def test_heartbeats_idle_and_auth_timeouts(settings, redis_conn, user_id, start_live_server):
    app = create_app({"TESTING": True, "WS_HEARTBEAT_S": 0.2, "WS_IDLE_TIMEOUT_S": 1.0, "WS_AUTH_TIMEOUT_S": 0.5},
                     settings=settings)
    live = start_live_server(app)
    silent = connect(live)
    assert closed_with(silent) == (1008, 'authentication timeout: send {"type": "auth", "token": ...} first')

    ws = signed_in(live, make_key(user_id))
    assert receive(ws)["type"] == "heartbeat"
    code, reason = closed_with(ws)
    assert (code, reason) == (1000, "idle timeout: no message and no subscription")


def test_open_sockets_are_counted_in_metrics(live_server, client, user_id):
    def open_sockets() -> float:
        text = client.get("/metrics").get_data(as_text=True)
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "codegen_websocket_connections" and sample.labels == {"endpoint": "/ws"}:
                    return sample.value
        return 0

    def settles_at(expected: float) -> None:
        wait_until(open_sockets, DEADLINE_S, f"/metrics to count {expected:g} open sockets",
                   until=lambda count: count == expected, interval=0.05)

    before = open_sockets()
    first, second = signed_in(live_server, make_key(user_id)), signed_in(live_server, make_key(user_id))
    settles_at(before + 2)
    first.close()
    second.close()
    settles_at(before)
