"""The charts as matplotlib Figures: built, not yet saved, so tests can read their axes and texts.

Only the object API: each chart is its own `Figure` with its own Agg canvas, never pyplot, whose
global figure registry is neither thread-safe nor freed unless closed. A figure built here belongs
to its caller alone and goes away with its last reference. Every text names its fonts (see `fonts`)
instead of reading them from the global `rcParams`, which another thread may be changing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from sqmsbot.charts import fonts
from sqmsbot.charts.data import Pareto, Trend, pareto_bars, percent_floor, wrap_label
from sqmsbot.i18n import Translator

DPI = 120
SINGLE_SIZE = (9.0, 5.5)  # inches: 1080 × 660 px, legible in a chat preview without opening it
DIGEST_SIZE = (9.0, 10.5)  # trend above Pareto: 1080 × 1260 px, one image for the digest
MAX_DATE_TICKS = 8
MIN_DAYS = 7  # the narrowest span of days drawn, so a short period keeps bars of a normal width
MIN_BARS = 5

VOLUME = "#9db4cf"
ATTAINMENT = "#1f5a96"
BELOW_TARGET = "#c0392b"
TARGET = "#2e7d32"
CAUSE = "#4c78a8"
OTHER = "#b0b0b0"
CUMULATIVE = "#e45756"
REFERENCE = "#7f7f7f"
GRID = "#e6e6e6"
NOTE = "#666666"
REFERENCE_PCT = 80.0  # the Pareto principle's line: the few causes that make up 80 % of incidents


def _percent(fraction: float) -> str:
    """95 %, 99.5 %: the digits the reader set the target with, no trailing zeros."""
    return f"{fraction * 100:.1f}".rstrip("0").rstrip(".") + "%"


MONTHS = (  # written out, not built, so the catalog test sees every key used
    "charts.month.1",
    "charts.month.2",
    "charts.month.3",
    "charts.month.4",
    "charts.month.5",
    "charts.month.6",
    "charts.month.7",
    "charts.month.8",
    "charts.month.9",
    "charts.month.10",
    "charts.month.11",
    "charts.month.12",
)


def date_label(day: date, t: Translator) -> str:
    """`Nov 23` / `11月23日`: the catalog's order and month names, not the C library's locale, which
    would give English months on a server whatever the reader's language."""
    return t("charts.date", month=t(MONTHS[day.month - 1]), day=day.day)


# Margins in inches around each plot, fixed rather than computed by a layout engine: every text
# that reaches a margin is bounded (catalog labels, numbers, cause names wrapped to two short lines),
# and the constrained layout's extra measuring pass cost a third of each chart's rendering time.
LEFT, RIGHT = 0.8, 0.95  # the counts' axis and label; the percentages' axis and label
TITLE = 0.45  # the figure's title
ABOVE = 0.35  # the legend row above each plot (and a panel's own title in the digest: PANEL_TITLE)
PANEL_TITLE = 0.2
BELOW = 0.75  # date or two-line cause labels, and the axis label under them
GAP = 0.15


def _figure(size: tuple[float, float], panels: int) -> tuple[Figure, list[Axes]]:
    """A figure with its own canvas (drawing and saving need no backend switch, no pyplot) and
    `panels` plots stacked in it, placed by the margins above."""
    figure = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(figure)
    width, height = size
    above = ABOVE + (PANEL_TITLE if panels > 1 else 0.0)
    plot = (height - TITLE - panels * (above + BELOW) - (panels - 1) * GAP) / panels
    axes: list[Axes] = []
    top = height - TITLE
    for _ in range(panels):
        top -= above
        rect = (LEFT / width, (top - plot) / height, 1 - (LEFT + RIGHT) / width, plot / height)
        axes.append(figure.add_axes(rect))
        top -= plot + BELOW + GAP
    return figure, axes


