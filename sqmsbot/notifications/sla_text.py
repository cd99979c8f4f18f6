"""How the SLA alerts read: the channel's breach alert, its thread line, and the one private message
each person gets per tick and incident (sqmsbot.notifications.sla decides who gets which).

Each message is in the reader's language and time zone, leads with the most significant threshold
crossed, lists the others it folds in, shows every clock of the incident not yet met (due, time left
or how late: what the reader needs to judge the next few minutes, so the warnings right after it need
no message of their own), the remedy promised once a commitment is missed, whose the incident is, what
to do, and the buttons to do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqmsbot.config import OrgConfig
from sqmsbot.config_sla import TARGETS
from sqmsbot.domain import sla
from sqmsbot.i18n import Translator
from sqmsbot.messages import Actions, Button, Context, Header, Message, Section
from sqmsbot.models import Person
from sqmsbot.notifications.sla_tick import Alerts, Crossed, Reader
from sqmsbot.presenters.incident import department_name, next_steps, title_line
from sqmsbot.presenters.sla import TARGET_KEYS, detail
from sqmsbot.timefmt import local

# The next steps an alert offers: the ones that stop or hand over a clock. Waiting, closing and the
# like stay on the card.
ALERT_VERBS = ("ack", "assign", "resolve")
# Written out rather than built, so the catalog test sees every key this module asks for.
TODO_KEYS = {
    "acknowledge": "sla_alert.todo_acknowledge",
    "first_response": "sla_alert.todo_first_response",
    "resolve": "sla_alert.todo_resolve",
}
ROLE_KEYS = {
    "owner": "sla_alert.role_owner",
    "lead": "role.lead",
    "manager": "role.manager",
    "quality": "role.quality",
}
# A breach is "missed just now" in the alert the first tick after its due instant sends.
JUST_MISSED = timedelta(minutes=2)


@dataclass(frozen=True)
class Page:
    """One reader's view of one tick's alerts: their language and zone, and the incident's clocks."""

    org: OrgConfig
    alerts: Alerts
    clocks: tuple[sla.Clock, ...]
    t: Translator
    tz: str

    def target(self, name: str) -> str:
        key = TARGET_KEYS.get(name)
        return self.t(key) if key else name

    def targets(self, items: list[Crossed]) -> str:
        return self.t("format.list_join").join(self.target(item.target) for item in items)


def channel_breach(page: Page, told: dict[Crossed, list[Person]]) -> Message:
    """The top-level alert in the department channel: the commitments just missed, who was told (the
    escalations due at the breach itself), and any warning crossed in the same minute."""
    t, alerts = page.t, page.alerts
    breaches = alerts.of_kind("breach")
    heading = t("sla_alert.breach", ref=alerts.ref, target=page.targets(breaches))
    lines = [escalation_line(page, item, told.get(item, [])) for item in alerts.of_kind("escalate")]
    lines += [_warned(page, item) for item in alerts.of_kind("warn")]
    return _message(page, heading, lines, lead=breaches[0], loud=True)


def channel_thread(page: Page, told: dict[Crossed, list[Person]]) -> Message:
    """The line in the card's thread for a tick without a breach: escalations (one line each, who was
    told) and the warnings crossed, folded into one message."""
    alerts = page.alerts
    escalations = [escalation_line(page, item, told.get(item, [])) for item in alerts.of_kind("escalate")]
    warnings = alerts.of_kind("warn")
    if not warnings:
        return Message(text="\n".join(escalations))
    heading = _warn_heading(page, warnings[0])
    lines = escalations + [_warned(page, item) for item in warnings[1:]]
    return _message(page, heading, lines, lead=warnings[0], loud=False)


def private(page: Page, reader: Reader, *, held_since: datetime | None = None) -> Message:
    """The one private message a person gets about this incident this tick, whatever the reasons.

    `held_since`: the message waits for the reader's working hours; it says as of when it speaks."""
    t, alerts = page.t, page.alerts
    lead = reader.items[0]
    breaches = [item for item in reader.items if item.kind == "breach"]
    folded: list[Crossed]
    if breaches:
        heading = t("sla_alert.breach", ref=alerts.ref, target=page.targets(breaches))
        missed = {item.target for item in breaches}
        # The owner's own breach is the event; its escalation to them as the head says nothing more.
        folded = [
            item
            for item in reader.items
            if item.kind == "warn" or (item.kind == "escalate" and item.target not in missed)
        ]
    elif lead.kind == "escalate":
        heading = _escalate_heading(page, lead)
        folded = reader.items[1:]
    else:
        heading = _warn_heading(page, lead)
        folded = reader.items[1:]
    incident = alerts.incident
    why = None
    if reader.owner:
        department = department_name(page.org, incident.department, t.locale)
        why = t("sla_alert.yours_as_lead", department=department) if reader.as_lead else t("sla_alert.yours")
    elif not reader.only_warnings:
        owner = incident.assignee.mention if incident.assignee else t("sla_alert.nobody")
        why = t("sla_alert.owner_is", owner=owner)
    note = t("sla_alert.held", at=local(held_since, page.tz)) if held_since else None
    folded_lines = [_also(page, item) for item in folded]
    loud = not reader.only_warnings
    return _message(
        page, heading, folded_lines, lead=lead, loud=loud, reader=reader.person, why=why, note=note
    )


