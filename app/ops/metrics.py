"""Prometheus metrics kept in Redis, so that every web process and worker adds to the same figures.

gunicorn runs several web processes and a scrape reaches only one of them, so per-process counters
would show a random slice. Each process counts requests in memory and adds its counts to Redis
hashes every FLUSH_INTERVAL_S; a scrape reads the hashes, plus figures computed from the database
and the queue at that moment. No Flask here: the worker records agent durations too.
"""

from __future__ import annotations

import bisect
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

PREFIX = "codegen:metrics"
HTTP_COUNTS = f"{PREFIX}:http_requests"
HTTP_DURATIONS = f"{PREFIX}:http_duration"
AGENT_DURATIONS = f"{PREFIX}:agent_duration"
WS_PROCESS_PREFIX = f"{PREFIX}:ws"

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
AGENT_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
FLUSH_INTERVAL_S = 2.0
# A process that stops refreshing its WebSocket count (it died) drops out of the sum after this long.
WS_COUNT_TTL_S = 15
SEP = "\t"
# The WebSocket routes (app/web/realtime.py, app/web/jobs/live.py), as the gauge labels them.
WS_ENDPOINTS = ("/ws", "/ws/jobs")


def _bucket(buckets: tuple[float, ...], seconds: float) -> str:
    index = bisect.bisect_left(buckets, seconds)
    return str(index)  # len(buckets) is the +Inf bucket


