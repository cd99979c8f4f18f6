"""Charts of the KPI digest and `/kpi chart`: plain numbers in, PNG bytes out (DESIGN §2, issue 11).

- `trend_chart` — incidents reported per day as bars, SLA attainment as a line in % on a second
  axis, the target as a dashed line.
- `pareto_chart` — incidents per cause, largest first, at most `MAX_BARS` bars with the tail folded
  into "other", the cumulative share as a line on a 0–100 % axis and the 80 % line.
- `digest_chart` — both stacked in one image, because a digest post carries one file.

**Empty data draws nothing**: each function returns None when there is nothing to show (no incident
and no settled SLA target in the trend, no cause with an incident), and the caller says so in words
— the digest's "quiet day" line — rather than posting empty axes. In `digest_chart` one empty half is
a short note in its place; both empty is None.

Rendering is pure and safe to run in several threads at once: matplotlib's object API with one Agg
canvas per figure (no pyplot, so no figure is ever left open), fonts named per text, and the same
input gives the same bytes (no software version or date in the PNG's metadata). The texts come from
the catalogs (`charts.*`) in the reader's language; Chinese renders with the Noto Sans CJK font
registered from its package (see `fonts`), with no system font installed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.figure import Figure

from sqmsbot.charts.data import MAX_BARS, Pareto, ParetoBar, Trend, pareto_bars, wrap_label
from sqmsbot.charts.figures import DPI, digest_figure, pareto_figure, trend_figure
from sqmsbot.i18n import Translator

__all__ = [
    "MAX_BARS",
    "Pareto",
    "ParetoBar",
    "Trend",
    "digest_chart",
    "pareto_bars",
    "pareto_chart",
    "png",
    "trend_chart",
    "wrap_label",
]

PNG_METADATA: dict[str, str | None] = {"Software": None}
"""Matplotlib writes its version as `Software`; without it the bytes depend on the input alone, so
the outbox's content-addressed blobs store one copy of a chart re-rendered after a restart."""


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes, at the figure's own size and resolution."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata=PNG_METADATA)
    return buffer.getvalue()


def trend_chart(
    *,
    days: Sequence[date],
    volume: Sequence[int],
    attainment: Sequence[float | None],
    target: float | None,
    t: Translator,
    title: str,
) -> bytes | None:
    """Volume and SLA attainment by day (attainment and target as fractions, 0–1; None for a day on
    which no target completed or breached); None when the period holds nothing to draw."""
    figure = trend_figure(Trend(days, volume, attainment, target), t=t, title=title)
    return None if figure is None else png(figure)


def pareto_chart(*, causes: Sequence[tuple[str, int]], t: Translator, title: str) -> bytes | None:
    """Incidents per cause (name, count) as a Pareto chart; None when no cause has an incident."""
    figure = pareto_figure(Pareto(causes), t=t, title=title)
    return None if figure is None else png(figure)


def digest_chart(*, trend: Trend, pareto: Pareto, t: Translator, title: str) -> bytes | None:
    """The digest's one image: the trend above the Pareto of causes; None when both are empty."""
    figure = digest_figure(trend, pareto, t=t, title=title)
    return None if figure is None else png(figure)
