"""The arrow beside a KPI agrees with the figures printed next to it."""

from __future__ import annotations

from sqmsbot.presenters.figures import arrow as _arrow


def test_figures_equal_as_printed_are_level_not_down() -> None:
    assert _arrow(0.01786, 0.01818, kind="percent") == "="  # both print as 1.8%
    assert _arrow(2.004, 1.996, kind="hours") == "="  # both print as 2.00 h


def test_figures_that_print_differently_point_the_way_they_moved() -> None:
    assert _arrow(0.0176, 0.0186, kind="percent") == "▼"  # 1.9% before, 1.8% now: down
    assert _arrow(1.93, 4.27, kind="hours") == "▼"
    assert _arrow(57, 55, kind="count") == "▲"
    assert _arrow(None, 55, kind="count") == ""


def test_an_average_of_counts_is_compared_at_one_decimal() -> None:
    assert _arrow(3, 2.96, kind="count", average=True) == "="  # 3 against an average printed 3.0
    assert _arrow(3, 2.94, kind="count", average=True) == "▲"  # against 2.9
