"""SLA alerts (DESIGN §7): who hears that a commitment is at risk or missed — once per event.

Called by the `sla_watch` job once per tick with the thresholds it has just marked fired, grouped by
incident (`Alerts`), inside the same unit of work, so the messages and the marks commit together. A
message carries the dedupe key of the threshold that leads it (sqmsbot.notifications.sla_tick): a
retried tick, a second replica or a re-run period can never send one twice.

Alerts are for people, not logs — a bot that sends thirty messages about one incident gets muted:
- one message per reader per tick and incident, whatever the reasons: a department head who owns an
  unassigned incident's breach and is also its first escalation step gets one message, not two; the
  channel gets one top-level alert for a breach, with the escalations due at that instant in it;
- warnings folded: a tick's warnings about one incident are one message; a warning within
  FOLD_WINDOW of the last SLA message about the same incident to the same reader is not sent on its
  own, as that message shows every clock of the incident with its due time and time left;
- working hours: a private message outside the reader's working hours (sqmsbot.domain.working_hours)
  waits in the outbox for the start of their next working period, unless it cannot wait (a P1's
  breach or escalation). While one waits, later warnings about the same incident replace its content
  (it says as of when), so the morning brings one message with the latest state, not a night's worth.
  Channels are never held.

Who is told:
- a warning: the owning department's channel, in the thread under the incident card, and the
  assignee if there is one;
- a breach: a top-level alert in the channel (it must not hide in a thread), the card edited so its
  clock shows the breach, and the owner privately — the assignee, else the department's lead (a
  manager if it has no lead);
- an escalation step: everyone holding the step's role (owner; lead or manager of the owning
  department; quality: the quality department and anyone with the quality role) privately, and the
  channel told who was — or that nobody holds the role, so the gap is visible.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqmsbot.config import OrgConfig
from sqmsbot.domain import sla, working_hours
from sqmsbot.i18n import Translator
from sqmsbot.models import Incident, Person
from sqmsbot.notifications.audience import (
    Roster,
    channel_translator,
    person_locale,
    person_timezone,
)
from sqmsbot.notifications.incidents import card_channel, card_keys
from sqmsbot.notifications.sla_text import Page, channel_breach, channel_thread, private
from sqmsbot.notifications.sla_tick import Alerts, Crossed, Reader, warnings_only
from sqmsbot.outbox import Notifier, Stored
from sqmsbot.presenters.incident import card

log = logging.getLogger(__name__)

FOLD_WINDOW = timedelta(minutes=10)
"""A warning this soon after the last SLA message about the same incident to the same reader is folded
into it (not sent on its own): that message already shows the clock running out."""
URGENT_PRIORITIES = ("P1",)
"""Whose breaches and escalations reach people at once, working hours or not."""


def announce(*, notifier: Notifier, org: OrgConfig, alerts: Sequence[Alerts], roster: Roster) -> None:
    """Write one tick's alerts into the outbox (each reader on their platform, the channel on the
    department's: `audience`).

    The incidents should come with their clocks and timelines loaded
    (sqmsbot.domain.sla_alerts.incidents_for) and `roster` be shared by the tick: then the tick costs a
    few queries, not a few per alert — one more for the earlier messages that folding looks at."""
    readers = {id(a): _readers(roster, notifier, a) for a in alerts}
    told = {id(a): _told(roster, notifier, a) for a in alerts}
    keys = [key for a in alerts for key in a.earlier_keys()]
    keys += [key for a in alerts for r in readers[id(a)] for key in a.earlier_keys(r.person)]
    keys += [
        key for a in alerts for key in card_keys(org, a.incident, a.incident.department, notifier.platforms)
    ]
    earlier = notifier.stored(keys)
    for a in alerts:
        clocks = tuple(sla.clocks(org=org, incident=a.incident, now=a.now))
        _channel(notifier, org, a, clocks, told[id(a)], earlier)
        for reader in readers[id(a)]:
            _private(notifier, org, a, clocks, reader, earlier)


def _channel(
    notifier: Notifier,
    org: OrgConfig,
    alerts: Alerts,
    clocks: tuple[sla.Clock, ...],
    told: dict[Crossed, list[Person]],
    earlier: dict[str, Stored],
) -> None:
    incident = alerts.incident
    where = card_channel(notifier, org, incident, incident.department, stored=earlier)
    if where is None:
        return
    channel, the_card, _ = where
    t, tz = channel_translator(org, incident.department)
    page = Page(org, alerts, clocks, t, tz)
    breaches = alerts.of_kind("breach")
    if breaches:
        key = alerts.key(breaches[0])
        notifier.to_channel(key=key, channel=channel, message=channel_breach(page, told))
        # The card's clock lines turn to "breached" where everyone looks at the incident.
        edited = card(incident, org=org, t=t, timezone=tz, now=alerts.now, channel_of=incident.department)
        update = edited.model_copy(update={"update_of": the_card})
        notifier.to_channel(key=f"{key}:card", channel=channel, message=update)
        return
    lead = alerts.crossed[0]
    if lead.kind == "warn" and _recent(earlier, alerts.earlier_keys(), alerts.now):
        return  # folded into the message just before it
    message = channel_thread(page, told).model_copy(update={"thread_of": the_card})
    notifier.to_channel(key=alerts.key(lead), channel=channel, message=message)


def _private(
    notifier: Notifier,
    org: OrgConfig,
    alerts: Alerts,
    clocks: tuple[sla.Clock, ...],
    reader: Reader,
    earlier: dict[str, Stored],
) -> None:
    person, now = reader.person, alerts.now
    urgent = alerts.incident.priority in URGENT_PRIORITIES and not reader.only_warnings
    when = now if urgent else working_hours.deliver_at(org, person=person, now=now)
    held = when > now
    t = Translator(person_locale(person, org))
    page = Page(org, alerts, clocks, t, person_timezone(person, org))
    message = private(page, reader, held_since=now if held else None)
    before = [earlier[key] for key in alerts.earlier_keys(person) if key in earlier]
    if reader.only_warnings:
        if held:
            waiting = sorted((s for s in before if s.held(now)), key=lambda s: s.created_at, reverse=True)
            # The morning brings the latest state, in one message: a held warning takes the new content
            # (unless it went out meanwhile; then this one is held on its own).
            if any(
                warnings_only(s.key) and notifier.replace_held(key=s.key, message=message, not_before=when)
                for s in waiting
            ):
                return
            if any(not warnings_only(s.key) for s in waiting):
                return  # a breach already waits for them, showing every clock
        elif _recent(earlier, alerts.earlier_keys(person), now):
            return  # folded into the message just before it
    notifier.to_person(
        key=alerts.key(reader.items[0], person),
        person=person,
        message=message,
        not_before=when if held else None,
    )


def _recent(earlier: dict[str, Stored], keys: list[str], now: datetime) -> bool:
    """Whether a message under one of `keys` was written within the fold window before `now`."""
    return any(now - earlier[key].created_at < FOLD_WINDOW for key in keys if key in earlier)


def _readers(roster: Roster, notifier: Notifier, alerts: Alerts) -> list[Reader]:
    """Everyone this tick's alerts about one incident reach privately, each with all their reasons."""
    incident = alerts.incident
    readers: dict[int, Reader] = {}

    def reach(person: Person, item: Crossed) -> Reader:
        reader = readers.setdefault(person.id, Reader(person, []))
        reader.add(item)
        return reader

    owner, as_lead = _owner(roster, notifier, incident)
    for item in alerts.crossed:
        if item.kind == "warn":
            if incident.assignee is not None:
                reach(incident.assignee, item)
        elif item.kind == "breach":
            if owner is None:
                log.warning(
                    "%s missed its %s commitment and nobody owns or leads it", alerts.ref, item.target
                )
                continue
            reader = reach(owner, item)
            reader.owner, reader.as_lead = True, as_lead
        else:
            for person in _holders(roster, notifier, incident, item.role):
                reach(person, item)
    return sorted(readers.values(), key=lambda r: (r.items[0].rank(), r.person.id))


def _told(roster: Roster, notifier: Notifier, alerts: Alerts) -> dict[Crossed, list[Person]]:
    """Who each escalation step reached: what the channel is told."""
    return {
        item: _holders(roster, notifier, alerts.incident, item.role) for item in alerts.of_kind("escalate")
    }


def _owner(roster: Roster, notifier: Notifier, incident: Incident) -> tuple[Person | None, bool]:
    """Whose the incident is: the assignee, else the department's lead (a manager if it has none).
    The flag says the person was picked as the lead."""
    if incident.assignee is not None:
        return incident.assignee, False
    for roles in (("lead",), ("manager",)):
        found = roster.department(platforms=notifier.platforms, department=incident.department, roles=roles)
        if found:
            return found[0], True
    return None, True


def _holders(roster: Roster, notifier: Notifier, incident: Incident, role: str) -> list[Person]:
    """The people an escalation step reaches."""
    if role == "owner":
        owner, _ = _owner(roster, notifier, incident)
        return [owner] if owner is not None else []
    if role == "quality":
        return roster.quality(platforms=notifier.platforms)
    return roster.department(platforms=notifier.platforms, department=incident.department, roles=(role,))
