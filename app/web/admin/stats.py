"""/admin/stats: the service at a glance, as server-drawn SVG charts that HTMX refreshes in place."""

from __future__ import annotations

from flask import redirect, url_for

from app import db
from app.services.figures import DAYS, DURATION_DAYS, HOURS, shared_figures
from app.services.stats import system_figures
from app.web.admin import bp
from app.web.admin.charts import Chart, bars, gauge, hbars, line, stacked_bars
from app.web.common import current_settings, get_redis, is_fragment_request, page_or_fragment

STATUS_SERIES = (("completed", "completed"), ("failed", "failed"), ("cancelled", "cancelled"),
                 ("running", "running"), ("queued", "queued"))


def compact(value: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


def _bytes(value: float) -> str:
    return f"{value / 2**30:.1f} GiB"


def build_charts(figures: dict) -> list[Chart]:
    hourly, daily = figures["hourly"], figures["daily"]
    return [
        stacked_bars("jobs-per-hour", f"Jobs per hour, last {HOURS} hours", hourly.labels,
                     [(name, css, hourly.by_status[name]) for name, css in STATUS_SERIES],
                     fmt=compact, every=6, short=lambda label: label[-2:] + ":00"),
        line("success-rate", f"Success rate per day, last {DAYS} days (completed ÷ completed + failed)",
             daily.labels, daily.success_rate(), short=lambda label: label[5:]),
        bars("durations", f"How long jobs took, last {DURATION_DAYS} days", [n for n, _c in figures["durations"]],
             [c for _n, c in figures["durations"]], unit="jobs"),
        bars("tokens-per-day", f"Tokens per day, last {DAYS} days", daily.labels, daily.tokens, fmt=compact,
             every=5, short=lambda label: label[5:], unit="tokens"),
        bars("cost-per-day", f"Cost per day (USD), last {DAYS} days", daily.labels, daily.cost, css="bar cost",
             fmt=lambda v: f"${v:,.2f}", every=5, short=lambda label: label[5:], unit="USD"),
        hbars("agent-times", "Average time per agent, last 200 finished jobs",
              [(agent, seconds, f"{runs} runs") for agent, seconds, runs in figures["agents"]]),
    ]


def system_charts() -> tuple[list[Chart], dict]:
    figures = system_figures(current_settings().instance_path)
    return [
        gauge("cpu", "CPU", figures["cpu_percent"], f"{figures['cpu_count']} cores, load "
              + " / ".join(str(v) for v in figures["load"])),
        gauge("memory", "Memory", figures["memory_percent"],
              f"{_bytes(figures['memory_used'])} of {_bytes(figures['memory_total'])}"),
        gauge("disk", "Disk (instance folder)", figures["disk_percent"],
              f"{_bytes(figures['disk_used'])} of {_bytes(figures['disk_total'])}"),
    ], figures


@bp.get("/stats")
def stats():
    figures = shared_figures(db.Session, get_redis())
    gauges, system = system_charts()
    return page_or_fragment("admin/stats.html", "admin/_stats.html", charts=build_charts(figures), gauges=gauges,
                            system=system, measured_at=figures["now"])


@bp.get("/stats/system")
def stats_system():
    """The system gauges alone, refreshed more often than the charts."""
    if not is_fragment_request():
        return redirect(url_for("admin.stats"))
    gauges, system = system_charts()
    return page_or_fragment("admin/stats.html", "admin/_system.html", gauges=gauges, system=system)
