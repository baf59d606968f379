"""A lean WebSocket client for the benchmarks: many sockets read by one epoll loop, framing by wsproto (already
installed with simple-websocket), so the client spends little of the machine's two cores that the server needs;
each message is timed by the kernel's receive timestamp, not by when this loop got round to it."""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from collections.abc import Callable

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, Ping, RejectConnection, Request, TextMessage


class Client:
    """One blocking socket until `start_streaming`; then its messages arrive through `Reader`."""

    def __init__(self, host: str, port: int, path: str = "/ws", timeout_s: float = 30) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.pending: list[str] = []
        self.sock.sendall(self.ws.send(Request(host=f"{host}:{port}", target=path)))
        while not self._pump(lambda event: isinstance(event, (AcceptConnection, RejectConnection))):
            pass

    def send(self, message: dict) -> None:
        self.sock.sendall(self.ws.send(Message(data=json.dumps(message))))

    def receive(self) -> dict:
        while not self.pending:
            self._pump(lambda event: False)
        return json.loads(self.pending.pop(0))

    def _pump(self, stop: Callable) -> bool:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the socket")
        return self.feed(data, stop)

    def feed(self, data: bytes, stop: Callable = lambda event: False) -> bool:
        self.ws.receive_data(data)
        stopped = False
        for event in self.ws.events():
            if isinstance(event, RejectConnection):
                raise ConnectionError(f"handshake refused: {event.status_code}")
            if isinstance(event, TextMessage):
                self.pending.append(event.data)  # whole messages: wsproto joins frames only on request
            elif isinstance(event, Ping):
                self.sock.sendall(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                raise ConnectionError(f"closed {event.code}: {event.reason}")
            stopped = stopped or stop(event)
        return stopped

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


_TIMESPEC = struct.Struct("qq")
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value; Python does not name it


def _arrival(ancillary: list[tuple[int, int, bytes]], fallback: float) -> float:
    """The kernel's receive time of the first bytes read (SO_TIMESTAMPNS), so that the time this client takes to
    get round to a socket does not count as the server's latency."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
            seconds, nanoseconds = _TIMESPEC.unpack_from(data)
            return seconds + nanoseconds / 1e9
    return fallback


def read_all(clients: list[Client], until: Callable[[], bool], on_message: Callable[[int, float, str], None],
             deadline_s: float) -> None:
    """Read every client's messages with one epoll loop until `until()` or the deadline; `on_message(index,
    arrived_at, text)` gets each message with the time the kernel received its bytes."""
    poller = select.epoll()
    by_fd = {}
    ancillary_size = socket.CMSG_SPACE(_TIMESPEC.size)
    for index, client in enumerate(clients):
        client.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        client.sock.setblocking(False)
        poller.register(client.sock.fileno(), select.EPOLLIN)
        by_fd[client.sock.fileno()] = index
        for text in client.pending:
            on_message(index, time.time(), text)
        client.pending.clear()
    stop = time.monotonic() + deadline_s
    try:
        while not until() and time.monotonic() < stop:
            for fd, _ in poller.poll(0.5):
                index = by_fd[fd]
                client = clients[index]
                try:
                    data, ancillary, _, _ = client.sock.recvmsg(1 << 16, ancillary_size)
                except BlockingIOError:
                    continue
                arrived = _arrival(ancillary, time.time())
                if not data:
                    poller.unregister(fd)
                    continue
                client.feed(data)
                for text in client.pending:
                    on_message(index, arrived, text)
                client.pending.clear()
    finally:
        poller.close()
