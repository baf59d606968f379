"""How fast the admin job list answers with a million jobs: first page, deep page, filters, sorts (docs/benchmarks.md).

Run from the repository root: `.venv/bin/python bench/admin_pages.py [--jobs 1000000] [--runs 10] [--rounds 3]`.
It builds a SQLite database with the real migrations, bulk-loads the jobs (about a minute), then times the
real routes through Flask's test client, signed in as an admin. `--db PATH` keeps the database for a rerun.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app, db  # noqa: E402
from app.ops.embedded_redis import EmbeddedRedis  # noqa: E402
from app.ops.migrate import upgrade  # noqa: E402
from app.services.job_listing import ordering  # noqa: E402
from app.settings import load_settings  # noqa: E402

PASSWORD = "bench password 1"
TEMPLATES = ("react-app", "fastapi-backend", "fullstack-app")
AGENTS = ("planner", "architect", "coder", "reviewer", "tester")
CHUNK = 50_000
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite


def _ts(moment: datetime) -> str:
    return moment.strftime(SQLITE_TIME)


def _job_rows(count: int, users: int, teams: int, now: datetime, rng: random.Random):
    """Jobs over the last year in creation order; the newest few hundred are still queued or running."""
    span = timedelta(days=365).total_seconds()
    for i in range(count):
        created = now - timedelta(seconds=span * (count - i) / count + rng.random())
        age = count - i
        if age <= 150:
            status = "queued"
        elif age <= 400:
            status = "running"
        else:
            status = rng.choices(("completed", "failed", "cancelled"), (80, 15, 5))[0]
        started = finished = duration = None
        tokens_in = tokens_out = 0
        cost = 0.0
        if status != "queued":
            started = created + timedelta(seconds=rng.uniform(0.1, 20))
            tokens_in, tokens_out = rng.randint(500, 40_000), rng.randint(500, 60_000)
            cost = round((tokens_in * 0.15 + tokens_out * 0.6) / 1e6 * rng.uniform(0.5, 3), 6)
        if status in ("completed", "failed", "cancelled"):
            duration = int(rng.lognormvariate(4.2, 0.9) * 1000)
            finished = started + timedelta(milliseconds=duration)
        owner = rng.randint(1, users)
        team = rng.randint(1, teams) if rng.random() < 0.3 else None
        yield (uuid.uuid4().hex, owner, team, f"{rng.choice(('todo', 'shop', 'blog', 'crm', 'wiki'))}-{i}",
               rng.choice(TEMPLATES), "", "{}", "{}", status, 100 if status == "completed" else rng.randint(0, 95),
               "coder" if status == "running" else None, "boom" if status == "failed" else None,
               _ts(created), _ts(started) if started else None, _ts(finished) if finished else None, duration,
               tokens_in, tokens_out, cost, 12 if status == "completed" else 0, status == "completed", "{}", "{}")


def fill(path: Path, jobs: int, users: int, teams: int, seed: int = 7) -> float:
    """Migrate an empty SQLite file to head, then bulk-load; indexes are rebuilt once at the end (much faster)."""
    started = time.perf_counter()
    upgrade(f"sqlite:///{path}")
    rng = random.Random(seed)
    now = datetime.now(UTC)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    indexes = con.execute("SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='jobs' AND sql IS NOT NULL"
                          ).fetchall()
    for (sql,) in indexes:
        con.execute("DROP INDEX " + sql.split()[2])
    admin_hash = generate_password_hash(PASSWORD)
    con.execute("INSERT INTO users (id, email, password_hash, role, is_active, created_at) VALUES (1, ?, ?, "
                "'admin', 1, ?)", ("admin@bench.example", admin_hash, _ts(now)))
    con.executemany("INSERT INTO users (id, email, password_hash, role, is_active, created_at) VALUES (?, ?, ?, "
                    "'user', 1, ?)", [(i, f"user{i}@bench.example", "x", _ts(now)) for i in range(2, users + 1)])
    con.executemany("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)",
                    [(i, f"team-{i}", _ts(now)) for i in range(1, teams + 1)])
    columns = ("id, owner_id, team_id, name, template_id, description, spec, options, status, progress, "
               "current_agent, error, created_at, started_at, finished_at, duration_ms, tokens_in, tokens_out, "
               "cost_usd, files_count, verified, usage, report")
    insert = f"INSERT INTO jobs ({columns}) VALUES ({', '.join('?' * 23)})"
    rows = _job_rows(jobs, users, teams, now, rng)
    while chunk := [row for _i, row in zip(range(CHUNK), rows, strict=False)]:
        con.executemany(insert, chunk)
        con.commit()
    for (sql,) in indexes:
        con.execute(sql)
    _agent_events(con, rng)
    con.commit()
    con.close()
    return time.perf_counter() - started


def _agent_events(con: sqlite3.Connection, rng: random.Random) -> None:
    """Agent started/completed events for the newest finished jobs, which the stats page averages."""
    recent = con.execute("SELECT id, started_at FROM jobs WHERE finished_at IS NOT NULL "
                         "ORDER BY created_at DESC, id DESC LIMIT 200").fetchall()
    events = []
    for job_id, started in recent:
        moment = datetime.strptime(started, SQLITE_TIME)
        for n, agent in enumerate(AGENTS):
            events.append((job_id, f"{n}-0", "agent", agent, "started", _ts(moment)))
            moment += timedelta(seconds=rng.uniform(1, 30))
            events.append((job_id, f"{n}-1", "agent", agent, "completed", _ts(moment)))
    con.executemany("INSERT INTO job_events (job_id, stream_id, type, agent, status, progress, message, data, "
                    "created_at) VALUES (?, ?, ?, ?, ?, 0, '', '{}', ?)", events)


def deep_cursor(path: Path, sort: str, depth: int) -> str:
    """The cursor a person would hold after paging `depth` rows into the list (found once, by OFFSET)."""
    key = {"created": "created_at", "cost": "cost_usd"}[sort]
    con = sqlite3.connect(path)
    row = con.execute(f"SELECT {key}, id FROM jobs ORDER BY {key} DESC, id DESC LIMIT 1 OFFSET ?",
                      (depth,)).fetchone()
    con.close()
    value = datetime.strptime(row[0], SQLITE_TIME).replace(tzinfo=UTC) if sort == "created" else row[0]
    holder = type("Row", (), {ordering(sort, "desc").key.key: value, "id": row[1]})
    return ordering(sort, "desc").encode(holder)


def offset_ms(path: Path, depth: int) -> float:
    """For contrast: the same deep page by LIMIT/OFFSET, as plain SQL."""
    con = sqlite3.connect(path)
    started = time.perf_counter()
    con.execute("SELECT * FROM jobs ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET ?", (depth,)).fetchall()
    elapsed = (time.perf_counter() - started) * 1000
    con.close()
    return elapsed


def time_get(client, url: str, runs: int, headers: dict[str, str]) -> list[float]:
    """`runs` timings (ms) of GET url, after one untimed request that warms caches."""
    expected = 400 if url.endswith("=shop*") else 200
    samples = []
    for i in range(runs + 1):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == expected, (url, response.status_code, response.data[:300])
        if i:
            samples.append(elapsed)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def interleaved(client, urls: list[str], rounds: int) -> list[float]:
    """Median time of each URL, requested in turn, so that drift on a shared machine hits them equally."""
    samples: list[list[float]] = [[] for _ in urls]
    for _ in range(rounds):
        for i, url in enumerate(urls):
            started = time.perf_counter()
            assert client.get(url, headers={"Accept": "application/json"}).status_code == 200
            samples[i].append((time.perf_counter() - started) * 1000)
    return [statistics.median(s) for s in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10, help="timed requests per page and round (after one untimed)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over all pages, in alternating order")
    parser.add_argument("--db", type=Path, help="SQLite file to build (or reuse, if it exists)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="admin-bench-"))
    path = args.db or work / "bench.db"
    if path.exists():
        con = sqlite3.connect(path)
        (args.jobs,) = con.execute("SELECT count(*) FROM jobs").fetchone()
        con.close()
        print(f"reusing {path} ({args.jobs:,} jobs)")
    else:
        print(f"filling {path} with {args.jobs:,} jobs …", flush=True)
        print(f"filled in {fill(path, args.jobs, args.users, args.teams):.1f} s")
    redis_server = EmbeddedRedis(work / "redis", persist=False)
    redis_server.start()
    try:
        settings = load_settings({"INSTANCE_PATH": str(work / "instance"), "DATABASE_URL": f"sqlite:///{path}",
                                  "REDIS_URL": redis_server.url}, dotenv=None)
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False},
                         settings=settings)
        client = app.test_client()
        assert client.post("/login", data={"email": "admin@bench.example", "password": PASSWORD}).status_code == 302
        depth = int(args.jobs * 0.9)
        some_id, some_name = _some_job(path, args.jobs)
        week = (datetime.now(UTC) - timedelta(days=200)).date()
        cases = [
            ("first page", "/admin/jobs"),
            (f"deep page (cursor after {depth:,} rows)", f"/admin/jobs?cursor={deep_cursor(path, 'created', depth)}"),
            ("filtered: status=failed", "/admin/jobs?status=failed"),
            ("filtered: template + status", "/admin/jobs?template_id=react-app&status=completed"),
            ("filtered: owner", "/admin/jobs?owner=user500@bench.example"),
            ("filtered: owner + status", "/admin/jobs?owner=user500@bench.example&status=completed"),
            ("filtered: one week", f"/admin/jobs?from={week.isoformat()}&to={(week + timedelta(days=6)).isoformat()}"),
            ("sorted by cost", "/admin/jobs?sort=cost"),
            (f"sorted by cost, deep (after {depth:,} rows)",
             f"/admin/jobs?sort=cost&cursor={deep_cursor(path, 'cost', depth)}"),
            ("sorted by cost, status=completed", "/admin/jobs?sort=cost&status=completed"),
            ("sorted by cost, template", "/admin/jobs?sort=cost&template_id=react-app"),
            ("sorted by cost, one week", f"/admin/jobs?sort=cost&from={week.isoformat()}"
                                         f"&to={(week + timedelta(days=6)).isoformat()}"),
            ("sorted by duration", "/admin/jobs?sort=duration"),
            ("search: a whole id", f"/admin/jobs?q={some_id}"),
            ("search: an id's first 8 characters", f"/admin/jobs?q={some_id[:8]}"),
            ("search: an exact name", f"/admin/jobs?q={some_name.upper()}"),
            ("search: a name prefix, a few matches", f"/admin/jobs?q={some_name[:-1]}*"),
            ("search: a name prefix, ~2,000 matches", f"/admin/jobs?q={some_name.split('-')[0]}-12*"),
            ("search: a name prefix, too broad (400)", "/admin/jobs?q=shop*"),
        ]
        # Rounds alternate the order of the cases, so that drift on a shared machine spreads over all of them.
        samples: dict[tuple[str, str], list[float]] = {}
        for round_ in range(args.rounds):
            for name, url in cases if round_ % 2 == 0 else reversed(cases):
                for kind, headers in (("html", {}), ("json", {"Accept": "application/json"})):
                    samples.setdefault((name, kind), []).extend(time_get(client, url, args.runs, headers))
        for name, _url in cases:
            (html, html95), (as_json, json95) = summary(samples[name, "html"]), summary(samples[name, "json"])
            print(f"| {name} | {html:.1f} | {html95:.1f} | {as_json:.1f} | {json95:.1f} |")
        # The newest rows are queued jobs with fewer fields to render, so depth is compared from page 21 on.
        shallow = f"/admin/jobs?cursor={deep_cursor(path, 'created', 1000)}"
        first, near, deep = interleaved(client, [cases[0][1], shallow, cases[1][1]], args.runs * 3)
        print(f"interleaved (JSON), median ms: first page {first:.2f}, after 1,000 rows {near:.2f}, "
              f"after {depth:,} rows {deep:.2f}")
        redis.Redis.from_url(redis_server.url).delete("codegen:admin:figures")
        started = time.perf_counter()
        assert client.get("/admin/stats").status_code == 200
        computing = (time.perf_counter() - started) * 1000
        shared, _ = summary(time_get(client, "/admin/stats", args.runs, {}))
        print(f"/admin/stats: {computing:.1f} ms computing the figures, {shared:.1f} ms (median) with them shared")
        print(f"(contrast) the deep page by LIMIT/OFFSET, raw SQL: {offset_ms(path, depth):.1f} ms")
    finally:
        redis_server.stop()
        db.get_engine().dispose()


def _some_job(path: Path, jobs: int) -> tuple[str, str]:
    """The id and name of an old job, an eighth of the way from the oldest."""
    con = sqlite3.connect(path)
    job_id, name = con.execute("SELECT id, name FROM jobs ORDER BY created_at LIMIT 1 OFFSET ?", (jobs // 8,)
                               ).fetchone()
    con.close()
    return job_id, name


if __name__ == "__main__":
    main()
