"""The morning digest in words: yesterday's headline KPIs against the day before and the 7-day
average, coloured against the targets; what moved; the commitments broken overnight; the oldest open
incidents; and one chart (the 30-day trend above the Pareto of causes). No query here: the figures
come from `sqmsbot.domain.kpi.digest.gather`.

Each headline line reads "Resolved: 12 · ▲ day before 9 · ▲ 7-day avg 10.3" and, where a target is
set, "· target 90.0% ✅"; counts are compared with the 7-day daily average, rates and times with the
7 days' own rate and median. A quiet day is one line, not empty figures and a blank chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqmsbot.charts import Pareto, Trend, digest_chart
from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi.digest import Breach, Digest, OpenIncident, local_today
from sqmsbot.domain.kpi.period import Period
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Divider, Header, Image, Message, Section
from sqmsbot.presenters.figures import at_path, compared, met_mark, shown
from sqmsbot.presenters.incident import clip, department_name
from sqmsbot.presenters.kpi import CAUSE_KEYS, period_words
from sqmsbot.presenters.movers import sentence
from sqmsbot.timefmt import duration, local

# (label key, format, path in the figures' JSON, target key, better, compared with: "sum" divides the
# 7 days' count into a daily average; "rate" compares with the 7 days' own figure; None: no average)
HEADLINE: tuple[tuple[str, str, tuple[str, ...], str | None, str | None, str | None], ...] = (
    ("kpi_cli.label.reported", "count", ("reported",), None, None, "sum"),
    ("kpi_cli.label.resolved", "count", ("resolved",), None, None, "sum"),
    ("kpi_cli.label.mtta_median", "hours", ("mtta_hours", "median"), None, None, "rate"),
    ("kpi_cli.label.mttr_median", "hours", ("mttr_hours", "median"), None, None, "rate"),
    (
        "kpi_cli.label.sla_acknowledge",
        "percent",
        ("sla", "acknowledge", "attainment"),
        "sla_attainment",
        "up",
        "rate",
    ),
    (
        "kpi_cli.label.sla_resolve",
        "percent",
        ("sla", "resolve", "attainment"),
        "sla_attainment",
        "up",
        "rate",
    ),
    ("kpi_cli.label.fcr_rate", "percent", ("fcr_rate",), "fcr_rate", "up", "rate"),
    ("kpi_cli.label.reopen_rate", "percent", ("reopen_rate",), "reopen_rate", "down", "rate"),
    ("kpi_inputs.label.error_rate", "fine_percent", ("error_rate", "rate"), "error_rate", "down", "rate"),
    ("kpi_inputs.label.csat_share", "percent", ("csat", "share"), "csat", "up", "rate"),
    ("kpi_cli.label.backlog", "count", ("backlog",), None, None, None),
    ("kpi_cli.label.aged", "count", ("aged",), None, None, None),
)
TITLE_CHARS = 60


def _average(kind: str, value: Any, compare: str | None, days: int) -> Any:
    if value is None or compare is None:
        return None
    return value / days if compare == "sum" else value


def headline_lines(digest: Digest, *, t: Translator) -> list[str]:
    """One line per headline KPI; a figure with nothing to measure on both sides is left out."""
    data = digest.report.as_json()
    week = digest.week.as_json()
    targets = digest.report.targets_json()
    lines = []
    for label, kind, path, target_key, better, compare in HEADLINE:
        value = at_path(data, path)
        before = at_path(data["previous"], path)
        average = _average(kind, at_path(week, path), compare, digest.week_period.days)
        if value is None and before is None and average is None:
            continue
        line = t("kpi.line", label=t(label), value=shown(kind, value, t))
        parts = []
        if before is not None and value is not None:
            parts.append(t("digest.vs_day_before", comparison=compared(value, before, kind=kind, t=t)))
        if average is not None and value is not None:
            parts.append(
                t("digest.vs_week", comparison=compared(value, average, kind=kind, t=t, average=True))
            )
        target = targets.get(target_key) if target_key else None
        if target is not None:
            parts.append(t("kpi.target", value=shown(kind, target, t)) + met_mark(value, target, better))
        lines.append(" · ".join([line, *parts]))
    return lines


def _breach_line(breach: Breach, *, org: OrgConfig, t: Translator, tz: str, with_day: bool = False) -> str:
    at = local(breach.at, tz)
    return t(
        "digest.breach_line",
        ref=f"{org.ref_prefix}-{breach.incident_id}",
        priority=breach.priority,
        target=t(f"sla.target.{breach.target}"),
        title=clip(breach.title, TITLE_CHARS),
        at=at[:16] if with_day else at[11:16],
    )


def _open_line(item: OpenIncident, *, org: OrgConfig, t: Translator, now: datetime) -> str:
    return t(
        "digest.open_line",
        ref=f"{org.ref_prefix}-{item.incident_id}",
        priority=item.priority,
        status=t(f"status.{item.status}"),
        title=clip(item.title, TITLE_CHARS),
        age=duration(now - item.reported_at, t),
    )


def _section(title: str, lines: Sequence[str]) -> Section:
    return Section(text="\n".join([f"*{title}*", *lines]))


def chart_png(digest: Digest, *, org: OrgConfig, t: Translator, title: str) -> bytes | None:
    """The digest's one image, or None when the 30 days hold nothing to draw."""
    trend = Trend(
        days=[d.day for d in digest.trend],
        volume=[d.reported for d in digest.trend],
        attainment=[d.attainment for d in digest.trend],
        target=org.kpi_targets.sla_attainment,
    )
    named = [(t(CAUSE_KEYS[cause]) if cause in CAUSE_KEYS else cause, n) for cause, n in digest.causes]
    return digest_chart(trend=trend, pareto=Pareto(named), t=t, title=title)


