"""Which gunicorn worker class holds flask-sock WebSockets best: gevent or gthread (see docs/benchmarks.md).

Run from the repository root: `.venv/bin/python bench/ws_worker_class.py [--sockets 1000]`.
Bench-only dependency, not in pyproject: `.venv/bin/pip install websockets` (the async client used here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from websockets.asyncio.client import ClientConnection, connect

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
OPEN_IN_FLIGHT = 100  # concurrent handshakes: a burst of thousands would overflow the listen backlog
OPEN_TIMEOUT_S = 10.0
PING_IN_FLIGHT = 32
REQUEST_TIMEOUT_S = 5.0
REQUESTS_PER_CONNECTION = 50
HTTP_REQUEST = f"GET /health/live HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()


def configs(sockets: int, http_concurrency: int) -> dict[str, list[str]]:
    # gthread runs one request per pool thread and a WebSocket keeps its thread until it closes, so the pool must
    # cover every socket plus the HTTP load. Workers accept unevenly, so size it per worker for all of them; the
    # pool starts threads only on demand, so the headroom costs nothing. "gthread-64" is what `codegen up` passes.
    threads = sockets + http_concurrency + 16
    return {
        "gevent": ["--worker-class", "gevent", "--worker-connections", "10000"],
        "gthread": ["--worker-class", "gthread", "--threads", str(threads), "--worker-connections", "10000"],
        "gthread-64": ["--worker-class", "gthread", "--threads", "64"],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_stats(master: psutil.Process) -> tuple[float, int]:
    """Total RSS in MiB and OS threads of the gunicorn master and all its workers."""
    rss = threads = 0
    for process in [master, *master.children(recursive=True)]:
        try:
            rss += process.memory_info().rss
            threads += process.num_threads()
        except psutil.NoSuchProcess:
            pass
    return rss / 2**20, threads


def percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def read_response(reader: asyncio.StreamReader) -> bool:
    """Read one HTTP/1.1 response; True when the server keeps the connection open."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    if not head.startswith("http/1.1 200"):
        raise ValueError(head.splitlines()[0])
    length = next(int(line.split(":")[1]) for line in head.splitlines() if line.startswith("content-length:"))
    await reader.readexactly(length)
    return "connection: close" not in head