def escalation_line(page: Page, item: Crossed, told: list[Person]) -> str:
    """`⏫ SQ-42 · Resolve: escalated to the manager: @zhao` — or that nobody holds the role, so the gap
    is visible where the team works."""
    t, alerts = page.t, page.alerts
    role = t(ROLE_KEYS.get(item.role, "sla_alert.role_owner"))
    if told:
        people = ", ".join(p.mention for p in told)
        return t(
            "sla_alert.escalated_to",
            ref=alerts.ref,
            target=page.target(item.target),
            role=role,
            people=people,
        )
    department = department_name(page.org, alerts.incident.department, t.locale)
    return t(
        "sla_alert.escalated_nobody",
        ref=alerts.ref,
        target=page.target(item.target),
        role=role,
        department=department,
    )


def _warn_heading(page: Page, item: Crossed) -> str:
    return page.t(
        "sla_alert.warn", ref=page.alerts.ref, target=page.target(item.target), percent=_percent(item)
    )


def _escalate_heading(page: Page, item: Crossed) -> str:
    role = page.t(ROLE_KEYS.get(item.role, "sla_alert.role_owner"))
    return page.t("sla_alert.escalate", ref=page.alerts.ref, target=page.target(item.target), role=role)


def _warned(page: Page, item: Crossed) -> str:
    return page.t("sla_alert.also_warn", target=page.target(item.target), percent=_percent(item))


def _also(page: Page, item: Crossed) -> str:
    """A threshold folded into a message led by another."""
    if item.kind == "warn":
        return _warned(page, item)
    if item.kind == "breach":
        return page.t("sla_alert.also_breach", target=page.target(item.target))
    role = page.t(ROLE_KEYS.get(item.role, "sla_alert.role_owner"))
    return page.t("sla_alert.also_escalated", target=page.target(item.target), role=role)


def _percent(item: Crossed) -> str:
    return f"{item.fraction * 100:g}"


def _message(
    page: Page,
    heading: str,
    extra: list[str],
    *,
    lead: Crossed,
    loud: bool,
    reader: Person | None = None,
    why: str | None = None,
    note: str | None = None,
) -> Message:
    """Heading, the incident in one line, the thresholds folded in, the clocks, the remedy once missed,
    whose it is, what to do, and the buttons for it."""
    t, alerts, incident = page.t, page.alerts, page.alerts.incident
    just = {item.target for item in alerts.of_kind("breach")}
    lines = [title_line(incident, page.org, t), *extra]
    for clock in sorted(page.clocks, key=lambda c: TARGETS.index(c.target)):
        if clock.state != "met":
            lines.append(
                t("sla_alert.clock", target=page.target(clock.target), detail=_detail(page, clock, just))
            )
    if loud:  # a commitment is missed: the customer is owed the remedy
        policy = page.org.sla.policy_for(incident.service, incident.priority)
        if policy is not None and policy.remedy is not None:
            lines.append(t("sla_alert.remedy", remedy=policy.remedy.get(t.locale)))
    if why:
        lines.append(why)
    todo = t(TODO_KEYS[lead.target]) if lead.target in TODO_KEYS else ""
    buttons = _buttons(page, reader)
    blocks: list[Header | Section | Context | Actions] = []
    if loud:
        blocks += [Header(text=heading[:150]), Section(text="\n".join(lines))]
    else:
        blocks.append(Section(text="\n".join([heading, *lines])))
    tail = [line for line in (todo, note) if line]
    blocks += [Context(text=line) for line in tail]
    if buttons:
        blocks.append(Actions(buttons=tuple(buttons)))
    text = [heading, *(f"  {line}" for line in [*lines, *tail])]
    if buttons:
        text.append("  " + "  ".join(f"[{b.label}: /{b.command}]" for b in buttons))
    return Message(text="\n".join(text), blocks=tuple(blocks))


def _detail(page: Page, clock: sla.Clock, just: set[str]) -> str:
    """The clock as the card shows it, except for a breach this very tick: "missed just now" reads
    better than "1m overdue"."""
    fresh = clock.overdue is not None and clock.overdue < JUST_MISSED
    if clock.target in just and clock.state == "breached" and clock.met_at is None and clock.due_at and fresh:
        return page.t("sla_alert.just_missed", due=local(clock.due_at, page.tz))
    return detail(clock, t=page.t, timezone=page.tz)


def _buttons(page: Page, reader: Person | None) -> list[Button]:
    """Acknowledge / take it / resolve, as far as the incident's state allows; no "take it" for the
    person who already has it."""
    incident = page.alerts.incident
    mine = reader is not None and incident.assignee_id == reader.id
    return [
        b
        for b in next_steps(incident, org=page.org, t=page.t, viewer=reader)
        if b.command.split()[1] in ALERT_VERBS and not (mine and b.command.split()[1] == "assign")
    ]
