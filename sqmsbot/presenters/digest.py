"""The morning digest in words: the covered days' headline KPIs against as many days before and
against the 7 days before them, marked against the targets; what moved; the commitments broken since
the last digest; the oldest open incidents; and one chart (the 30-day trend above the Pareto of
causes). No query here: the figures come from `sqmsbot.domain.kpi.digest.gather`.

Each headline line reads "Resolved: 12 · day before ▲ 9 · 7-day daily avg ▲ 10.3" and, where a
target is set, "· target 90.0% ✅"; a count is compared with the 7 days' daily average (for as many
days as the digest covers), a rate or time with the 7 days' own figure ("previous 7 days"). The
lines are those of `/kpi` (one table, sqmsbot.presenters.kpi.LINES). A quiet day is one line, not
empty figures and a blank chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqmsbot.charts import Pareto, Trend, digest_chart
from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi.digest import Breach, Digest, OpenIncident, local_today
from sqmsbot.domain.kpi.period import Period
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Divider, Header, Image, Message, Section
from sqmsbot.presenters.figures import at_path, compared, met_mark, shown
from sqmsbot.presenters.incident import clip, department_name
from sqmsbot.presenters.kpi import CAUSE_KEYS, period_words, shown_lines
from sqmsbot.presenters.movers import sentence
from sqmsbot.timefmt import duration, local

DIGEST_LABELS = frozenset(
    {
        "kpi_cli.label.reported",
        "kpi_cli.label.resolved",
        "kpi_cli.label.mtta_mean",
        "kpi_cli.label.mtta_median",
        "kpi_cli.label.mttr_mean",
        "kpi_cli.label.mttr_median",
        "kpi_cli.label.sla_acknowledge",
        "kpi_cli.label.sla_first_response",
        "kpi_cli.label.sla_resolve",
        "kpi_cli.label.fcr_rate",
        "kpi_cli.label.reopen_rate",
        "kpi_inputs.label.error_rate",
        "kpi_inputs.label.csat_share",
        "kpi_cli.label.backlog",
        "kpi_cli.label.aged",
    }
)
"""The lines of `/kpi` (sqmsbot.presenters.kpi.LINES, one table for both) a digest or weekly report
shows: the medians and means, every commitment, the rates, the backlog; not the p90s and business
times, which `/kpi` has for whoever looks further."""
SNAPSHOTS = frozenset({"kpi_cli.label.backlog", "kpi_cli.label.aged"})
"""Figures at an instant, compared with the previous period only (an average of backlogs says little)."""


def headline_table(
    targets: dict[str, float],
) -> list[tuple[str, str, tuple[str, ...], str | None, str | None]]:
    return [line for line in shown_lines(targets) if line[0] in DIGEST_LABELS]


TITLE_CHARS = 60


def compared_lines(
    data: dict[str, Any],
    baseline: dict[str, Any],
    *,
    baseline_days: int,
    days: int,
    targets: dict[str, float],
    t: Translator,
    before_key: str,
    counts_key: str,
    rates_key: str,
) -> list[str]:
    """One line per headline KPI: the figure of the period, against the period before (`before_key`)
    and against the baseline — a count against the baseline's daily average for as many days
    (`counts_key`), a rate or time against the baseline's own (`rates_key`) — and the target. A line
    with nothing to show on any side is left out."""
    lines = []
    for label, kind, path, target_key, better in headline_table(targets):
        value, before = at_path(data, path), at_path(data["previous"], path)
        other = None if label in SNAPSHOTS else at_path(baseline, path)
        counted = kind == "count"
        if counted and other is not None:
            other = other / baseline_days * days
        if value is None and before is None and other is None:
            continue
        parts = [t("kpi.line", label=t(label), value=shown(kind, value, t))]
        if value is not None and before is not None:
            parts.append(t(before_key, comparison=compared(value, before, kind=kind, t=t), days=days))
        if value is not None and other is not None:
            comparison = compared(value, other, kind=kind, t=t, average=counted)
            parts.append(t(counts_key if counted else rates_key, comparison=comparison, days=days))
        target = targets.get(target_key) if target_key else None
        if target is not None:
            mark = met_mark(value, target, better, kind=kind)
            parts.append(t("kpi.target", value=shown(kind, target, t)) + mark)
        lines.append(" · ".join(parts))
    return lines


def headline_lines(digest: Digest, *, t: Translator) -> list[str]:
    days = digest.days.days
    return compared_lines(
        digest.report.as_json(),
        digest.week.as_json(),
        baseline_days=digest.week_period.days,
        days=days,
        targets=digest.report.targets_json(),
        t=t,
        before_key="digest.vs_day_before" if days == 1 else "digest.vs_days_before",
        counts_key="digest.vs_week_average" if days == 1 else "digest.vs_week_average_days",
        rates_key="digest.vs_week",
    )


def _breach_line(breach: Breach, *, org: OrgConfig, t: Translator, tz: str, with_day: bool = False) -> str:
    at = local(breach.at, tz)  # `2026-11-23 13:00 +08:00`
    return t(
        "digest.breach_line",
        ref=f"{org.ref_prefix}-{breach.incident_id}",
        priority=breach.priority,
        target=t(f"sla.target.{breach.target}"),
        title=clip(breach.title, TITLE_CHARS),
        at=at if with_day else at[11:16],
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
    return t("digest.heading", name=name, day=period_words(digest.days))


def quiet_message(digest: Digest, *, org: OrgConfig, t: Translator) -> Message:
    name = department_name(org, digest.department.key, t.locale)
    text = t("digest.quiet", name=name, day=period_words(digest.days))
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
        dated = digest.now - digest.since > timedelta(hours=24)  # after a weekend: say the day too
        listed = [f"• {_breach_line(b, org=org, t=t, tz=tz, with_day=dated)}" for b in digest.breaches]
        more = digest.breach_count - len(digest.breaches)
        if more > 0:
            listed.append(t("digest.more", n=more))
        heading_b = t("digest.breaches", n=digest.breach_count, since=local(digest.since, tz)[:16])
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
