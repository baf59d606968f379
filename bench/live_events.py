"""Progress events to many `/ws` subscribers, and what a signed-in socket costs (docs/benchmarks.md).

1. fan-out: N sockets (default 1,000) subscribe to one job on one web process; events appended to its stream
   (as a worker appends them) carry their send time; p50/p99 from append to receipt, sockets still alive, and the
   CPU the web process and the client spent per event (the client shares the machine's cores).
2. memory: M signed-in sockets (default 5,000) on one web process; the web process's RSS growth per socket.

Run from the repository root: `.venv/bin/python bench/live_events.py [--subscribers 1000] [--events 50]
[--sockets 5000]`. Bench-only dependency: `.venv/bin/pip install websockets`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import redis
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.service import HOST, Service, percentile
from bench.ws_client import Client, read_all

OPENING = 100  # handshakes in flight


async def open_signed_in(url: str, key: str, count: int, job_id: str | None) -> list:
    gate = asyncio.Semaphore(OPENING)

    async def one():
        async with gate:
            ws = await connect(url, max_size=None, open_timeout=30, ping_interval=None, compression=None)
            await ws.send(json.dumps({"type": "auth", "token": key}))
            assert json.loads(await ws.recv())["type"] == "authenticated"
            if job_id:
                await ws.send(json.dumps({"type": "subscribe", "job_id": job_id}))
                while json.loads(await ws.recv()).get("type") != "subscribed":
                    pass
            return ws

    return list(await asyncio.gather(*(one() for _ in range(count))))


def open_subscribed(service: Service, key: str, count: int, job_id: str) -> list[Client]:
    def one(_: int) -> Client:
        client = Client(HOST, service.port)
        client.send({"type": "auth", "token": key})
        assert client.receive()["type"] == "authenticated"
        client.send({"type": "subscribe", "job_id": job_id})
        while client.receive().get("type") != "subscribed":
            pass
        return client

    with ThreadPoolExecutor(OPENING // 4) as pool:
        return list(pool.map(one, range(count)))


def fan_out(service: Service, key: str, subscribers: int, events: int) -> dict:
    """Events appended 100 ms apart, read by one epoll loop (bench/ws_client.py) with each message's arrival time;
    the web process's and this client's CPU per event show who spent the time."""
    job_id = service.post_job(key, "fan-out")
    while service.job(key, job_id)["status"] not in ("completed", "failed"):
        time.sleep(0.2)
    clients = open_subscribed(service, key, subscribers, job_id)
    latencies: list[float] = []
    received = [0] * len(clients)

    def on_message(index: int, arrived: float, text: str) -> None:
        # The finished job's history arrives first; then the benchmark's events.
        if '"sent"' in text:
            message = json.loads(text)
            if message.get("type") == "log":
                latencies.append(arrived - message["data"]["sent"])
                received[index] += 1

    from app.services.events import Event, append_event
    connection = redis.Redis.from_url(f"unix://{service.instance / 'redis' / 'redis.sock'}")

    def append() -> None:
        time.sleep(1)
        for n in range(events):
            append_event(connection, None, Event(job_id=job_id, type="log", message=f"event {n}",
                                                 data={"sent": time.time()}))
            time.sleep(0.1)

    (pid,) = service.web_pids()
    web = psutil.Process(pid)
    web_cpu, own_cpu = sum(web.cpu_times()[:2]), time.process_time()
    appender = threading.Thread(target=append)
    appender.start()
    read_all(clients, lambda: min(received) >= events, on_message, deadline_s=60 + events * 0.1)
    appender.join()
    web_ms = (sum(web.cpu_times()[:2]) - web_cpu) * 1000 / events
    client_ms = (time.process_time() - own_cpu) * 1000 / events
    alive = sum(1 for client in clients if _open(client))
    for client in clients:
        client.close()
    return {"subscribers": subscribers, "events": events, "alive": alive,
            "complete": sum(r == events for r in received), "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "web_cpu_ms_per_event": round(web_ms, 1), "client_cpu_ms_per_event": round(client_ms, 1)}


def _open(client: Client) -> bool:
    from wsproto.connection import ConnectionState

    return client.ws.state is ConnectionState.OPEN


async def memory(service: Service, key: str, count: int) -> dict:
    (pid,) = service.web_pids()
    web = psutil.Process(pid)
    await open_signed_in(f"{service.ws_url}/ws", key, 50, None)  # warm the process up first
    await asyncio.sleep(2)
    before = web.memory_info().rss
    sockets = await open_signed_in(f"{service.ws_url}/ws", key, count, None)
    await asyncio.sleep(3)
    after = web.memory_info().rss
    alive = sum(1 for ws in sockets if ws.state.name == "OPEN")
    for ws in sockets:
        await ws.close()
    return {"sockets": count, "alive": alive, "rss_growth_mib": round((after - before) / 2**20, 1),
            "kb_per_socket": round((after - before) / count / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--sockets", type=int, default=5000)
    args = parser.parse_args()
    with Service(web_workers=1) as service:
        key = service.api_key()
        print(json.dumps({"fan_out": fan_out(service, key, args.subscribers, args.events)}), flush=True)
        print(json.dumps({"memory": asyncio.run(memory(service, key, args.sockets))}), flush=True)


if __name__ == "__main__":
    main()
