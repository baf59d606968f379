"""What every WebSocket of ours needs from simple-websocket beyond its defaults: whole writes, one writer at a time,
and one wake-up for "a message came in" and "an event is waiting to go out".

simple-websocket 1.1 writes frames with `socket.send`, which under gevent may write only part of a frame when the
send buffer is full; the rest is dropped and the client sees a broken frame (close 1002; upstream issue #45, fixed
there but unreleased). Its reader thread also writes (pongs, the close handshake) while our handler sends. So the
socket is wrapped: every write is a `sendall` under the socket's own lock, and our sends hold that lock across
framing and writing, so frames never interleave. The fan-out's reader may also write an already encoded frame
straight into a socket's send buffer (`send_frame_now`), never waiting on a slow client.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

from gevent import socket as gevent_socket
from simple_websocket import ConnectionClosed


def _send_without_waiting(sock: Any) -> Callable[[bytes], int] | None:
    """`send` that raises BlockingIOError rather than wait for room, or None for a socket that cannot promise it.
    gevent's socket waits unless given a timeout of 0; a plain socket honours MSG_DONTWAIT only without a timeout
    of its own (gunicorn's gthread and werkzeug set none)."""
    if isinstance(sock, gevent_socket.socket):
        return lambda data: sock.send(data, 0, 0.0)
    if isinstance(sock, socket.socket) and sock.gettimeout() is None:
        return lambda data: sock.send(data, socket.MSG_DONTWAIT)
    return None


class _WholeWrites:
    """The connection's socket, except that `send` writes everything it is given, one writer at a time.

    `send_now` writes a frame only as far as the send buffer takes it at once; what it could not write waits in
    `pending`, and every later write (and `flush`) sends that first, so frames stay whole and in order."""

    __slots__ = ("_now", "_sock", "lock", "pending")

    def __init__(self, sock: Any, lock: threading.RLock) -> None:
        self._sock, self.lock = sock, lock
        self._now = _send_without_waiting(sock)
        self.pending = b""

    def send(self, data: bytes) -> int:
        with self.lock:
            self.flush()
            # One `send` usually takes the whole frame; `sendall` only for what a full buffer left over.
            sent = self._sock.send(data)
            if sent < len(data):
                self._sock.sendall(memoryview(data)[sent:])
        return len(data)

    sendall = send

    def flush(self) -> None:
        with self.lock:
            if self.pending:
                pending, self.pending = self.pending, b""
                self._sock.sendall(pending)

    def close(self) -> None:
        with self.lock:  # not while another writer is half-way through a frame
            self._sock.close()

    def send_now(self, data: bytes) -> bool:
        """Start writing `data` without waiting: False when not one byte could go (nothing was written, so the
        caller may queue it instead); True when it went out or its rest waits in `pending`. Call under `lock`."""
        if self.pending or self._now is None:
            return False
        try:
            sent = self._now(data)
        except OSError:  # no room (BlockingIOError), or the socket broke: its own reader will see that
            return False
        if sent < len(data):
            self.pending = data[sent:]
        return sent > 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class Channel:
    """One server socket: `send` whole frames under a per-socket lock; `wake` is set by incoming messages (and by
    whoever queues something for this socket), so one wait covers both directions."""

    __slots__ = ("_plain_frames", "lock", "wake", "ws")

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._plain_frames: bool | None = None
        self.lock = threading.RLock()
        if not isinstance(ws.sock, _WholeWrites):
            ws.sock = _WholeWrites(ws.sock, self.lock)
        # simple-websocket's reader thread sets `ws.event` after each incoming message and on close.
        self.wake = ws.event

    def send(self, text: str) -> None:
        with self.lock:
            self.ws.send(text)

    def send_frame(self, frame: bytes, text: str) -> None:
        """Send a text frame encoded once for every socket (`text_frame`); a socket that negotiated an extension
        (permessage-deflate, offered by browsers) frames `text` itself."""
        if not self.plain():
            self.send(text)
            return
        if not self.ws.connected:
            raise ConnectionClosed(self.ws.close_reason, self.ws.close_message)
        with self.lock:
            self.ws.sock.send(frame)

    def send_frame_now(self, frame: bytes) -> bool:
        """Send an encoded frame from another thread without waiting for the socket: False (nothing written)
        when this socket frames its own messages, is busy, closed, or its send buffer is full. The caller holds
        `lock`. Whatever part of the frame did not fit goes out before any later write; `wake` makes the socket's
        own loop `flush` it."""
        if not self.plain() or not self.ws.connected:
            return False
        sent = self.ws.sock.send_now(frame)
        if self.ws.sock.pending:
            self.wake.set()
        return sent

    def flush(self) -> None:
        """Finish writing a frame `send_frame_now` could only start."""
        self.ws.sock.flush()

    def plain(self) -> bool:
        """No extension was negotiated (fixed at the handshake, so asked once); simple-websocket never leaves a
        message half sent, so no fragment is pending between our sends."""
        if self._plain_frames is None:
            protocol = getattr(getattr(self.ws.ws, "connection", None), "_proto", None)
            self._plain_frames = protocol is not None and not protocol.extensions
        return self._plain_frames

    def close(self, code: int, reason: str) -> None:
        with self.lock:
            self.ws.close(reason=code, message=reason)

    def wait(self, timeout: float | None) -> None:
        """Sleep until a message arrives, something is queued for this socket, it closes, or `timeout` passes."""
        self.wake.wait(timeout)
        self.wake.clear()

    def receive_ready(self) -> list[str | bytes]:
        """The messages that have arrived, without waiting; raises ConnectionClosed once the socket has closed.
        (simple-websocket's `receive(timeout=0)` would do the same through a zero timeout per call, which costs
        a gevent timer each time an event wakes the socket.)"""
        buffer = self.ws.input_buffer
        received = []
        while buffer:
            received.append(buffer.pop(0))
        if not received and not self.ws.connected:
            raise ConnectionClosed(self.ws.close_reason, self.ws.close_message)
        return received


def text_frame(text: str) -> bytes:
    """A complete, unmasked server-to-client text frame (RFC 6455 §5.2), with no extension."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 2**16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload
