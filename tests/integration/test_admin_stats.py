"""/admin/stats: server-drawn SVG charts of recent jobs and agents, and the machine's CPU, memory and disk."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from html import unescape
from pathlib import Path

from app import db
from app.models import JobEvent, utcnow
from app.services import stats
from tests.integration.admin_support import add_job

CHARTS = ("jobs-per-hour", "success-rate", "durations", "tokens-per-day", "cost-per-day", "agent-times")


def figures_table(html: str, chart: str) -> list[list[str]]:
    """The rows of a chart's figures table (what a screen reader gets instead of the drawing)."""
    figure = html.split(f'id="chart-{chart}"')[1].split("</figure>")[0]
    body = figure.split("<tbody>")[1].split("</tbody>")[0]
    return [[unescape(cell) for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
            for row in body.split("</tr>") if "<t" in row]


def test_the_charts_draw_todays_jobs(admin_client):
    now = utcnow()
    moment = now.replace(minute=0, second=0, microsecond=0)  # this hour, whenever the test runs
    with db.Session.begin() as session:
        for i in range(3):
            add_job(session, name=f"ok-{i}", created_at=moment, cost=0.5, tokens=1000, seconds=45)
        add_job(session, name="bad", status="failed", created_at=moment, seconds=400)
        add_job(session, name="busy", status="running", created_at=moment)
        add_job(session, name="yesterday", created_at=moment - timedelta(days=1), seconds=None)
        job = add_job(session, name="timed", created_at=moment, seconds=20)
        start = job.started_at
        for agent, offset, length in (("planner", 0, 2), ("coder", 2, 12)):
            session.add(JobEvent(job_id=job.id, stream_id=f"{offset}-0", type="agent", agent=agent,
                                 status="started", created_at=start + timedelta(seconds=offset)))
            session.add(JobEvent(job_id=job.id, stream_id=f"{offset}-1", type="agent", agent=agent,
                                 status="completed", created_at=start + timedelta(seconds=offset + length)))

    html = admin_client.get("/admin/stats").data.decode()

    for chart in CHARTS:
        assert f'id="chart-{chart}"' in html, chart
    assert html.count("<svg viewBox=") >= len(CHARTS) + 3  # and three gauges
    hour = now.strftime("%H:00")
    hourly = {row[0][-2:] + ":00": row[1:] for row in figures_table(html, "jobs-per-hour")}
    assert hourly[hour] == ["4", "1", "0", "1", "0"]  # completed, failed, cancelled, running, queued
    assert figures_table(html, "success-rate")[-2:] == [[(now - timedelta(days=1)).strftime("%Y-%m-%d"), "100%"],
                                                        [now.strftime("%Y-%m-%d"), "80%"]]  # 4 of 5 finished
    durations = dict(figures_table(html, "durations"))
    assert [durations[b] for b in ("< 10 s", "10-30 s", "30-60 s", "5-10 min")] == ["0", "1", "3", "1"]
    assert figures_table(html, "tokens-per-day")[-1] == [now.strftime("%Y-%m-%d"), "3k"]
    assert figures_table(html, "cost-per-day")[-1] == [now.strftime("%Y-%m-%d"), "$1.50"]
    agents = {row[0]: row[1:] for row in figures_table(html, "agent-times")}
    assert agents["planner"] == ["2.0 s", "1 runs"] and agents["coder"] == ["12.0 s", "1 runs"]
    assert agents["tester"] == ["no data", "0 runs"]
    assert 'class="completed"><title>' in html and "<polyline points=" in html


def test_the_system_gauges_show_cpu_memory_and_disk(admin_client):
    html = admin_client.get("/admin/stats").data.decode()
    for gauge in ("cpu", "memory", "disk"):
        assert f'id="chart-{gauge}"' in html
    memory = html.split('id="chart-memory"')[1].split("</figure>")[0]
    assert "<figcaption>Memory</figcaption>" in memory and re.search(r">\d+%</text>", memory) and "GiB of" in memory


def test_the_cpu_gauge_reads_the_load_in_every_request(monkeypatch):
    """Each request of a gevent worker runs in a greenlet of its own, which `psutil.cpu_percent(interval=None)` took
    for a new thread and answered 0.0 however busy the host was. A fresh thread per reading stands in for them."""
    monkeypatch.setattr(stats, "CPU", stats.CpuSampler())
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # one core fully busy
    try:
        readings: list[float] = []
        for _ in range(2):  # the first reading of the process, then one over the window since it
            reader = threading.Thread(target=lambda: readings.append(stats.system_figures(Path("."))["cpu_percent"]))
            reader.start()
            reader.join()
            time.sleep(stats.CpuSampler.MIN_WINDOW_S + 0.1)
    finally:
        busy.kill()
        busy.wait()
    assert all(reading > 0 for reading in readings), readings


def test_the_cpu_sampler_measures_since_its_previous_reading():
    times = iter([(0, 100), (0.25, 100.25), (5.25, 100.25), (5.25, 110.25)])  # cumulative (busy, idle) seconds
    clock = iter([0.0, 0.25, 5.25, 5.5, 10.5])
    sampler = stats.CpuSampler(times=lambda: CpuTimes(*next(times)), clock=lambda: next(clock), sleep=lambda s: None)
    assert sampler.percent() == 50.0  # the first reading measures a short window of its own
    assert sampler.percent() == 100.0  # 5 s later: every second since was busy
    assert sampler.percent() == 100.0  # a quarter second later: too short a window, the last figure again
    assert sampler.percent() == 0.0  # 5 s later: every second since was idle


class CpuTimes:
    _fields = ("user", "idle")

    def __init__(self, user: float, idle: float) -> None:
        self.user, self.idle = user, idle


def test_parts_refresh_themselves_with_htmx(admin_client):
    html = admin_client.get("/admin/stats").data.decode()
    assert '<section id="admin-system" class="gauges" hx-get="/admin/stats/system" hx-trigger="every 5s"' in html
    assert '<section id="admin-stats" class="charts" hx-get="/admin/stats" hx-trigger="every 60s"' in html
    system = admin_client.get("/admin/stats/system", headers={"HX-Request": "true"})
    assert system.data.lstrip().startswith(b'<section id="admin-system"')
    charts = admin_client.get("/admin/stats", headers={"HX-Request": "true"})
    assert charts.data.lstrip().startswith(b'<section id="admin-stats"')
    assert admin_client.get("/admin/stats/system").status_code == 302


def test_job_figures_are_shared_for_a_minute_then_recomputed_once(admin_client, redis_conn):
    from app.services.figures import FIGURES

    admin_client.get("/admin/stats")
    assert redis_conn.exists(FIGURES.key)
    with db.Session.begin() as session:
        add_job(session, name="late", created_at=utcnow(), cost=2.0)
    assert "$2.00" not in admin_client.get("/admin/stats").data.decode()  # the shared copy, still fresh

    # Older than a minute, while another process is already recomputing: the old copy is served.
    stale = json.loads(redis_conn.get(FIGURES.key))
    stale["computed_at"] -= FIGURES.fresh_s + 1
    redis_conn.set(FIGURES.key, json.dumps(stale))
    redis_conn.set(FIGURES.lock_key, "1")
    assert "$2.00" not in admin_client.get("/admin/stats").data.decode()

    # Nobody else is: this request recomputes them.
    redis_conn.delete(FIGURES.lock_key)
    html = admin_client.get("/admin/stats").data.decode()
    assert "$2.00" in html and figures_table(html, "success-rate")[-1][1] == "100%"
    assert not redis_conn.exists(FIGURES.lock_key)
