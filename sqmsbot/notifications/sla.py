"""SLA alerts (DESIGN §7): who hears that a commitment is at risk or missed, and what they are told.

Called by the `sla_watch` job once per threshold it has just marked fired, inside the same unit of work,
so an alert and the mark that it was sent commit together. Every row has a dedupe key made of the
incident, the target and the threshold (and the person, for a DM): a retried tick, a second replica or
a re-run period can never send one twice.

Who is told:
- a warning: the owning department's channel, in the thread under the incident card (the people
  working it see it where they work), and the assignee if there is one;
- a breach: a top-level alert in the channel (it must not hide in a thread), the card edited so its
  clock shows the breach, and a DM to the owner — the assignee, else the department's lead;
- an escalation step: a DM to everyone holding the step's role (owner; lead or manager of the owning
  department; quality: the quality department and anyone with the quality role), and a line in the
  card's thread saying who was told — or that nobody holds the role, so the gap is visible.

Each message is in the reader's language and time zone, says which commitment, when it is (was) due
and how much time is left (or how late it is), what to do next, the remedy promised to the customer
once it is missed, and carries buttons for the next step (acknowledge, take it, resolve).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqmsbot.config import OrgConfig
from sqmsbot.domain import sla
from sqmsbot.i18n import Translator
from sqmsbot.messages import Actions, Button, Context, Header, Message, Section
from sqmsbot.models import Incident, Person
from sqmsbot.notifications.audience import (
    Roster,
    channel_translator,
    department_channel,
    person_locale,
    person_timezone,
)
from sqmsbot.notifications.incidents import card_key
from sqmsbot.outbox import Notifier
from sqmsbot.presenters.incident import card, department_name, next_steps, title_line
from sqmsbot.presenters.sla import TARGET_KEYS, detail
from sqmsbot.timefmt import local

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Alert:
    """One threshold just crossed on one clock of one incident, as the watch job hands it over."""

    incident: Incident
    target: str
    threshold: str  # warn:0.75 | breach | escalate:1:manager
    now: datetime
    ref: str  # SQ-42

    @property
    def kind(self) -> str:
        return self.threshold.split(":")[0]

    @property
    def key(self) -> str:
        """The dedupe key stem, e.g. `sla:SQ-42:resolve:warn:0.75`."""
        return f"sla:{self.ref}:{self.target}:{self.threshold}"


def announce(*, notifier: Notifier, org: OrgConfig, alert: Alert, roster: Roster) -> None:
    """Write the alert's messages into the outbox (the notifier's platform is the incident's).

    The incident should come with its clocks and timeline loaded (sqmsbot.domain.sla_alerts.incidents_for)
    and `roster` be shared by the tick's alerts: then an alert costs no query of its own."""
    # The clock is the same for every reader (only how it is shown differs): computed once per alert.
    clock = next(
        (c for c in sla.clocks(org=org, incident=alert.incident, now=alert.now) if c.target == alert.target),
        None,
    )
    if alert.kind == "warn":
        _warn(roster, notifier, org, alert, clock)
    elif alert.kind == "breach":
        _breach(roster, notifier, org, alert, clock)
    elif alert.kind == "escalate":
        _escalate(roster, notifier, org, alert, clock)
    else:
        log.error("unknown SLA threshold %r on %s", alert.threshold, alert.ref)


def _warn(roster: Roster, notifier: Notifier, org: OrgConfig, alert: Alert, clock: sla.Clock | None) -> None:
    percent = f"{float(alert.threshold.split(':')[1]) * 100:g}"
    channel = _channel(notifier, org, alert.incident)
    if channel is not None:
        t, tz = channel_translator(org, alert.incident.department)
        message = _message(
            clock,
            org,
            alert,
            t,
            tz,
            t("sla_alert.warn", ref=alert.ref, target=_target(alert, t), percent=percent),
        )
        notifier.to_channel(
            key=alert.key,
            channel=channel,
            message=message.model_copy(update={"thread_of": _card(notifier, alert.incident)}),
        )
    if alert.incident.assignee is not None:
        person = alert.incident.assignee
        t, tz = _reader(person, org)
        heading = t("sla_alert.warn", ref=alert.ref, target=_target(alert, t), percent=percent)
        _dm(notifier, alert, person, _message(clock, org, alert, t, tz, heading, reader=person))


def _breach(
    roster: Roster, notifier: Notifier, org: OrgConfig, alert: Alert, clock: sla.Clock | None
) -> None:
    incident = alert.incident
    channel = _channel(notifier, org, incident)
    if channel is not None:
        t, tz = channel_translator(org, incident.department)
        heading = t("sla_alert.breach", ref=alert.ref, target=_target(alert, t))
        notifier.to_channel(
            key=alert.key, channel=channel, message=_message(clock, org, alert, t, tz, heading, loud=True)
        )
        # The card's clock line turns to "breached" where everyone looks at the incident.
        edited = card(incident, org=org, t=t, timezone=tz, now=alert.now)
        notifier.to_channel(
            key=f"{alert.key}:card",
            channel=channel,
            message=edited.model_copy(update={"update_of": _card(notifier, incident)}),
        )
    owner, as_lead = _owner(roster, notifier, incident)
    if owner is None:
        log.warning("%s missed its %s commitment and nobody owns or leads it", alert.ref, alert.target)
        return
    t, tz = _reader(owner, org)
    heading = t("sla_alert.breach", ref=alert.ref, target=_target(alert, t))
    why = (
        t("sla_alert.yours_as_lead", department=department_name(org, incident.department, t.locale))
        if as_lead
        else t("sla_alert.yours")
    )
    _dm(
        notifier,
        alert,
        owner,
        _message(clock, org, alert, t, tz, heading, reader=owner, why=why, loud=True),
    )


