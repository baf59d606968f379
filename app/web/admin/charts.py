"""Charts as plain geometry for server-side SVG: bars, stacked bars, a line, gauges. No JavaScript, no styles
inline: each shape carries a CSS class, so admin.css colours it and a strict CSP holds."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 34


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    css: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    css: str = "axis-label"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "grid"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str


@dataclass
class Chart:
    """What the template draws, plus the same figures as a table for people who cannot see the drawing."""

    id: str
    title: str
    summary: str
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    polylines: list[str] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)


def nice_ceiling(value: float) -> float:
    """The next round number (1, 2 or 5 times a power of ten) at or above `value`, for an axis top."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _axes(chart: Chart, top: float, fmt: Callable[[float], str], ticks: int = 4) -> None:
    # Fewer gridlines rather than repeated labels: a count of at most 1 read "1, 1, 0, 0, 0" with four.
    while ticks > 1 and len({fmt(top * i / ticks) for i in range(ticks + 1)}) < ticks + 1:
        ticks -= 1
    plot_h = chart.height - TOP - BOTTOM
    for i in range(ticks + 1):
        value = top * i / ticks
        y = chart.height - BOTTOM - plot_h * i / ticks
        chart.lines.append(Line(LEFT, y, chart.width - RIGHT, y, "grid" if i else "axis"))
        chart.labels.append(Label(LEFT - 6, y + 4, fmt(value), "end"))


def _x_labels(chart: Chart, labels: Sequence[str], centres: Sequence[float], every: int,
              short: Callable[[str], str]) -> None:
    for i, (label, x) in enumerate(zip(labels, centres, strict=True)):
        if i % every == 0:
            chart.labels.append(Label(x, chart.height - BOTTOM + 16, short(label)))


def stacked_bars(id: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]],
                 fmt: Callable[[float], str] = lambda v: f"{v:,.0f}", every: int = 6,
                 short: Callable[[str], str] = str) -> Chart:
    """Bars per label, one segment per series (name, css class, values), stacked bottom-up in order."""
    totals = [sum(values[i] for _n, _c, values in series) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    chart = Chart(id, title, summary=f"{title}: {fmt(sum(totals))} in all, at most {fmt(max(totals, default=0))}.")
    _axes(chart, top, fmt)
    plot_w, plot_h = chart.width - LEFT - RIGHT, chart.height - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    width = max(slot * 0.75, 1)
    centres = []
    for i, label in enumerate(labels):
        x = LEFT + slot * i + (slot - width) / 2
        centres.append(x + width / 2)
        base = chart.height - BOTTOM
        for name, css, values in series:
            if values[i] <= 0:
                continue
            h = plot_h * values[i] / top
            base -= h
            chart.rects.append(Rect(round(x, 2), round(base, 2), round(width, 2), round(h, 2), css,
                                    f"{short(label)}: {fmt(values[i])} {name}"))
    _x_labels(chart, labels, centres, every, short)
    chart.legend = [(css, name) for name, css, _v in series]
    chart.table_head = ["", *[name for name, _c, _v in series]]
    chart.table_rows = [[label, *[fmt(values[i]) for _n, _c, values in series]] for i, label in enumerate(labels)]
    return chart


def bars(id: str, title: str, labels: Sequence[str], values: Sequence[float], css: str = "bar",
         fmt: Callable[[float], str] = lambda v: f"{v:,.0f}", every: int = 1,
         short: Callable[[str], str] = str, unit: str = "") -> Chart:
    chart = stacked_bars(id, title, labels, [(unit or title.lower(), css, values)], fmt, every, short)
    chart.legend = []
    return chart


def line(id: str, title: str, labels: Sequence[str], values: Sequence[float | None], top: float = 100,
         fmt: Callable[[float], str] = lambda v: f"{v:.0f}%", every: int = 5,
         short: Callable[[str], str] = str) -> Chart:
    """A line through the known points; a gap (None) breaks it rather than pretending to be zero."""
    known = [v for v in values if v is not None]
    summary = f"{title}: between {fmt(min(known))} and {fmt(max(known))}." if known else f"{title}: no data yet."
    chart = Chart(id, title, summary)
    _axes(chart, top, fmt)
    plot_w, plot_h = chart.width - LEFT - RIGHT, chart.height - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    centres = [LEFT + step * i for i in range(len(labels))]
    run: list[str] = []
    for label, x, value in zip(labels, centres, values, strict=True):
        if value is None:
            if len(run) > 1:
                chart.polylines.append(" ".join(run))
            run = []
            continue
        y = chart.height - BOTTOM - plot_h * value / top
        run.append(f"{x:.1f},{y:.1f}")
        chart.dots.append(Dot(round(x, 1), round(y, 1), f"{short(label)}: {fmt(value)}"))
    if len(run) > 1:
        chart.polylines.append(" ".join(run))
    _x_labels(chart, labels, centres, every, short)
    chart.table_head = ["", title]
    chart.table_rows = [[label, fmt(v) if v is not None else "no finished jobs"] for label, v in zip(labels, values,
                                                                                                    strict=True)]
    return chart


def hbars(id: str, title: str, rows: Sequence[tuple[str, float | None, str]],
          fmt: Callable[[float], str] = lambda v: f"{v:.1f} s") -> Chart:
    """One horizontal bar per (label, value, note); a missing value is drawn as "no data"."""
    height = TOP + BOTTOM + 28 * max(len(rows), 1)
    top = nice_ceiling(max((v for _l, v, _n in rows if v is not None), default=0))
    chart = Chart(id, title, summary=f"{title}: " + ", ".join(
        f"{label} {fmt(v) if v is not None else 'no data'}" for label, v, _n in rows) + ".", height=height)
    left, plot_w = 110, chart.width - 110 - RIGHT - 60
    for i, (label, value, note) in enumerate(rows):
        y = TOP + 28 * i
        chart.labels.append(Label(left - 8, y + 15, label, "end", "bar-label"))
        if value is None:
            chart.labels.append(Label(left + 4, y + 15, "no data", "start", "axis-label"))
            continue
        w = max(plot_w * value / top, 1)
        chart.rects.append(Rect(left, y + 2, round(w, 2), 18, "bar", f"{label}: {fmt(value)} ({note})"))
        chart.labels.append(Label(left + w + 6, y + 15, fmt(value), "start", "bar-value"))
    chart.table_head = ["", title, ""]
    chart.table_rows = [[label, fmt(v) if v is not None else "no data", note] for label, v, note in rows]
    return chart


def gauge(id: str, title: str, percent: float, detail: str) -> Chart:
    """A horizontal meter from 0 to 100 %, coloured by how full it is; the title goes in the caption."""
    level = "ok" if percent < 70 else "warn" if percent < 90 else "alert"
    chart = Chart(id, title, summary=f"{title}: {percent:.0f}% ({detail}).", width=300, height=48)
    chart.rects.append(Rect(0, 28, 300, 16, "gauge-track", f"{title}: {percent:.0f}%"))
    chart.rects.append(Rect(0, 28, round(3 * min(max(percent, 0), 100), 2), 16, f"gauge-{level}",
                            f"{title}: {percent:.0f}%"))
    chart.labels.append(Label(0, 20, f"{percent:.0f}%", "start", "gauge-value"))
    chart.labels.append(Label(300, 20, detail, "end", "axis-label"))
    chart.table_head, chart.table_rows = ["", ""], [[title, f"{percent:.0f}% ({detail})"]]
    return chart
