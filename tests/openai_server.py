"""A local OpenAI-compatible HTTP server for tests: replays scripted answers and records every request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REFERENCE_MARK = "A working reference version of this file:\n"


@dataclass
class Reply:
    """One scripted answer: a streamed text, or an HTTP error, or a stall longer than the client waits."""

    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    usage: tuple[int, int] | None = (100, 50)
    chunk_size: int = 16
    finish_reason: str = "stop"
    drop_after: int | None = None  # close the connection after this many chunks, with no finish and no [DONE]
    error_event: str | None = None  # after the text, an error event inside the stream instead of a finish
    stall_s: float = 0.0  # pause this long after the first chunk


def echo_reference(request: dict[str, Any]) -> Reply:
    """A model that plans nothing new, writes each file as its reference, and finds no defects."""
    system = request["messages"][0]["content"]
    user = request["messages"][-1]["content"]
    if REFERENCE_MARK in user:
        return Reply(text=user.split(REFERENCE_MARK, 1)[1])
    if "plan software projects" in system:
        return Reply(text='{"entities": [], "features": []}')
    if "review generated code" in system:
        return Reply(text='{"findings": []}')
    return Reply(text="{}")


class OpenAIServer:
    def __init__(self, default: Callable[[dict[str, Any]], Reply] = echo_reference) -> None:
        self.replies: list[Reply] = []
        self.default = default
        self.requests: list[dict[str, Any]] = []
        self.times: list[float] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            self.times.append(time.monotonic())
            return self.replies.pop(0) if self.replies else self.default(request)

    def start(self) -> OpenAIServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path != "/v1/chat/completions":
                    return self._error(404, "not found")
                reply = server._next(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    return self._error(reply.status, f"scripted {reply.status}", reply.headers)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                model = body.get("model", "test-model")
                try:
                    for number, start in enumerate(range(0, len(reply.text), reply.chunk_size)):
                        if reply.drop_after is not None and number >= reply.drop_after:
                            self.close_connection = True
                            return
                        piece = reply.text[start:start + reply.chunk_size]
                        self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]},
                                    model)
                        if number == 0 and reply.stall_s:
                            time.sleep(reply.stall_s)
                    if reply.error_event:
                        self.wfile.write(f"data: {json.dumps({'error': {'message': reply.error_event}})}\n\n".encode())
                        self.wfile.flush()
                        self.close_connection = True
                        return
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                    return
                self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]}, model)
                if reply.usage:
                    self._event({"choices": [], "usage": {"prompt_tokens": reply.usage[0],
                                                          "completion_tokens": reply.usage[1],
                                                          "total_tokens": sum(reply.usage)}}, model)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, payload: dict[str, Any], model: str) -> None:
                chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
                         **payload}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
                data = json.dumps({"error": {"message": message, "type": "test", "code": status}}).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