async def http_load(port: int, seconds: float, concurrency: int) -> tuple[list[float], int]:
    """GET /health/live from `concurrency` keep-alive clients for `seconds`: latencies and failures."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal failures
        writer = None
        served = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), REQUEST_TIMEOUT_S)
                writer.write(HTTP_REQUEST)
                keep = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT_S)
                latencies.append(time.perf_counter() - start)
                served += 1
                # A kept-alive connection stays on the worker that accepted it; reconnecting now and then stops
                # one uneven first accept from pinning most of the load on one worker for the whole run.
                keep = keep and served % REQUESTS_PER_CONNECTION != 0
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, StopIteration):
                failures, keep = failures + 1, False
            if not keep and writer is not None:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, failures


async def open_sockets(url: str, count: int) -> list[ClientConnection]:
    """Open `count` WebSockets, giving up on the rest once one handshake times out (the server is full)."""
    gate = asyncio.Semaphore(OPEN_IN_FLIGHT)
    full = asyncio.Event()

    async def one() -> ClientConnection | None:
        async with gate:
            if full.is_set():
                return None
            try:
                # No permessage-deflate: accepting it costs the server ≈ 90 KB more per socket.
                return await connect(url, compression=None, proxy=None, ping_interval=None,
                                     open_timeout=OPEN_TIMEOUT_S, close_timeout=2)
            except (OSError, TimeoutError) as exc:
                if isinstance(exc, TimeoutError):
                    full.set()
                return None

    results = await asyncio.gather(*(one() for _ in range(count)))
    return [ws for ws in results if ws is not None]


async def ping_all(sockets: list[ClientConnection]) -> list[float]:
    """One ping→pong round trip on every held socket, PING_IN_FLIGHT at a time."""
    gate = asyncio.Semaphore(PING_IN_FLIGHT)

    async def one(number: int, ws: ClientConnection) -> float | None:
        async with gate:
            start = time.perf_counter()
            try:
                await ws.send(json.dumps({"type": "ping", "data": number}))
                reply = json.loads(await asyncio.wait_for(ws.recv(), REQUEST_TIMEOUT_S))
            except Exception:
                return None
            return time.perf_counter() - start if reply == {"type": "pong", "data": number} else None

    results = await asyncio.gather(*(one(n, ws) for n, ws in enumerate(sockets)))
    return [r for r in results if r is not None]


async def measure(name: str, args: list[str], options: argparse.Namespace, workdir: Path) -> dict[str, float]:
    workdir.mkdir(exist_ok=True)
    port = free_port()
    env = {**os.environ, "INSTANCE_PATH": str(workdir / name), "DATABASE_URL": f"sqlite:///{workdir}/b.db",
           "REDIS_URL": "redis://127.0.0.1:1", "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", f"{HOST}:{port}", "--workers", "2",
            "--graceful-timeout", "5", *args, "app.web.wsgi:app"]
    log = (workdir / f"{name}.log").open("w")
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log, process_group=0)
    sockets: list[ClientConnection] = []
    try:
        for _ in range(300):  # up to 30 s to boot
            await asyncio.sleep(0.1)
            if server.poll() is not None:
                log.flush()
                raise RuntimeError(f"gunicorn {name} exited:\n" + Path(log.name).read_text()[-2000:])
            if (await http_load(port, 0.01, 1))[0]:
                break
        else:
            raise RuntimeError(f"gunicorn {name} did not answer within 30 s")
        idle, _ = await http_load(port, options.http_seconds, options.http_concurrency)  # also warms up
        master = psutil.Process(server.pid)
        rss_idle, threads_idle = server_stats(master)

        start = time.perf_counter()
        sockets = await open_sockets(f"ws://{HOST}:{port}/ws", options.sockets)
        open_s = time.perf_counter() - start
        await asyncio.sleep(1.0)
        rss_held, threads_held = server_stats(master)
        rtts = await ping_all(sockets)
        latencies, failures = await http_load(port, options.http_seconds, options.http_concurrency)
        held = len(sockets)
        return {
            "opened": held, "open_s": open_s, "rss_idle": rss_idle, "rss_held": rss_held,
            "kb_per_socket": (rss_held - rss_idle) * 1024 / held if held else float("nan"),
            "threads_idle": threads_idle, "threads_held": threads_held,
            "pongs": len(rtts), "ping_p50": percentile(rtts, 0.5) * 1e3, "ping_p99": percentile(rtts, 0.99) * 1e3,
            "rps_idle": len(idle) / options.http_seconds, "http_p99_idle": percentile(idle, 0.99) * 1e3,
            "rps": len(latencies) / options.http_seconds, "http_failures": failures,
            "http_p50": percentile(latencies, 0.5) * 1e3, "http_p99": percentile(latencies, 0.99) * 1e3,
        }
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # its own process group: only this gunicorn
            server.wait()
        log.close()


ROWS = [
    ("WebSockets opened", "opened", "{:.0f}"), ("time to open them (s)", "open_s", "{:.2f}"),
    ("server RSS idle (MiB)", "rss_idle", "{:.0f}"), ("server RSS holding them (MiB)", "rss_held", "{:.0f}"),
    ("RSS per socket (KB)", "kb_per_socket", "{:.1f}"),
    ("OS threads idle", "threads_idle", "{:.0f}"), ("OS threads holding them", "threads_held", "{:.0f}"),
    ("pongs received", "pongs", "{:.0f}"),
    ("ping→pong p50 (ms)", "ping_p50", "{:.2f}"), ("ping→pong p99 (ms)", "ping_p99", "{:.2f}"),
    ("/health/live req/s with no WebSocket", "rps_idle", "{:.0f}"),
    ("/health/live p99 with no WebSocket (ms)", "http_p99_idle", "{:.2f}"),
    ("/health/live req/s while holding them", "rps", "{:.0f}"),
    ("/health/live p50 (ms)", "http_p50", "{:.2f}"), ("/health/live p99 (ms)", "http_p99", "{:.2f}"),
    ("/health/live failures/timeouts", "http_failures", "{:.0f}"),
]


def table(results: dict[str, dict[str, float]], options: argparse.Namespace) -> str:
    names = list(results)
    ratio = "gevent" in results and "gthread" in results
    header = ["metric", *names, *(["gevent/gthread"] if ratio else [])]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for label, key, fmt in ROWS:
        cells = [fmt.format(results[n][key]) for n in names]
        if ratio:
            a, b = results["gevent"][key], results["gthread"][key]
            cells.append(f"{a / b:.3g}" if b else "-")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    title = (f"N = {options.sockets} WebSockets, 2 workers, median of {options.rounds} rounds; "
             f"HTTP: {options.http_concurrency} keep-alive clients for {options.http_seconds:g} s")
    return title + "\n\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000, help="WebSockets to hold (1-5000)")
    parser.add_argument("--http-seconds", type=float, default=5.0, help="length of each HTTP load")
    parser.add_argument("--http-concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each configuration; the table shows medians")
    parser.add_argument("--only", nargs="+", choices=["gevent", "gthread", "gthread-64"], help="configurations to run")
    options = parser.parse_args()
    if not (1 <= options.sockets <= 5000 and 1 <= options.http_concurrency <= 256 and 1 <= options.rounds <= 10):
        parser.error("--sockets must be 1-5000, --http-concurrency 1-256 and --rounds 1-10")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * options.sockets + 1024)), hard))

    chosen = {name: args for name, args in configs(options.sockets, options.http_concurrency).items()
              if not options.only or name in options.only}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in chosen}
    with tempfile.TemporaryDirectory(prefix="ws-bench-") as workdir:
        for number in range(options.rounds):
            # Alternate the order so that drift in the shared machine's load does not favour one class.
            for name in list(chosen)[:: 1 if number % 2 == 0 else -1]:
                print(f"round {number + 1}, {name}: {' '.join(chosen[name])}", file=sys.stderr, flush=True)
                runs[name].append(asyncio.run(measure(name, chosen[name], options, Path(workdir) / str(number))))
    medians = {name: {key: statistics.median(run[key] for run in rounds) for key in rounds[0]}
               for name, rounds in runs.items()}
    print(table(medians, options))


if __name__ == "__main__":
    main()
