"""The JSON WebSocket `/ws`: subscribe to jobs' progress events, resume after a disconnect, ping/pong.

Client messages: `{"type": "auth", "token": ...}` (first, unless the browser session signs the socket in),
`{"type": "subscribe", "job_id": ..., "after": "<stream id>"?}`, `{"type": "unsubscribe", "job_id": ...}`,
`{"type": "ping"}`. The server sends events in the shape of DESIGN.md (each with its stream `id`), and
`authenticated`, `subscribed`, `unsubscribed`, `pong`, `heartbeat` and `error` messages.

A subscriber gets a job's history (from Redis, or from the database once Redis has let it go) and then its live
events from the last id it was sent: no gap, no duplicate, and `after` resumes a broken connection. Live events
come from the process's one pub/sub reader (app/web/fanout.py): a socket holds no Redis connection and does
nothing while no event comes.

Access is checked again when it may have ended (a share link revoked, a team member removed, a user deactivated:
app/services/access_changes.py) and every ACCESS_RECHECK_S; a socket that lost it closes with 4403
(CLOSE_ACCESS_REVOKED). The limits and the named close codes are in app/web/ws_subscriber.py, with the socket's
side of all this (`Subscriber`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user
from simple_websocket import ConnectionClosed

from app.ops.metrics import recorder
from app.web.common import get_redis
from app.web.extensions import sock
from app.web.sockets import origin_allowed
from app.web.ws_subscriber import CLOSE_ERROR, Close, Limits, Subscriber
from app.web.ws_transport import Channel

bp = Blueprint("realtime", __name__)
log = logging.getLogger(__name__)


@bp.before_request
def admit_socket():
    """Refuse before the handshake a socket that breaks the Origin rule of app/web/sockets.py (403): a socket
    the session cookie signs in must come from a page of this site; one that sends a token may come from any."""
    if request.endpoint == "realtime.socket" and not origin_allowed(
            request.headers.get("Origin"), request.host, signed_in_by_cookie=current_user.is_authenticated):
        abort(403)


@sock.route("/ws", bp=bp)
def socket(ws) -> None:
    user_id = current_user.id if current_user.is_authenticated else None
    # A socket may stay open for hours: it must not hold the request's pooled database connection.
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
    channel = Channel(ws)
    subscriber = Subscriber(channel, get_redis(timeout_s=5), user_id, current_app.config["SECRET_KEY"],
                            Limits.from_config(current_app.config))
    recorder.socket_opened("/ws")
    try:
        subscriber.serve()
    except Close as close:
        try:
            channel.close(close.code, close.reason)
        except ConnectionClosed:
            pass
    except ConnectionClosed:
        pass
    except Exception:  # the handshake is done: an HTTP 500 would corrupt the socket, so close it as WebSocket does
        log.exception("/ws failed")
        try:
            channel.close(CLOSE_ERROR, "internal error; reconnect and resume with \"after\"")
        except ConnectionClosed:
            pass
    finally:
        recorder.socket_closed("/ws")
