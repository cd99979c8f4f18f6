"""What changed, in one sentence per mover (sqmsbot.domain.kpi.movers), in the reader's language.

"Billing: 14 incidents yesterday, usually 4 a day (▲ 3.5×)." — the key named as the organisation
names it (a service's localized name; a cause's catalog name), the figure of the period, the usual
figure (the baseline median, per bucket of the period's length) and the direction. The period word
reads right for the digest and the weekly report when `today` (the reader's local date) is given:
"yesterday", "last week"; otherwise, or for any other period, the date itself.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi.movers import Mover
from sqmsbot.domain.kpi.series import UNCATEGORISED
from sqmsbot.i18n import Translator
from sqmsbot.presenters.incident import service_name
from sqmsbot.presenters.kpi import CAUSE_KEYS

ARROWS = {"up": "▲", "down": "▼"}


def name(mover: Mover, *, t: Translator, org: OrgConfig) -> str:
    """The key as the reader knows it: the service's name, or the cause's."""
    if mover.dimension == "service":
        return service_name(org, mover.key, t.locale)
    if mover.key == UNCATEGORISED:
        return t(CAUSE_KEYS[UNCATEGORISED])
    return t("movers.cause", name=t(CAUSE_KEYS[mover.key]) if mover.key in CAUSE_KEYS else mover.key)


def when(mover: Mover, *, t: Translator, today: date | None = None) -> str:
    """The period as the sentence names it: yesterday, last week, on 2026-11-23, in the week of
    2026-11-16, in 2026-11-01 … 2026-11-30."""
    period = mover.period
    if period.kind == "day" or period.days == 1:
        if today is not None and period.start == today - timedelta(days=1):
            return t("movers.yesterday")
        if today is not None and period.start == today:
            return t("movers.today")
        return t("movers.on_day", day=period.start.isoformat())
    if period.kind == "week":
        if today is not None:
            monday = today - timedelta(days=today.weekday())
            if period.start == monday - timedelta(days=7):
                return t("movers.last_week")
            if period.start == monday:
                return t("movers.this_week")
        return t("movers.week_of", day=period.start.isoformat())
    return t("movers.span", first=period.start.isoformat(), last=period.last_day.isoformat())


def _per(mover: Mover, t: Translator) -> str:
    if mover.bucket_days == 1:
        return t("movers.per_day")
    if mover.bucket_days == 7:
        return t("movers.per_week")
    return t("movers.per_days", days=mover.bucket_days)


def _number(value: float) -> str:
    """4 → "4", 4.5 → "4.5": a median of counts is whole or a half."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def sentence(mover: Mover, *, t: Translator, org: OrgConfig, today: date | None = None) -> str:
    """One sentence saying what moved, by how much, against what is usual."""
    arrow = ARROWS[mover.direction]
    who, at = name(mover, t=t, org=org), when(mover, t=t, today=today)
    if mover.metric == "volume":
        current = int(mover.current)
        usual = (
            t("movers.usual_volume", usual=_number(mover.baseline), per=_per(mover, t))
            if mover.baseline
            else t("movers.usual_none")
        )
        change = (
            t("movers.ratio", arrow=arrow, ratio=f"{mover.current / mover.baseline:.1f}")
            if mover.baseline and current
            else arrow
        )
        incidents = t("movers.incidents", n=current)
        return t("movers.volume", name=who, incidents=incidents, when=at, usual=usual, change=change)
    if mover.metric == "mttr":
        return t(
            "movers.mttr",
            name=who,
            hours=f"{mover.current:.1f}",
            resolved=t("movers.incidents", n=mover.count),
            when=at,
            usual=f"{mover.baseline:.1f}",
            arrow=arrow,
        )
    return t(
        "movers.sla",
        name=who,
        rate=_percent(mover.current),
        when=at,
        decided=t("movers.commitments", n=mover.count),
        usual=_percent(mover.baseline),
        arrow=arrow,
    )
