"""How KPIs look in chat: `/kpi`'s headline figures and `/kpi chart`'s images, from figures already
computed (sqmsbot.domain.kpi): no query here.

Each line says the figure, ▲ or ▼ against the previous period (the arrow says the direction of the
number; the mark after the target says whether that is good), and the organisation's target with ✅
when met and ⚠️ when not: a manager reads "▼ 0.4 h · target 0.5 h ✅" without knowing which way each
KPI is meant to go. A figure with nothing to measure is "—" and gets neither arrow nor mark.

The measures that need more than incidents — business time (known once incidents are worked with
the organisation's calendars), the error rate (service volumes recorded) and CSAT (feedback given) —
are shown only when this period or the previous one has them (`OPTIONAL`): a team that records no
volumes reads no "Error rate: —" every morning. The business-time median sits under the wall-clock one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqmsbot.charts import pareto_chart, trend_chart
from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi import KpiReport, Period
from sqmsbot.domain.kpi.feedback import Rated
from sqmsbot.domain.kpi.series import UNCATEGORISED, Day
from sqmsbot.domain.kpi.volumes import Recorded
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Header, Image, Message, Section
from sqmsbot.presenters.figures import arrow, at_path, met_mark, shown
from sqmsbot.presenters.incident import service_name

# (label key, format, path in the report's JSON, target key, better: "up", "down" or None)
Line = tuple[str, str, tuple[str, ...], str | None, str | None]
LINES: tuple[Line, ...] = (
    ("kpi_cli.label.reported", "count", ("reported",), None, None),
    ("kpi_cli.label.resolved", "count", ("resolved",), None, None),
    ("kpi_cli.label.mtta_mean", "hours", ("mtta_hours", "mean"), "mtta_hours", "down"),
    ("kpi_cli.label.mtta_median", "hours", ("mtta_hours", "median"), None, None),
    ("kpi_inputs.label.mtta_business_median", "hours", ("mtta_hours_business", "median"), None, None),
    ("kpi_cli.label.mtta_p90", "hours", ("mtta_hours", "p90"), None, None),
    ("kpi_cli.label.mttr_mean", "hours", ("mttr_hours", "mean"), "mttr_hours", "down"),
    ("kpi_cli.label.mttr_median", "hours", ("mttr_hours", "median"), None, None),
    ("kpi_inputs.label.mttr_business_median", "hours", ("mttr_hours_business", "median"), None, None),
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
    ("kpi_inputs.label.error_rate", "fine_percent", ("error_rate", "rate"), "error_rate", "down"),
    ("kpi_inputs.label.csat_share", "percent", ("csat", "share"), "csat", "up"),
    ("kpi_inputs.label.csat_mean", "score", ("csat", "mean"), None, None),
    ("kpi_cli.label.backlog", "count", ("backlog",), None, None),
    ("kpi_cli.label.aged", "count", ("aged",), None, None),
)
OPTIONAL = frozenset(
    {
        "kpi_inputs.label.mtta_business_median",
        "kpi_inputs.label.mttr_business_median",
        "kpi_inputs.label.error_rate",
        "kpi_inputs.label.csat_share",
        "kpi_inputs.label.csat_mean",
    }
)
"""Lines shown only when the period or the one before has the figure (see the module docstring)."""
WITH_TARGET_ONLY = frozenset({"kpi_cli.label.mtta_mean", "kpi_cli.label.mttr_mean"})
"""The means are shown beside the medians only where `[kpi_targets]` sets a target for them: the
median is the better read of a long-tailed time, the mean what a target is usually written on."""


def shown_lines(targets: dict[str, float]) -> list[Line]:
    """The `LINES` a report with these targets shows (the means only where they have a target)."""
    return [line for line in LINES if line[0] not in WITH_TARGET_ONLY or (line[3] or "") in targets]


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


def period_words(period: Period) -> str:
    """`2026-11-23`, `2026-11` for a calendar month, else `first … last`."""
    if period.days == 1:
        return period.start.isoformat()
    if period.kind == "month":
        return f"{period.start:%Y-%m}"
    return f"{period.start.isoformat()} … {period.last_day.isoformat()}"


def headline(
    report: KpiReport, *, t: Translator, name: str, as_of: str, moved: Sequence[str] = ()
) -> Message:
    """The report as one message: a heading, one line per KPI, what moved (`moved`: one sentence per
    mover, sqmsbot.presenters.movers), and when it was read."""
    data, targets = report.as_json(), report.targets_json()
    lines = []
    for label, kind, path, target_key, better in shown_lines(targets):
        value, previous = at_path(data, path), at_path(data["previous"], path)
        if label in OPTIONAL and value is None and previous is None:
            continue
        line = t("kpi.line", label=t(label), value=shown(kind, value, t))
        if value is not None and previous is not None:
            line += " " + t(
                "kpi.previous", arrow=arrow(value, previous, kind=kind), value=shown(kind, previous, t)
            )
        target = targets.get(target_key) if target_key else None
        if target is not None:
            line += (
                " · "
                + t("kpi.target", value=shown(kind, target, t))
                + met_mark(value, target, better, kind=kind)
            )
        lines.append(line)
    heading = t("kpi.heading", name=name, period=period_words(report.period), tz=report.period.tz)
    footer = t("kpi.as_of", at=as_of)
    if moved:
        lines += [t("digest.movers"), *(f"• {sentence}" for sentence in moved)]
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


def _volume_words(volume: int, errors: int | None, t: Translator) -> str:
    """`volume 1250, errors 15 (1.20%)`, or the volume and that its errors will be the incidents."""
    if errors is None:
        return t("kpi_inputs.volume_uncounted", volume=volume)
    rate = f"{errors / volume * 100:.2f}%" if volume else "—"
    return t("kpi_inputs.volume_counted", volume=volume, errors=errors, rate=rate)


def volume_recorded(done: Recorded, *, t: Translator, org: OrgConfig) -> Message:
    """The confirmation of `/kpi volume`: what is recorded now, and what it replaced."""
    row = done.row
    where = {"service": service_name(org, row.service, t.locale), "day": row.day.isoformat()}
    figures = _volume_words(row.volume, row.errors, t)
    if not done.changed:
        text = t("kpi_inputs.volume_unchanged", figures=figures, **where)
    elif done.before is None:
        text = t("kpi_inputs.volume_recorded", figures=figures, **where)
    else:
        before = _volume_words(done.before[0], done.before[1], t)
        text = t("kpi_inputs.volume_replaced", figures=figures, before=before, **where)
    return Message(text=text, ephemeral=True)


def rated(done: Rated, *, t: Translator, reference: str) -> Message:
    """The confirmation of `/incident rate`: the score kept, and the one it replaced."""
    score = done.feedback.score
    if done.before is None:
        return Message(text=t("kpi_inputs.rated", ref=reference, score=score), ephemeral=True)
    return Message(
        text=t("kpi_inputs.rerated", ref=reference, score=score, before=done.before), ephemeral=True
    )
