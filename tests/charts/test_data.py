"""The shaping before drawing: Pareto order and "other", cause names cut to fit, the trend's checks."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from sqmsbot.charts import MAX_BARS, Pareto, Trend, pareto_bars, wrap_label
from sqmsbot.charts.data import LABEL_COLUMNS, LABEL_LINES, percent_floor


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def test_pareto_bars_are_largest_first_ties_by_name_and_end_at_100_percent() -> None:
    bars = pareto_bars([("b", 3), ("a", 3), ("c", 6), ("none", 0), ("neg", -2)])
    assert [(bar.label, bar.count) for bar in bars] == [("c", 6), ("a", 3), ("b", 3)]
    assert [round(bar.cumulative_pct, 6) for bar in bars] == [50.0, 75.0, 100.0]


def test_the_same_cause_written_twice_is_one_bar() -> None:
    bars = pareto_bars([("Billing  and charges", 2), ("Billing and charges ", 3)])
    assert [(bar.label, bar.count) for bar in bars] == [("Billing and charges", 5)]


def test_beyond_max_bars_the_tail_is_one_last_other_bar() -> None:
    causes = [(f"cause {i:02d}", 100 - i) for i in range(20)]
    bars = pareto_bars(causes)
    assert len(bars) == MAX_BARS
    assert [bar.label for bar in bars[:-1]] == [f"cause {i:02d}" for i in range(MAX_BARS - 1)]
    other = bars[-1]
    assert other.label is None
    assert other.causes == 20 - (MAX_BARS - 1)
    assert other.count == sum(100 - i for i in range(MAX_BARS - 1, 20))
    assert other.cumulative_pct == pytest.approx(100.0)


def test_exactly_max_bars_causes_need_no_other() -> None:
    bars = pareto_bars([(f"c{i}", i + 1) for i in range(MAX_BARS)])
    assert len(bars) == MAX_BARS
    assert all(bar.label is not None for bar in bars)


@pytest.mark.parametrize(
    "name",
    [
        "Waiting time too long for a callback from the second-line support team",
        "等待时间过长导致客户多次来电投诉并要求升级处理",
        "Supercalifragilisticexpialidocious",
        "VPN 连接失败 after the upgrade of the branch router",
    ],
)
def test_long_cause_names_are_wrapped_and_clipped(name: str) -> None:
    label = wrap_label(name)
    lines = label.split("\n")
    assert len(lines) <= LABEL_LINES
    assert all(_width(line) <= LABEL_COLUMNS for line in lines), lines
    assert label.endswith("…")


def test_short_names_are_kept_whole_and_latin_words_unbroken() -> None:
    assert wrap_label("等待时间过长") == "等待时间过长"
    assert wrap_label("Billing and charges") == "Billing and\ncharges"
    assert wrap_label("  VPN   down ") == "VPN down"


def test_a_trend_needs_one_value_per_day() -> None:
    with pytest.raises(ValueError, match="one value per day"):
        Trend([date(2026, 11, 1), date(2026, 11, 2)], [1], [None, None])


def test_emptiness() -> None:
    assert Trend([], [], []).empty
    assert Trend([date(2026, 11, 1)], [0], [None], 0.95).empty
    assert not Trend([date(2026, 11, 1)], [0], [1.0]).empty  # a target settled: something to show
    assert Pareto([]).empty and Pareto([("x", 0)]).empty and not Pareto([("x", 1)]).empty


def test_the_attainment_axis_starts_a_step_below_the_lowest_value() -> None:
    assert percent_floor([92.0, 99.0, 95.0]) == 80.0
    assert percent_floor([97.0, 99.0]) == 90.0
    assert percent_floor([3.0]) == 0.0
    assert percent_floor([]) == 0.0