def _title(figure: Figure, title: str, family: list[str]) -> None:
    """Larger, not bold: the CJK font comes in one weight, and a bold request would fall back to it
    with a warning in the log on every chart."""
    figure.suptitle(title, fontfamily=family, fontsize=15, y=1 - 0.1 / figure.get_figheight(), va="top")


def _legend(ax: Axes, handles: list[Artist], labels: list[str], family: list[str]) -> None:
    """Above the plot, in one row: nothing drawn over the bars, whatever their height."""
    ax.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=len(handles),
        frameon=False,
        prop=FontProperties(family=family, size=9),
        handlelength=1.6,
    )


def _date_ticks(x: Sequence[float], days: Sequence[date], t: Translator) -> tuple[list[float], list[str]]:
    """At most MAX_DATE_TICKS labels, evenly spaced, always the latest day (the one the reader asks
    about) and counted back from it."""
    step = max(1, math.ceil(len(days) / MAX_DATE_TICKS))
    picked = list(range(len(days) - 1, -1, -step))[::-1]
    return [x[i] for i in picked], [date_label(days[i], t) for i in picked]


def draw_trend(ax: Axes, trend: Trend, t: Translator, family: list[str]) -> None:
    """Volume as bars on the left axis, attainment as a line on a right axis in %, the target as a
    dashed line on it; days below the target are marked red so the eye finds them first."""
    rows = trend.ordered()
    days = [day for day, _, _ in rows]
    volume = [count for _, count, _ in rows]
    x = [float(day.toordinal()) for day in days]  # a day is 1.0 apart; the ticks carry the dates
    pct = [math.nan if a is None else a * 100 for _, _, a in rows]
    target_pct = None if trend.target is None else trend.target * 100

    bars = ax.bar(x, volume, width=0.8, color=VOLUME, zorder=2)
    ax.set_ylim(0, max(1, max(volume)) * 1.12)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    pad = max(0.7, (MIN_DAYS - (x[-1] - x[0])) / 2)  # one day is a bar, not a wall
    ax.set_xlim(x[0] - pad, x[-1] + pad)
    positions, labels = _date_ticks(x, days, t)
    ax.xaxis.set_major_locator(FixedLocator(positions))
    ax.set_xticks(positions, labels)
    ax.set_xlabel(t("charts.trend.x"), fontfamily=family)
    ax.set_ylabel(t("charts.trend.volume_axis"), fontfamily=family)

    right = ax.twinx()
    (line,) = right.plot(x, pct, color=ATTAINMENT, marker="o", markersize=3.5, linewidth=1.8, zorder=3)
    handles: list[Artist] = [bars.patches[0], line]
    texts = [t("charts.trend.volume"), t("charts.trend.attainment")]
    if target_pct is not None:
        missed = [(xi, p) for xi, p in zip(x, pct, strict=True) if not math.isnan(p) and p < target_pct]
        if missed:
            right.scatter(
                [xi for xi, _ in missed], [p for _, p in missed], color=BELOW_TARGET, s=22, zorder=4
            )
        handles.append(right.axhline(target_pct, color=TARGET, linestyle="--", linewidth=1.2, zorder=2))
        texts.append(t("charts.trend.target", percent=_percent(trend.target or 0.0)))
    present = [p for p in pct if not math.isnan(p)]
    floor = percent_floor([*present, *([] if target_pct is None else [target_pct])])
    right.set_ylim(floor, 100 + (100 - floor) * 0.04)
    right.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=True))
    right.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    right.set_ylabel(t("charts.trend.attainment_axis"), fontfamily=family)
    for axis in (ax, right):
        axis.tick_params(labelfontfamily=family, labelsize=9)
        axis.spines["top"].set_visible(False)
    _legend(ax, handles, texts, family)


