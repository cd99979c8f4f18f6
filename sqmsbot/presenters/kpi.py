"""How KPIs look in chat: `/kpi`'s headline figures and `/kpi chart`'s images, from figures already
computed (sqmsbot.domain.kpi): no query here.

Each line says the figure, ▲ or ▼ against the previous period (the arrow says the direction of the
number; the mark after the target says whether that is good), and the organisation's target with ✅
when met and ⚠️ when not: a manager reads "▼ 0.4 h · target 0.5 h ✅" without knowing which way each
KPI is meant to go. A figure with nothing to measure is "—" and gets neither arrow nor mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqmsbot.charts import pareto_chart, trend_chart
from sqmsbot.domain.kpi import KpiReport, Period
from sqmsbot.domain.kpi.series import UNCATEGORISED, Day
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Header, Image, Message, Section

# (label key, format, path in the report's JSON, target key, better: "up", "down" or None)
LINES: tuple[tuple[str, str, tuple[str, ...], str | None, str | None], ...] = (
    ("kpi_cli.label.reported", "count", ("reported",), None, None),
    ("kpi_cli.label.resolved", "count", ("resolved",), None, None),
    ("kpi_cli.label.mtta_median", "hours", ("mtta_hours", "median"), None, None),
    ("kpi_cli.label.mtta_p90", "hours", ("mtta_hours", "p90"), None, None),
    ("kpi_cli.label.mttr_median", "hours", ("mttr_hours", "median"), None, None),
    ("kpi_cli.label.mttr_p90", "hours", ("mttr_hours", "p90"), None, None),
    (
        "kpi_cli.label.sla_acknowledge",
        "percent",
        ("sla", "acknowledge", "attainment"),
        "sla_attainment",
        "up",
    ),
    (
        "kpi_cli.label.sla_first_response",
        "percent",
        ("sla", "first_response", "attainment"),
        "sla_attainment",
        "up",
    ),
    ("kpi_cli.label.sla_resolve", "percent", ("sla", "resolve", "attainment"), "sla_attainment", "up"),
    ("kpi_cli.label.fcr_rate", "percent", ("fcr_rate",), "fcr_rate", "up"),
    ("kpi_cli.label.reopen_rate", "percent", ("reopen_rate",), "reopen_rate", "down"),
    ("kpi_cli.label.backlog", "count", ("backlog",), None, None),
    ("kpi_cli.label.aged", "count", ("aged",), None, None),
)
# Written out, so the catalog test sees every key asked for.
CAUSE_KEYS = {
    "man": "category.man",
    "machine": "category.machine",
    "material": "category.material",
    "method": "category.method",
    "measurement": "category.measurement",
    "environment": "category.environment",
    UNCATEGORISED: "kpi.uncategorised",
}


def _at(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _shown(kind: str, value: Any, t: Translator) -> str:
    if value is None:
        return "—"
    if kind == "hours":
        return t("kpi.hours", value=f"{value:.2f}")
    if kind == "percent":
        return f"{value * 100:.1f}%"
    return str(value)


def _arrow(current: Any, previous: Any, *, kind: str) -> str:
    """The direction of the figures as shown: "1.8% ▼ previous 1.8%" would contradict itself."""
    if current is None or previous is None:
        return ""
    now, before = _as_shown(kind, current), _as_shown(kind, previous)
    return "▲" if now > before else "▼" if now < before else "="


def _as_shown(kind: str, value: float) -> float:
    """The value at the precision `_shown` prints it (hours to 0.01, percentages to 0.1 %)."""
    return round(value, 2) if kind == "hours" else round(value * 100, 1) if kind == "percent" else value


def _met(value: Any, target: float, better: str | None) -> str:
    if value is None or better is None:
        return ""
    return " ✅" if (value >= target if better == "up" else value <= target) else " ⚠️"


def period_words(period: Period) -> str:
    """`2026-11-23`, `2026-11` for a calendar month, else `first … last`."""
    if period.days == 1:
        return period.start.isoformat()
    if period.kind == "month":
        return f"{period.start:%Y-%m}"
    return f"{period.start.isoformat()} … {period.last_day.isoformat()}"


def headline(report: KpiReport, *, t: Translator, name: str, as_of: str) -> Message:
    """The report as one message: a heading, one line per KPI, and when it was read."""
    data, targets = report.as_json(), report.targets_json()
    lines = []
    for label, kind, path, target_key, better in LINES:
        value, previous = _at(data, path), _at(data["previous"], path)
        line = t("kpi.line", label=t(label), value=_shown(kind, value, t))
        if value is not None and previous is not None:
            line += " " + t(
                "kpi.previous", arrow=_arrow(value, previous, kind=kind), value=_shown(kind, previous, t)
            )
        target = targets.get(target_key) if target_key else None
        if target is not None:
            line += " · " + t("kpi.target", value=_shown(kind, target, t)) + _met(value, target, better)
        lines.append(line)
    heading = t("kpi.heading", name=name, period=period_words(report.period), tz=report.period.tz)
    footer = t("kpi.as_of", at=as_of)
    body = "\n".join(lines)
    return Message(
        text=f"{heading}\n{body}\n{footer}",
        blocks=(Header(text=heading), Section(text=body), Context(text=footer)),
        ephemeral=True,
    )


def chart_title(kind: str, *, t: Translator, name: str, period: Period) -> str:
    key = "kpi.chart_title.trend" if kind == "trend" else "kpi.chart_title.pareto"
    return t(key, name=name, period=period_words(period))


def trend_image(days: Sequence[Day], *, target: float | None, t: Translator, title: str) -> bytes | None:
    """Volume and SLA attainment by day as PNG bytes; None when the period holds nothing."""
    return trend_chart(
        days=[d.day for d in days],
        volume=[d.reported for d in days],
        attainment=[d.attainment for d in days],
        target=target,
        t=t,
        title=title,
    )


def pareto_image(causes: Sequence[tuple[str, int]], *, t: Translator, title: str) -> bytes | None:
    """Incidents per cause, named in the reader's language, as PNG bytes; None when there are none."""
    named = [(t(CAUSE_KEYS[cause]) if cause in CAUSE_KEYS else cause, n) for cause, n in causes]
    return pareto_chart(causes=named, t=t, title=title)


def chart_message(*, title: str, image: Image) -> Message:
    """The private message carrying the chart: its title, and the image."""
    return Message(text=title, blocks=(image,))


def chart_on_its_way(t: Translator) -> Message:
    return Message(text=t("kpi.chart_sent"), ephemeral=True)


def nothing_to_chart(t: Translator, *, name: str, period: Period) -> Message:
    return Message(text=t("kpi.nothing_to_chart", name=name, period=period_words(period)), ephemeral=True)
