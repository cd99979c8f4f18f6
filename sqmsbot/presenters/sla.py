"""How commitments look in chat: clock lines on cards, due-time moves in timelines, `/sla` replies.

Instants are shown in the reader's time zone; durations the way people say them (timefmt.duration).
Time left speaks the target's own time: on a business calendar it is business time, said so, and in
hours rather than days (a "day" of business time would read as a calendar day, or as the policy's
working day — 27 business hours is "27h of business time", not "1d 3h").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqmsbot.config import OrgConfig
from sqmsbot.config_sla import TARGETS, Policy
from sqmsbot.domain import sla
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Header, Message, Section
from sqmsbot.models import Incident, IncidentTargetMove
from sqmsbot.timefmt import duration, local

STATE_ICONS = {"running": "⏳", "paused": "⏸", "met": "✅", "breached": "🔴"}
# Written out rather than built, so the catalog test sees every key this module asks for.
TARGET_KEYS = {
    "acknowledge": "sla.target.acknowledge",
    "first_response": "sla.target.first_response",
    "resolve": "sla.target.resolve",
}
STATE_KEYS = {
    "running": "sla.state.running",
    "paused": "sla.state.paused",
    "met": "sla.state.met",
    "breached": "sla.state.breached",
}
REASON_KEYS = {
    "paused": "sla.reason.paused",
    "resumed": "sla.reason.resumed",
    "priority": "sla.reason.priority",
    "reopened": "sla.reason.reopened",
    "transferred": "sla.reason.transferred",
    "dropped": "sla.reason.dropped",
    "service": "sla.reason.service",
    "duplicate": "sla.reason.duplicate",
}


def clock_lines(
    incident: Incident, *, org: OrgConfig, t: Translator, timezone: str, now: datetime
) -> list[str]:
    """One line per target: state, due time and what is left, e.g. `⏳ Resolve: running · due … · 3h left`.

    A draft not stored yet has no clocks (sqmsbot.domain.sla.clocks says so), hence no lines."""
    return [_line(clock, t=t, timezone=timezone) for clock in sla.clocks(org=org, incident=incident, now=now)]


def _line(clock: sla.Clock, *, t: Translator, timezone: str) -> str:
    label_value = t(
        "format.label_value", label=t(TARGET_KEYS[clock.target]), value=t(STATE_KEYS[clock.state])
    )
    head = f"{STATE_ICONS[clock.state]} {label_value}"
    return f"{head} · {detail(clock, t=t, timezone=timezone)}"


def detail(clock: sla.Clock, *, t: Translator, timezone: str) -> str:
    """What matters about a clock in its state: the time left, when it was met, how late it is."""
    due = local(clock.due_at, timezone) if clock.due_at else ""
    left = _left(clock, t)
    if clock.state == "running":
        return t("sla.line.running_business" if clock.business else "sla.line.running", due=due, left=left)
    if clock.state == "paused":
        return t("sla.line.paused", left=left)
    if clock.state == "met" and clock.met_at:
        return t("sla.line.met", at=local(clock.met_at, timezone))
    if clock.met_at:
        return t("sla.line.met_late", due=due, at=local(clock.met_at, timezone))
    return t("sla.line.breached", due=due, overdue=duration(clock.overdue or timedelta(0), t))


def _left(clock: sla.Clock, t: Translator) -> str:
    span = clock.left or timedelta(0)
    return business_duration(span, t) if clock.business else duration(span, t)


def business_duration(span: timedelta, t: Translator) -> str:
    """`27h 30m`, `45m`: business time in hours and minutes, never days (see the module docstring)."""
    hours, minutes = divmod(max(0, int(span.total_seconds() // 60)), 60)
    parts = [t("time.hours", n=hours)] if hours else []
    if minutes or not hours:
        parts.append(t("time.minutes", n=minutes))
    return t("time.join").join(parts)


def move_line(move: IncidentTargetMove, *, t: Translator, timezone: str) -> str:
    """A due-time move in the timeline: `… · SLA clock · Resolve due: 10:00 → 14:30 (priority changed)`."""
    # No due time means a paused clock around a wait, and no clock at all around a policy change.
    paused = t("sla.paused") if move.reason in ("paused", "resumed") else "—"
    what = t(
        "event.sla_due",
        target=t(TARGET_KEYS[move.target]),
        **{
            "from": local(move.from_due, timezone) if move.from_due else paused,
            "to": local(move.to_due, timezone) if move.to_due else paused,
        },
        reason=t(REASON_KEYS[move.reason]),
    )
    return f"{local(move.at, timezone)} · {t('sla.actor')} · {what}"


def policy_row(org: OrgConfig, policy: Policy, t: Translator) -> str:
    """`P2 · Service hotline · Acknowledge 10m · First response 30m · Resolve 4h · business hours`."""
    service = t("sla.any_service") if policy.service == "*" else _service(org, policy.service, t)
    parts = [f"{policy.priority} · {service}"]
    for target in TARGETS:
        spent = org.sla.target_duration(policy, target)
        if spent is not None:
            parts.append(f"{t(TARGET_KEYS[target])} {_span(spent, policy, org, t)}")
    calendar = org.sla.calendar(policy.calendar)
    parts.append(t("sla.calendar_247") if calendar.always_open else t("sla.calendar_business"))
    return " · ".join(parts)


def _span(value: timedelta, policy: Policy, org: OrgConfig, t: Translator) -> str:
    """A target as written in the policy when it is whole working days, else as hours and minutes."""
    day = org.sla.calendar(policy.calendar).working_day
    if not org.sla.calendar(policy.calendar).always_open and value >= day and value % day == timedelta(0):
        return t("sla.working_days", n=value // day)
    return duration(value, t)


def _service(org: OrgConfig, key: str, t: Translator) -> str:
    svc = org.service(key)
    return svc.name.get(t.locale) if svc else key


def commitments(org: OrgConfig, t: Translator) -> Message:
    """`/sla`: the public commitments, defaults first, then each service's own, by priority."""
    if not org.sla.policies:
        return Message(text=t("sla.none"), ephemeral=True)
    ordered = sorted(org.sla.policies, key=lambda p: (p.service != "*", p.service, p.priority))
    rows = [policy_row(org, policy, t) for policy in ordered]
    remedies = [
        t(
            "format.label_value",
            label=f"{p.priority} · {_service_label(org, p.service, t)}",
            value=p.remedy.get(t.locale),
        )
        for p in ordered
        if p.remedy
    ]
    body = "\n".join(rows)
    notes = t("sla.remedy_heading") + "\n" + "\n".join(remedies) if remedies else ""
    text = "\n".join(part for part in (t("sla.heading"), body, notes, t("sla.footer")) if part)
    blocks: list[Header | Section | Context] = [Header(text=t("sla.heading")), Section(text=body)]
    if notes:
        blocks.append(Section(text=notes))
    blocks.append(Context(text=t("sla.footer")))
    return Message(text=text, blocks=tuple(blocks), ephemeral=True)


