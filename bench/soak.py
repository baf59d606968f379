"""A soak of the whole service, run by hand (not in CI): browsing, submissions and sockets for a while, then
memory growth after warm-up and every error response (docs/benchmarks.md). The goal: under 10% growth of the
web and worker processes' memory after the first two minutes, and no error response.

Run from the repository root: `.venv/bin/python bench/soak.py [--minutes 10] [--clients 8] [--sockets 50]`.
Bench-only dependency: `.venv/bin/pip install websockets`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import psutil
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.service import Service

WARM_UP_S = 120
PAGES = ("/health", "/health/live", "/api/templates", "/api/jobs", "/api/stats", "/metrics")


def rss_mib(service: Service) -> float:
    processes = psutil.Process(service.process.pid).children(recursive=True)
    total = 0
    for process in processes:
        try:
            if "redis-server" not in process.name():
                total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def browse(service: Service, key: str, until: float, statuses: Counter, lock: threading.Lock) -> None:
    n = 0
    while time.monotonic() < until:
        for path in PAGES:
            request = urllib.request.Request(f"{service.url}{path}", headers={"X-API-Key": key})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            with lock:
                statuses[status] += 1
        if n % 5 == 0:
            try:
                job_id = service.post_job(key, f"soak-{threading.get_ident()}-{n}")
                with lock:
                    statuses["submitted"] += 1
                while service.job(key, job_id)["status"] in ("queued", "running"):
                    time.sleep(0.5)
            except urllib.error.HTTPError as error:
                with lock:
                    statuses[error.code] += 1
        n += 1


async def sockets(service: Service, key: str, count: int, until: float, statuses: Counter) -> None:
    async def one() -> None:
        while time.monotonic() < until:
            try:
                async with connect(f"{service.ws_url}/ws", open_timeout=30) as ws:
                    await ws.send(json.dumps({"type": "auth", "token": key}))
                    for _ in range(10):
                        await ws.send(json.dumps({"type": "ping"}))
                        while json.loads(await ws.recv())["type"] != "pong":
                            pass
                        await asyncio.sleep(1)
                statuses["ws_ok"] += 1
            except Exception:
                statuses["ws_error"] += 1

    await asyncio.gather(*(one() for _ in range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sockets", type=int, default=50)
    args = parser.parse_args()
    with Service(workers=2, web_workers=2) as service:
        keys = [service.api_key(f"soak{n}@example.com") for n in range(args.clients)]
        until = time.monotonic() + args.minutes * 60
        statuses: Counter = Counter()
        lock = threading.Lock()
        threads = [threading.Thread(target=browse, args=(service, key, until, statuses, lock)) for key in keys]
        for thread in threads:
            thread.start()
        socket_thread = threading.Thread(target=lambda: asyncio.run(sockets(service, keys[0], args.sockets, until,
                                                                              statuses)))
        socket_thread.start()
        samples = []
        started = time.monotonic()
        while time.monotonic() < until:
            samples.append((round(time.monotonic() - started), round(rss_mib(service), 1)))
            time.sleep(10)
        for thread in [*threads, socket_thread]:
            thread.join()
    after_warm_up = [rss for t, rss in samples if t >= WARM_UP_S] or [samples[-1][1]]
    growth = (after_warm_up[-1] - after_warm_up[0]) / after_warm_up[0] * 100
    errors = {k: v for k, v in statuses.items() if k in (0, "ws_error") or (isinstance(k, int) and k >= 400)}
    print(json.dumps({"minutes": args.minutes, "requests": dict(statuses), "errors": errors,
                      "rss_mib_first_last_after_warm_up": [after_warm_up[0], after_warm_up[-1]],
                      "growth_percent": round(growth, 1), "samples": samples}))


if __name__ == "__main__":
    main()