def title(digest: Digest, *, org: OrgConfig, t: Translator) -> str:
    name = department_name(org, digest.department.key, t.locale)
    return t("digest.heading", name=name, day=digest.day.start.isoformat())


def quiet_message(digest: Digest, *, org: OrgConfig, t: Translator) -> Message:
    name = department_name(org, digest.department.key, t.locale)
    text = t("digest.quiet", name=name, day=digest.day.start.isoformat())
    return Message(text=text, blocks=(Section(text=text),))


def message(digest: Digest, *, org: OrgConfig, t: Translator, tz: str, image: Image | None) -> Message:
    """The digest post: heading, headline KPIs, movers, breaches, oldest open, the chart, a footer."""
    heading = title(digest, org=org, t=t)
    blocks: list[Any] = [Header(text=heading), Section(text="\n".join(headline_lines(digest, t=t)))]
    text = [heading, *headline_lines(digest, t=t)]
    if digest.movers:
        today = local_today(digest.now, digest.department.timezone)
        moved = [f"• {sentence(mover, t=t, org=org, today=today)}" for mover in digest.movers]
        blocks.append(_section(t("digest.movers"), moved))
        text += [t("digest.movers"), *moved]
    if digest.breach_count:
        listed = [f"• {_breach_line(b, org=org, t=t, tz=tz)}" for b in digest.breaches]
        more = digest.breach_count - len(digest.breaches)
        if more > 0:
            listed.append(t("digest.more", n=more))
        heading_b = t("digest.breaches", n=digest.breach_count)
        blocks.append(_section(heading_b, listed))
        text += [heading_b, *listed]
    if digest.open_count:
        listed = [f"• {_open_line(o, org=org, t=t, now=digest.now)}" for o in digest.oldest_open]
        heading_o = t("digest.oldest_open", n=digest.open_count)
        blocks.append(_section(heading_o, listed))
        text += [heading_o, *listed]
    if image is not None:
        blocks += [Divider(), image]
    footer = t("digest.footer", at=local(digest.now, tz))
    blocks.append(Context(text=footer))
    text.append(footer)
    return Message(text="\n".join(text), blocks=tuple(blocks))


def period_label(period: Period) -> str:
    return period_words(period)


def breaches_reply(
    *,
    count: int,
    listed: Sequence[Breach],
    name: str,
    window: str | None,
    org: OrgConfig,
    t: Translator,
    tz: str,
) -> Message:
    """`/kpi breaches`: the missed commitments of the window, latest first, or that there were none."""
    where = (
        t("digest.window_day", name=name) if window is None else t("digest.window", name=name, period=window)
    )
    if not count:
        text = t("digest.no_breaches", where=where)
        return Message(text=text, ephemeral=True)
    heading = t("digest.breaches_in", where=where, n=count)
    lines = [f"• {_breach_line(b, org=org, t=t, tz=tz, with_day=True)}" for b in listed]
    if count > len(listed):
        lines.append(t("digest.more", n=count - len(listed)))
    body = "\n".join(lines)
    return Message(
        text=f"{heading}\n{body}", blocks=(Header(text=heading), Section(text=body)), ephemeral=True
    )