def explanation(
    incident: Incident, *, org: OrgConfig, t: Translator, timezone: str, now: datetime, ref: str
) -> Message:
    """`/sla SQ-42`: each clock's start, the pauses, the due time and the time left or overdue."""
    clocks = sla.clocks(org=org, incident=incident, now=now)
    heading = t("sla.explain_heading", ref=ref, priority=incident.priority)
    if not clocks:
        return Message(text=heading + "\n" + t("sla.explain_none"), ephemeral=True)
    lines = []
    for clock in clocks:
        lines.append(_line(clock, t=t, timezone=timezone))
        lines.append("    " + t("sla.explain_started", at=local(clock.started_at, timezone)))
    stops = sla.pauses(incident)
    if stops:
        lines.append(t("sla.explain_pauses"))
        for begin, end in stops:
            until = local(end, timezone) if end else t("sla.explain_still")
            lines.append(f"    {local(begin, timezone)} → {until}")
    policy = org.sla.policy_for(incident.service, incident.priority)
    if policy and policy.remedy:
        lines.append(t("sla.explain_remedy", remedy=policy.remedy.get(t.locale)))
    body = "\n".join(lines)
    return Message(
        text=heading + "\n" + body,
        blocks=(Header(text=heading), Section(text=body)),
        ephemeral=True,
    )


def _service_label(org: OrgConfig, service: str, t: Translator) -> str:
    return t("sla.any_service") if service == "*" else _service(org, service, t)
