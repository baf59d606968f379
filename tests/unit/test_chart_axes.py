"""Admin chart axes: every label differs, even when the largest value is tiny."""

from app.web.admin.charts import Chart, _axes


def axis_labels(top: float) -> list[str]:
    chart = Chart("c", "t", "s")
    _axes(chart, top, lambda v: f"{v:,.0f}")
    return [label.text for label in chart.labels]


def test_a_small_count_gets_whole_distinct_ticks():
    assert axis_labels(1) == ["0", "1"]
    assert axis_labels(2) == ["0", "1", "2"]
    assert axis_labels(100) == ["0", "25", "50", "75", "100"]
