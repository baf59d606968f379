"""`/health` (database + Redis + workers) against `/health/live` (the process alone) on the same server, in one
run: requests per second and p99 with C keep-alive clients for D seconds each (docs/benchmarks.md).

Run from the repository root: `.venv/bin/python bench/health_probe.py [--clients 16] [--seconds 10]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.service import HOST, Service, percentile


def load(port: int, path: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"path": path, "rps": round(len(latencies) / seconds), "p50_ms": round(percentile(latencies, 0.5) * 1e3, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1e3, 2), "errors": errors[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with Service(web_workers=2) as service:
        load(service.port, "/health", args.clients, 2)  # warm-up
        live = load(service.port, "/health/live", args.clients, args.seconds)
        ready = load(service.port, "/health", args.clients, args.seconds)
    print(json.dumps({"live": live, "health": ready, "rps_ratio": round(ready["rps"] / live["rps"], 2),
                      "p99_ratio": round(ready["p99_ms"] / live["p99_ms"], 2)}))


if __name__ == "__main__":
    main()
