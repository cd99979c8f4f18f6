"""Monday's weekly report in words: last week's KPIs against the week before and the 4-week average,
the top causes, what moved, and the people to recognise. No query here (sqmsbot.domain.kpi.weekly).
"""

from __future__ import annotations

from typing import Any

from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi.digest import local_today
from sqmsbot.domain.kpi.weekly import WeeklyReport
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Header, Message, Section
from sqmsbot.presenters.digest import HEADLINE
from sqmsbot.presenters.figures import at_path, compared, met_mark, shown
from sqmsbot.presenters.incident import department_name
from sqmsbot.presenters.kpi import CAUSE_KEYS
from sqmsbot.presenters.movers import sentence
from sqmsbot.timefmt import local


def _weeks(report: WeeklyReport) -> int:
    return max(1, report.baseline_period.days // 7)


def headline_lines(report: WeeklyReport, *, t: Translator) -> list[str]:
    data, baseline = report.report.as_json(), report.baseline.as_json()
    targets = report.report.targets_json()
    lines = []
    for label, kind, path, target_key, better, compare in HEADLINE:
        value, before = at_path(data, path), at_path(data["previous"], path)
        average = at_path(baseline, path) if compare else None
        if compare == "sum" and average is not None:
            average = average / _weeks(report)
        if value is None and before is None and average is None:
            continue
        parts = [t("kpi.line", label=t(label), value=shown(kind, value, t))]
        if value is not None and before is not None:
            parts.append(t("weekly.vs_week_before", comparison=compared(value, before, kind=kind, t=t)))
        if value is not None and average is not None:
            comparison = compared(value, average, kind=kind, t=t, average=True)
            parts.append(t("weekly.vs_four_weeks", comparison=comparison))
        target = targets.get(target_key) if target_key else None
        if target is not None:
            parts.append(t("kpi.target", value=shown(kind, target, t)) + met_mark(value, target, better))
        lines.append(" · ".join(parts))
    return lines


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
        total = sum(n for _, n in report.causes)
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
        blocks.append(Context(text=t("weekly.recognition_hint")))
        text.append(t("weekly.recognition_hint"))
    footer = t("weekly.footer", at=local(report.now, tz))
    blocks.append(Context(text=footer))
    text.append(footer)
    return Message(text="\n".join(text), blocks=tuple(blocks))