def draw_pareto(ax: Axes, pareto: Pareto, t: Translator, family: list[str]) -> None:
    """Causes as bars, largest first, the tail folded into "other"; the cumulative share as a line
    on a right axis from 0 to 100 %, and the 80 % line that shows how few causes make most incidents."""
    bars = pareto_bars(pareto.causes)
    positions = list(range(len(bars)))
    counts = [bar.count for bar in bars]
    labels = [
        wrap_label(bar.label) if bar.label is not None else wrap_label(t("charts.other", n=bar.causes))
        for bar in bars
    ]
    rects = ax.bar(
        positions,
        counts,
        width=0.7,
        color=[CAUSE if bar.label is not None else OTHER for bar in bars],
        zorder=2,
    )
    ax.bar_label(rects, padding=2, fontsize=8, fontfamily=family)
    ax.set_ylim(0, max(counts) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    pad = 0.6 + max(0, MIN_BARS - len(bars)) / 2  # two causes are two bars, not two walls
    ax.set_xlim(-pad, len(bars) - 1 + pad)
    ax.set_xticks(positions, labels)
    ax.set_xlabel(t("charts.pareto.x"), fontfamily=family)
    ax.set_ylabel(t("charts.pareto.count_axis"), fontfamily=family)

    right = ax.twinx()
    cumulative = [bar.cumulative_pct for bar in bars]
    (line,) = right.plot(positions, cumulative, color=CUMULATIVE, marker="o", markersize=4, linewidth=1.8)
    reference = right.axhline(REFERENCE_PCT, color=REFERENCE, linestyle=":", linewidth=1.2)
    right.set_ylim(0, 105)
    right.yaxis.set_major_locator(FixedLocator([0, 20, 40, 60, 80, 100]))
    right.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    right.set_ylabel(t("charts.pareto.cumulative_axis"), fontfamily=family)
    for axis in (ax, right):
        axis.tick_params(labelfontfamily=family, labelsize=9)
        axis.spines["top"].set_visible(False)
    ax.tick_params(axis="x", labelsize=8)
    _legend(
        ax,
        [rects.patches[0], line, reference],
        [t("charts.pareto.incidents"), t("charts.pareto.cumulative"), t("charts.pareto.reference")],
        family,
    )


def draw_note(ax: Axes, text: str, family: list[str]) -> None:
    """An empty half of the digest says why it is empty instead of showing blank axes."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontfamily=family, color=NOTE)


def trend_figure(trend: Trend, *, t: Translator, title: str) -> Figure | None:
    """The trend alone, or None when there is nothing in the period to draw."""
    if trend.empty:
        return None
    family = fonts.families(t.locale)
    figure, (ax,) = _figure(SINGLE_SIZE, 1)
    draw_trend(ax, trend, t, family)
    _title(figure, title, family)
    return figure


def pareto_figure(pareto: Pareto, *, t: Translator, title: str) -> Figure | None:
    """The Pareto alone, or None when no cause has an incident."""
    if pareto.empty:
        return None
    family = fonts.families(t.locale)
    figure, (ax,) = _figure(SINGLE_SIZE, 1)
    draw_pareto(ax, pareto, t, family)
    _title(figure, title, family)
    return figure


def digest_figure(trend: Trend, pareto: Pareto, *, t: Translator, title: str) -> Figure | None:
    """Trend above Pareto in one figure (the digest carries one image); a half with nothing to draw
    holds a note saying so, and with both empty there is no figure at all."""
    if trend.empty and pareto.empty:
        return None
    family = fonts.families(t.locale)
    figure, (top, bottom) = _figure(DIGEST_SIZE, 2)
    for ax, key in ((top, "charts.trend.title"), (bottom, "charts.pareto.title")):
        ax.set_title(t(key), fontfamily=family, fontsize=11, loc="left", pad=22)
    if trend.empty:
        draw_note(top, t("charts.trend.empty"), family)
    else:
        draw_trend(top, trend, t, family)
    if pareto.empty:
        draw_note(bottom, t("charts.pareto.empty"), family)
    else:
        draw_pareto(bottom, pareto, t, family)
    _title(figure, title, family)
    return figure