class Recorder:
    """This process's counts since its last flush, and its open WebSockets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._durations: Counter[str] = Counter()
        self._sums: dict[str, float] = {}
        self._sockets: Counter[str] = Counter()
        self._pid = 0
        self._thread: threading.Thread | None = None
        self._name = uuid.uuid4().hex[:8]
        self.connection_factory: Callable[[], redis.Redis] | None = None

    # --- recording, in the request path: memory only ---------------------------------------------------

    def request(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        labels = SEP.join((method, endpoint))
        with self._lock:
            self._counts[SEP.join((labels, str(status)))] += 1
            self._durations[SEP.join((labels, _bucket(HTTP_BUCKETS, seconds)))] += 1
            self._durations[SEP.join((labels, "count"))] += 1
            self._sums[labels] = self._sums.get(labels, 0.0) + seconds
        self._ensure_flusher()

    def socket_opened(self, endpoint: str) -> None:
        with self._lock:
            self._sockets[endpoint] += 1
        self._ensure_flusher()

    def socket_closed(self, endpoint: str) -> None:
        with self._lock:
            self._sockets[endpoint] -= 1

    # --- flushing, in the background and before a scrape ------------------------------------------------

    def flush(self, connection: redis.Redis) -> None:
        with self._lock:
            counts, durations, sums = self._counts, self._durations, self._sums
            sockets = {k: v for k, v in self._sockets.items() if v > 0}
            self._counts, self._durations, self._sums = Counter(), Counter(), {}
        try:
            pipe = connection.pipeline(transaction=False)
            for field, amount in counts.items():
                pipe.hincrby(HTTP_COUNTS, field, amount)
            for field, amount in durations.items():
                pipe.hincrby(HTTP_DURATIONS, field, amount)
            for labels, seconds in sums.items():
                pipe.hincrbyfloat(HTTP_DURATIONS, SEP.join((labels, "sum")), seconds)
            key = f"{WS_PROCESS_PREFIX}:{socket.gethostname()}:{os.getpid()}:{self._name}"
            pipe.delete(key)
            if sockets:
                pipe.hset(key, mapping=sockets)
                pipe.expire(key, WS_COUNT_TTL_S)
            pipe.execute()
        except (redis.RedisError, OSError):
            # Keep the counts for the next flush rather than lose them while Redis is away.
            with self._lock:
                self._counts.update(counts)
                self._durations.update(durations)
                for labels, seconds in sums.items():
                    self._sums[labels] = self._sums.get(labels, 0.0) + seconds
            raise

    def _ensure_flusher(self) -> None:
        if self._pid == os.getpid() or self.connection_factory is None:
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()  # a forked child starts its own flusher
            self._thread = threading.Thread(target=self._flush_forever, name="metrics-flush", daemon=True)
            self._thread.start()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL_S)
            try:
                self.flush(self.connection_factory())
            except (redis.RedisError, OSError) as exc:
                log.debug("metrics flush failed: %s", exc)


recorder = Recorder()


def observe_agent(connection: redis.Redis, agent: str, outcome: str, seconds: float) -> None:
    """Add one agent run to the shared histogram (called by the worker)."""
    labels = SEP.join((agent, outcome))
    pipe = connection.pipeline(transaction=False)
    pipe.hincrby(AGENT_DURATIONS, SEP.join((labels, _bucket(AGENT_BUCKETS, seconds))), 1)
    pipe.hincrby(AGENT_DURATIONS, SEP.join((labels, "count")), 1)
    pipe.hincrbyfloat(AGENT_DURATIONS, SEP.join((labels, "sum")), seconds)
    pipe.execute()


class AgentTimer:
    """Times each agent of one job from its `started` event to its `completed` or `failed` event."""

    def __init__(self, connection: redis.Redis, clock: Callable[[], float] = time.monotonic) -> None:
        self.connection = connection
        self.clock = clock
        self.started: dict[str, float] = {}

    def event(self, type_: str, agent: str | None, status: str) -> None:
        if type_ != "agent" or not agent:
            return
        if status in ("started", "repairing"):
            self.started[agent] = self.clock()
        elif status in ("completed", "failed") and agent in self.started:
            seconds = self.clock() - self.started.pop(agent)
            try:
                observe_agent(self.connection, agent, status, seconds)
            except redis.RedisError as exc:
                log.debug("could not record the duration of agent %s: %s", agent, exc)


# --- reading, on scrape --------------------------------------------------------------------------------


def _decode(mapping: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in mapping.items()}


def _histograms(raw: dict[str, str], label_names: tuple[str, ...], buckets: tuple[float, ...],
                name: str, documentation: str) -> HistogramMetricFamily:
    per_labels: dict[tuple[str, ...], dict[str, float]] = {}
    for field, value in raw.items():
        *labels, part = field.split(SEP)
        if len(labels) != len(label_names):
            continue
        per_labels.setdefault(tuple(labels), {})[part] = float(value)
    family = HistogramMetricFamily(name, documentation, labels=label_names)
    bounds = [*(str(b) for b in buckets), "+Inf"]
    for labels, parts in sorted(per_labels.items()):
        cumulative, rows = 0.0, []
        for index, bound in enumerate(bounds):
            cumulative += parts.get(str(index), 0.0)
            rows.append((bound, cumulative))
        family.add_metric(list(labels), rows, parts.get("sum", 0.0))
    return family


def websocket_counts(connection: redis.Redis) -> Counter[str]:
    total: Counter[str] = Counter()
    for key in connection.scan_iter(match=f"{WS_PROCESS_PREFIX}:*", count=100):
        for endpoint, count in _decode(connection.hgetall(key)).items():
            total[endpoint] += int(count)
    return total


class SharedCollector(Collector):
    """Yields the shared figures on scrape; `snapshot` supplies the database and queue figures."""

    def __init__(self, connection: redis.Redis, snapshot: Callable[[], dict[str, Any]]) -> None:
        self.connection = connection
        self.snapshot = snapshot

    def collect(self) -> Iterator[Any]:
        yield from self._http()
        yield from self._sockets()
        yield _histograms(_decode(self.connection.hgetall(AGENT_DURATIONS)), ("agent", "outcome"),
                          AGENT_BUCKETS, "codegen_agent_duration_seconds",
                          "Time each agent took per job, from its start to its end")
        yield from self._service(self.snapshot())

    def _http(self) -> Iterable[Any]:
        counts = CounterMetricFamily("codegen_http_requests", "HTTP requests answered, by route and status",
                                     labels=("method", "endpoint", "status"))
        for field, value in sorted(_decode(self.connection.hgetall(HTTP_COUNTS)).items()):
            labels = field.split(SEP)
            if len(labels) == 3:
                counts.add_metric(labels, float(value))
        yield counts
        yield _histograms(_decode(self.connection.hgetall(HTTP_DURATIONS)), ("method", "endpoint"), HTTP_BUCKETS,
                          "codegen_http_request_duration_seconds", "Time to answer HTTP requests, by route")

    def _sockets(self) -> Iterable[Any]:
        gauge = GaugeMetricFamily("codegen_websocket_connections", "Open WebSocket connections, all processes",
                                  labels=("endpoint",))
        # Every socket endpoint reads a number, 0 included: a series that vanishes at zero looks like missing data.
        counts = websocket_counts(self.connection)
        for endpoint in sorted(set(WS_ENDPOINTS) | set(counts)):
            gauge.add_metric([endpoint], max(0, counts.get(endpoint, 0)))
        yield gauge

    def _service(self, stats: dict[str, Any]) -> Iterable[Any]:
        jobs = GaugeMetricFamily("codegen_jobs", "Jobs in the database, by status", labels=("status",))
        for status, count in stats["by_status"].items():
            jobs.add_metric([status], count)
        yield jobs
        queue = GaugeMetricFamily("codegen_queue_depth", "Jobs waiting in the queue", labels=("queue",))
        if stats.get("queue_depth") is not None:
            queue.add_metric([stats["queue_name"]], stats["queue_depth"])
        yield queue
        workers = GaugeMetricFamily("codegen_workers", "RQ workers, by state", labels=("state",))
        for state, count in (stats.get("workers") or {}).items():
            if state != "total":
                workers.add_metric([state], count)
        yield workers
        tokens = CounterMetricFamily("codegen_llm_tokens", "LLM tokens spent by finished jobs",
                                     labels=("direction",))
        tokens.add_metric(["in"], stats["tokens_in"])
        tokens.add_metric(["out"], stats["tokens_out"])
        yield tokens
        yield CounterMetricFamily("codegen_llm_cost_usd", "LLM cost of finished jobs in US dollars",
                                  value=stats["cost_usd"])
