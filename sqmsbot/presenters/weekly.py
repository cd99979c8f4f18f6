"""Monday's weekly report in words: last week's KPIs against the week before and the 4-week average,
the top causes, what moved, and the people to recognise. No query here (sqmsbot.domain.kpi.weekly).
"""

from __future__ import annotations

from typing import Any

from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi.digest import local_today
from sqmsbot.domain.kpi.weekly import MIN_RESOLVED, WeeklyReport, recognition_bar
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Header, Message, Section
from sqmsbot.presenters.digest import compared_lines
from sqmsbot.presenters.incident import department_name
from sqmsbot.presenters.kpi import CAUSE_KEYS
from sqmsbot.presenters.movers import sentence
from sqmsbot.timefmt import local


def headline_lines(report: WeeklyReport, *, t: Translator) -> list[str]:
    """Last week against the week before and the 4 weeks before it (counts: their weekly average)."""
    return compared_lines(
        report.report.as_json(),
        report.baseline.as_json(),
        baseline_days=report.baseline_period.days,
        days=report.week.days,
        targets=report.report.targets_json(),
        t=t,
        before_key="weekly.vs_week_before",
        counts_key="weekly.vs_four_weeks_average",
        rates_key="weekly.vs_four_weeks",
    )


def _cause(key: str, t: Translator) -> str:
    return t(CAUSE_KEYS[key]) if key in CAUSE_KEYS else key


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def message(report: WeeklyReport, *, org: OrgConfig, t: Translator, tz: str) -> Message:
    name = department_name(org, report.department.key, t.locale)
    week = report.week
    first, last = week.start.isoformat(), week.last_day.isoformat()
    heading = t("weekly.heading", name=name, week=f"{week.start:%G-W%V}", first=first, last=last)
    if report.quiet:
        quiet = t("weekly.quiet", name=name, first=first, last=last)
        return Message(text=quiet, blocks=(Section(text=quiet),))
    blocks: list[Any] = [Header(text=heading)]
    text = [heading]

    def section(title: str, lines: list[str]) -> None:
        blocks.append(Section(text="\n".join([f"*{title}*", *lines])))
        text.extend([title, *lines])

    section(t("weekly.figures"), headline_lines(report, t=t))
    if report.causes:
        # shares of the whole week, not of the five named (the rest is left unnamed)
        total = max(report.report.current.reported, sum(n for _, n in report.causes))
        section(
            t("weekly.top_causes"),
            [
                t(
                    "weekly.cause_line",
                    cause=t(CAUSE_KEYS[c]) if c in CAUSE_KEYS else c,
                    n=n,
                    share=_percent(n / total),
                )
                for c, n in report.causes
            ],
        )
    if report.movers:
        today = local_today(report.now, report.department.timezone)
        section(t("digest.movers"), [f"• {sentence(m, t=t, org=org, today=today)}" for m in report.movers])
    if report.recognised:
        section(
            t("weekly.recognition"),
            [
                t(
                    "weekly.performer",
                    person=p.person.mention,
                    resolved=p.resolved,
                    attainment=_percent(p.attainment),
                    fcr=_percent(p.fcr_rate),
                )
                for p in report.recognised
            ],
        )
        hint = t("weekly.recognition_hint", min=MIN_RESOLVED, bar=_percent(recognition_bar(org)))
        blocks.append(Context(text=hint))
        text.append(hint)
    footer = t("weekly.footer", at=local(report.now, tz))
    blocks.append(Context(text=footer))
    text.append(footer)
    return Message(text="\n".join(text), blocks=tuple(blocks))