def _escalate(
    roster: Roster, notifier: Notifier, org: OrgConfig, alert: Alert, clock: sla.Clock | None
) -> None:
    incident = alert.incident
    role = alert.threshold.split(":")[2]
    told = _holders(roster, notifier, incident, role)
    for person in told:
        t, tz = _reader(person, org)
        heading = t("sla_alert.escalate", ref=alert.ref, target=_target(alert, t), role=t(ROLE_KEYS[role]))
        owner = incident.assignee.mention if incident.assignee else t("sla_alert.nobody")
        why = t("sla_alert.owner_is", owner=owner)
        _dm(
            notifier,
            alert,
            person,
            _message(clock, org, alert, t, tz, heading, reader=person, why=why, loud=True),
        )
    channel = _channel(notifier, org, incident)
    if channel is None:
        return
    t, _tz = channel_translator(org, incident.department)
    if told:
        line = t(
            "sla_alert.escalated_to",
            ref=alert.ref,
            target=_target(alert, t),
            role=t(ROLE_KEYS[role]),
            people=", ".join(p.mention for p in told),
        )
    else:
        line = t(
            "sla_alert.escalated_nobody",
            ref=alert.ref,
            target=_target(alert, t),
            role=t(ROLE_KEYS[role]),
            department=department_name(org, incident.department, t.locale),
        )
    notifier.to_channel(
        key=alert.key, channel=channel, message=Message(text=line, thread_of=_card(notifier, incident))
    )


def _message(
    clock: sla.Clock | None,
    org: OrgConfig,
    alert: Alert,
    t: Translator,
    tz: str,
    heading: str,
    *,
    reader: Person | None = None,
    why: str | None = None,
    loud: bool = False,
) -> Message:
    """Heading, the incident in one line, the clock (due, left or late), the remedy once missed, whose
    it is, what to do, and the buttons for it."""
    incident = alert.incident
    lines = [title_line(incident, org, t)]
    if clock is not None:
        lines.append(t("sla_alert.clock", target=_target(alert, t), detail=_detail(clock, t, tz)))
    if alert.kind != "warn":
        policy = org.sla.policy_for(incident.service, incident.priority)
        if policy is not None and policy.remedy is not None:
            lines.append(t("sla_alert.remedy", remedy=policy.remedy.get(t.locale)))
    if why:
        lines.append(why)
    todo = t(TODO_KEYS[alert.target]) if alert.target in TODO_KEYS else ""
    buttons = _buttons(incident, org, t, reader)
    blocks: list[Header | Section | Context | Actions] = []
    if loud:
        blocks.append(Header(text=heading[:150]))
        blocks.append(Section(text="\n".join(lines)))
    else:
        blocks.append(Section(text="\n".join([heading, *lines])))
    if todo:
        blocks.append(Context(text=todo))
    if buttons:
        blocks.append(Actions(buttons=tuple(buttons)))
    text = [heading, *(f"  {line}" for line in lines)]
    if todo:
        text.append(f"  {todo}")
    if buttons:
        text.append("  " + "  ".join(f"[{b.label}: /{b.command}]" for b in buttons))
    return Message(text="\n".join(text), blocks=tuple(blocks))


def _detail(clock: sla.Clock, t: Translator, tz: str) -> str:
    """The clock as the card shows it, except at the breach minute itself: "missed just now" reads
    better than "0m overdue"."""
    just = clock.overdue is not None and clock.overdue < timedelta(minutes=1)
    if clock.state == "breached" and clock.met_at is None and clock.due_at is not None and just:
        return t("sla_alert.just_missed", due=local(clock.due_at, tz))
    return detail(clock, t=t, timezone=tz)


def _buttons(incident: Incident, org: OrgConfig, t: Translator, reader: Person | None) -> list[Button]:
    """Acknowledge / take it / resolve, as far as the incident's state allows; no "take it" for the
    person who already has it."""
    mine = reader is not None and incident.assignee_id == reader.id
    return [
        b
        for b in next_steps(incident, org=org, t=t)
        if b.command.split()[1] in ALERT_VERBS and not (mine and b.command.split()[1] == "assign")
    ]


def _owner(roster: Roster, notifier: Notifier, incident: Incident) -> tuple[Person | None, bool]:
    """Whose the incident is: the assignee, else the department's lead (a manager if it has none).
    The flag says the person was picked as the lead."""
    if incident.assignee is not None:
        return incident.assignee, False
    for roles in (("lead",), ("manager",)):
        found = roster.department(platform=notifier.platform, department=incident.department, roles=roles)
        if found:
            return found[0], True
    return None, True


def _holders(roster: Roster, notifier: Notifier, incident: Incident, role: str) -> list[Person]:
    """The people an escalation step reaches."""
    if role == "owner":
        owner, _ = _owner(roster, notifier, incident)
        return [owner] if owner is not None else []
    if role == "quality":
        return roster.quality(platform=notifier.platform)
    return roster.department(platform=notifier.platform, department=incident.department, roles=(role,))


def _dm(notifier: Notifier, alert: Alert, person: Person, message: Message) -> None:
    notifier.to_person(key=f"{alert.key}:{person.id}", person=person, message=message)


def _reader(person: Person, org: OrgConfig) -> tuple[Translator, str]:
    return Translator(person_locale(person, org)), person_timezone(person, org)


def _target(alert: Alert, t: Translator) -> str:
    key = TARGET_KEYS.get(alert.target)
    return t(key) if key else alert.target


def _channel(notifier: Notifier, org: OrgConfig, incident: Incident) -> str | None:
    return department_channel(org, incident.department, notifier.platform)


def _card(notifier: Notifier, incident: Incident) -> str:
    return card_key(incident, notifier.platform, incident.department)
