"""The JSON WebSocket endpoint `/ws`: ping/pong now; job subscriptions arrive with accounts."""

from __future__ import annotations

import json

from flask import Blueprint
from simple_websocket import ConnectionClosed

from .extensions import sock

bp = Blueprint("realtime", __name__)

IDLE_TIMEOUT_S = 120


@sock.route("/ws", bp=bp)
def socket(ws) -> None:
    while True:
        try:
            raw = ws.receive(timeout=IDLE_TIMEOUT_S)
        except ConnectionClosed:
            return
        if raw is None:
            ws.close(reason=1000, message="idle timeout")
            return
        try:
            message = json.loads(raw)
        except (TypeError, ValueError):
            ws.close(reason=1003, message="malformed JSON")
            return
        if isinstance(message, dict) and message.get("type") == "ping":
            ws.send(json.dumps({"type": "pong", "data": message.get("data")}))
        else:
            ws.send(json.dumps({"type": "error", "error": {"code": "unsupported", "message":
                                "this server answers only ping for now"}}))
