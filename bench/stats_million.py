"""How fast are `/api/stats` and `/metrics` with a million jobs in SQLite (see docs/benchmarks.md)?

Run from the repository root: `.venv/bin/python bench/stats_million.py [--jobs 1000000] [--keep DIR]`.
It builds the schema from the models, fills `jobs` with JOBS rows in a realistic mix of statuses (no ANALYZE, as
in service, unless --analyze), then times
(1) each aggregate query, with and without the stats index, warm, median of several runs, with SQLite's plan;
(2) `compute_job_figures`, what one process runs when the shared copy is stale;
(3) `GET /api/stats` and `GET /metrics` through the app with a real Redis: a cold request and warm ones.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from app import create_app, db  # noqa: E402
from app.models import Base, User  # noqa: E402
from app.ops.embedded_redis import EmbeddedRedis  # noqa: E402
from app.services import stats as stats_service  # noqa: E402
from app.services.users import create_api_key  # noqa: E402
from app.settings import load_settings  # noqa: E402

STATUS_MIX = (("completed", 0.72), ("failed", 0.14), ("cancelled", 0.09), ("queued", 0.03), ("running", 0.02))
TEMPLATES = ("react-app", "fastapi-backend", "fullstack-app")
COUNTS = "SELECT status, count(*) FROM jobs GROUP BY status"
# What the service ran before: durations from timestamps, newest by finish (no index leads with finished_at).
BY_FINISH = ("SELECT (julianday(finished_at) - julianday(started_at)) * 86400.0 FROM jobs "
             "WHERE status = 'completed' ORDER BY finished_at DESC LIMIT 10000")
# The app's recent_durations() with a `duration_ms IS NOT NULL` added: the trap its docstring describes.
NOT_NULL = ("SELECT duration_ms FROM jobs WHERE status = 'completed' AND duration_ms IS NOT NULL "
            "ORDER BY created_at DESC LIMIT 10000")
LAYOUTS = {
    "as shipped": ([], []),
    "without ix_jobs_status_usage": (
        ["DROP INDEX ix_jobs_status_usage"],
        ["CREATE INDEX ix_jobs_status_usage ON jobs (status, tokens_in, tokens_out, cost_usd)"]),
}


def app_sql(statement) -> str:
    from sqlalchemy.dialects import sqlite

    return str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def sqlite_time(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def fill(path: Path, jobs: int, owner_id: int, analyze: bool) -> float:
    """Insert `jobs` rows with raw sqlite3 (the ORM would take minutes); the seconds it took."""
    started = time.perf_counter()
    random.seed(42)
    connection = sqlite3.connect(path)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(jobs)")]
    now = datetime.now(UTC)
    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]

    def row(n: int) -> dict:
        status = random.choices(statuses, weights)[0]
        created = now - timedelta(seconds=(jobs - n) * 30 + random.random())
        values = {
            "id": uuid.UUID(int=random.getrandbits(128)).hex, "owner_id": owner_id, "team_id": None,
            "parent_id": None, "name": f"project-{n}", "template_id": random.choice(TEMPLATES),
            "description": "", "spec": "{}", "options": "{}", "status": status,
            "progress": 100 if status == "completed" else random.randint(0, 99), "current_agent": None,
            "error": "stopped" if status == "failed" else None, "created_at": sqlite_time(created),
            "started_at": None, "finished_at": None, "duration_ms": None, "tokens_in": 0, "tokens_out": 0,
            "cost_usd": 0.0, "files_count": 0, "verified": status == "completed", "share_token": None,
            "request_id": None, "usage": "{}", "report": "{}", "zip_sha256": None,
        }
        if status != "queued":
            begun = created + timedelta(seconds=random.uniform(0.1, 5))
            values["started_at"] = sqlite_time(begun)
            if status != "running":
                seconds = random.lognormvariate(3.4, 0.6)  # median ≈ 30 s
                values["finished_at"] = sqlite_time(begun + timedelta(seconds=seconds))
                values["duration_ms"] = round(seconds * 1000)
                values["tokens_in"] = random.randint(2_000, 40_000)
                values["tokens_out"] = random.randint(1_000, 20_000)
                values["cost_usd"] = round((values["tokens_in"] * 0.15 + values["tokens_out"] * 0.6) / 1e6, 6)
                values["files_count"] = random.randint(10, 60)
        return {c: values.get(c) for c in columns}

    sql = f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    batch = 50_000
    for first in range(0, jobs, batch):
        rows = [tuple(row(n).values()) for n in range(first, min(first + batch, jobs))]
        connection.executemany(sql, rows)
        connection.commit()
    if analyze:
        connection.execute("ANALYZE")
        connection.commit()
    connection.close()
    return time.perf_counter() - started


def timed(run, repeat: int) -> tuple[float, float]:
    """(first run, median of the next `repeat`) in milliseconds."""
    first = time.perf_counter()
    run()
    first = (time.perf_counter() - first) * 1000
    samples = []
    for _ in range(repeat):
        begun = time.perf_counter()
        run()
        samples.append((time.perf_counter() - begun) * 1000)
    return first, statistics.median(samples)


def plan(connection, sql: str, layout: str) -> str:
    # The comment makes the text new: sqlite3 caches statements, and a cached EXPLAIN keeps its old plan.
    return "; ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql} -- {layout}"))


def queries(url: str, repeat: int) -> list[tuple[str, str, float, str]]:
    engine = create_engine(url)
    results = []
    named = (("count per status", COUNTS),
             ("totals_by_status(): count, tokens, cost per status", app_sql(stats_service.totals_by_status())),
             ("recent_durations(): 10k newest completed", app_sql(stats_service.recent_durations())),
             ("the same with `duration_ms IS NOT NULL`", NOT_NULL),
             ("10k newest completed by finished_at (before)", BY_FINISH))
    for layout, (setup, teardown) in LAYOUTS.items():
        with engine.begin() as connection:
            for statement in setup:
                connection.exec_driver_sql(statement)
        with engine.connect() as connection:
            for name, sql in named:
                _first, median = timed(lambda sql=sql: connection.exec_driver_sql(sql).fetchall(), repeat)
                results.append((layout, name, median, plan(connection, sql, layout)))
        with engine.begin() as connection:
            for statement in teardown:
                connection.exec_driver_sql(statement)
    engine.dispose()
    return results


def through_the_app(url: str, instance: Path, repeat: int) -> dict[str, tuple[float, float]]:
    redis = EmbeddedRedis(instance / "redis", persist=False)
    redis.start()
    try:
        settings = load_settings({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": redis.url},
                                 dotenv=None)
        app = create_app({"TESTING": True}, settings=settings)
        with db.Session.begin() as session:
            user = session.query(User).one()
            _key, plain = create_api_key(session, user, "bench")
        client = app.test_client()
        headers = {"X-API-Key": plain}
        figures: dict[str, tuple[float, float]] = {}
        connection = Redis.from_url(redis.url)

        def cold(path: str) -> None:
            connection.delete(stats_service.CACHE_KEY)
            assert client.get(path, headers=headers).status_code == 200

        def warm(path: str) -> None:
            assert client.get(path, headers=headers).status_code == 200

        with db.Session() as session:
            started = time.perf_counter()
            stats_service.compute_job_figures(session)
            figures["compute_job_figures, first run"] = ((time.perf_counter() - started) * 1000, 0.0)
            figures["compute_job_figures"] = timed(lambda: stats_service.compute_job_figures(session), repeat)
        for path in ("/api/stats", "/metrics"):
            figures[f"GET {path}, shared copy stale"] = timed(lambda path=path: cold(path), repeat)
            figures[f"GET {path}, shared copy fresh"] = timed(lambda path=path: warm(path), repeat * 20)
        for query in ("limit=20", "status=failed&limit=20"):
            figures[f"GET /api/jobs?{query} (for comparison)"] = timed(lambda q=query: warm(f"/api/jobs?{q}"),
                                                                        repeat * 20)
        print(json.dumps(client.get("/api/stats", headers=headers).get_json()["stats"]["jobs"], indent=1))
        return figures
    finally:
        redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the database in this folder and keep it")
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE after filling (the service never does, so the default is not to)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="stats-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        engine = db.configure(url)
        Base.metadata.create_all(engine)
        with db.Session.begin() as session:
            session.add(User(email="bench@example.com", password_hash="x"))
        engine.dispose()
        print(f"filling {args.jobs:,} jobs ...", flush=True)
        seconds = fill(path, args.jobs, owner_id=1, analyze=args.analyze)
        print(f"  {seconds:.1f} s; {path.stat().st_size / 2**20:.0f} MiB", flush=True)

    print("\n| index layout | query | median ms | SQLite plan |\n| --- | --- | --- | --- |")
    for layout, name, median, query_plan in queries(url, args.repeat):
        print(f"| {layout} | {name} | {median:.1f} | {query_plan} |")
    print("\n| request | first ms | median ms |\n| --- | --- | --- |")
    for name, (first, median) in through_the_app(url, folder, args.repeat).items():
        print(f"| {name} | {first:.1f} | {median:.2f} |")


if __name__ == "__main__":
    main()
