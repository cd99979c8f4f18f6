"""Notifications caused by an incident change (DESIGN §5): written in the same unit of work.

- the owning department's channel gets the card on report, then every change in the card's thread
  and the card edited in place; involved departments' linked cards follow along;
- a transfer posts the card in the new department's channel; an involvement posts a linked card
  there and DMs that department's lead;
- people are told privately when something lands on them: an assignment, their report resolved,
  their incident reopened.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain.incident_workflow import can_see_customer
from sqmsbot.domain.people import people_in
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Message
from sqmsbot.models import Incident, IncidentEvent, Person
from sqmsbot.notifications.audience import (
    channel_translator,
    department_channel,
    person_locale,
    person_timezone,
)
from sqmsbot.outbox import Channel, Notifier, Stored
from sqmsbot.presenters.incident import card, department_name, event_line, ref, title_line


def card_key(incident: Incident, platform: str, department: str) -> str:
    return f"incident:{incident.id}:card:{platform}:{department}"


def card_keys(org: OrgConfig, incident: Incident, department: str, platforms: tuple[str, ...]) -> list[str]:
    """Where the incident's card in a department may be: one key per platform it has a channel on."""
    dept = org.department(department)
    return [card_key(incident, p, department) for p in platforms if dept and dept.channel(p)]


def card_channel(
    notifier: Notifier,
    org: OrgConfig,
    incident: Incident,
    department: str,
    *,
    stored: Mapping[str, Stored] | None = None,
) -> tuple[Channel, str, bool] | None:
    """(channel, card key, whether the card is there) for the incident's card in a department.

    Where the card was posted, if it was — the served platforms or their order may have changed
    since (a department moving from Slack to Lark, `platform =` set in the file), and a follow-up
    must thread under and edit the card people have, not a card that does not exist — else the
    department's home channel, where it would be posted now. `stored`: what the caller already read
    of the keys (`card_keys`), to spare the query."""
    dept = org.department(department)
    if dept is None:
        return None
    keys = card_keys(org, incident, department, notifier.platforms)
    found = stored if stored is not None else notifier.stored(keys)
    for platform in notifier.platforms:
        key = card_key(incident, platform, department)
        channel = dept.channel(platform)
        if key in found and channel is not None:
            return Channel(platform, channel), key, True
    home = department_channel(org, department, notifier.platforms)
    if home is None:
        return None
    return home, card_key(incident, home.platform, department), False


def incident_changed(
    session: Session,
    *,
    notifier: Notifier,
    org: OrgConfig,
    incident: Incident,
    event: IncidentEvent,
    actor: Person,
    released: Person | None = None,
    card_edit: bool = True,
) -> None:
    """`released`: whoever held the incident before this change, told when it is taken from them.
    `card_edit=False`: one of several events of one command, whose last edits the card once."""
    if event.kind == "reported":
        _post_card(notifier, org, incident, incident.department)
        return
    # A channel that gets the card now gets it before the change's thread line, so that the line can
    # hang under it at once; the card is already current there, so it needs no edit.
    fresh: set[str] = set()
    if event.kind == "transferred" and _post_card(notifier, org, incident, incident.department):
        fresh.add(incident.department)
    elif event.kind == "involved" and event.to_value and _post_card(notifier, org, incident, event.to_value):
        fresh.add(event.to_value)
    channels = {incident.department, *(i.department for i in incident.involvements)}
    if event.kind == "transferred" and event.from_value:
        channels.add(event.from_value)
    for department in sorted(channels):
        _follow_up(notifier, org, incident, event, department, edit=card_edit and department not in fresh)
    if event.kind == "involved" and event.to_value:
        for lead in people_in(
            session, platforms=notifier.platforms, department=event.to_value, roles=("lead", "manager")
        )[:1]:
            _dm(notifier, org, lead, incident, event, "notify.involved_dm", department=event.to_value)
    elif event.kind == "assigned":
        if incident.assignee and incident.assignee.id != actor.id:
            _dm(notifier, org, incident.assignee, incident, event, "notify.assigned_dm")
        if released is not None and released.id != actor.id:
            _dm(notifier, org, released, incident, event, "notify.unassigned_dm", by=actor.display_name)
    elif event.kind == "resolved" and incident.reporter.id != actor.id:
        _dm(notifier, org, incident.reporter, incident, event, "notify.resolved_dm", rate=True)
    elif event.kind == "reopened" and incident.assignee and incident.assignee.id != actor.id:
        _dm(notifier, org, incident.assignee, incident, event, "notify.reopened_dm")


def _post_card(notifier: Notifier, org: OrgConfig, incident: Incident, department: str) -> bool:
    """The card in a department channel; False when the channel already has it (a transfer back)."""
    t, tz = channel_translator(org, department)
    where = card_channel(notifier, org, incident, department)
    if where is None or where[2]:
        return False
    channel, key, _ = where
    message = card(incident, org=org, t=t, timezone=tz, channel_of=department)
    return notifier.to_channel(key=key, channel=channel, message=message)


def _follow_up(
    notifier: Notifier,
    org: OrgConfig,
    incident: Incident,
    event: IncidentEvent,
    department: str,
    *,
    edit: bool = True,
) -> None:
    """The change in the card's thread, and the card edited to match."""
    t, tz = channel_translator(org, department)
    where = card_channel(notifier, org, incident, department)
    if where is None:
        return
    channel, key, _ = where
    line = event_line(event, org=org, t=t, timezone=tz, private=False)
    notifier.to_channel(
        key=f"incident:{incident.id}:event:{event.id}:{department}",
        channel=channel,
        message=Message(text=f"{ref(incident, org)} · {line}", thread_of=key),
    )
    if not edit:
        return
    edited = card(incident, org=org, t=t, timezone=tz, channel_of=department)
    edited = edited.model_copy(update={"update_of": key})
    notifier.to_channel(
        key=f"incident:{incident.id}:edit:{event.id}:{department}", channel=channel, message=edited
    )


def _dm(
    notifier: Notifier,
    org: OrgConfig,
    person: Person,
    incident: Incident,
    event: IncidentEvent,
    key: str,
    department: str | None = None,
    by: str = "",
    rate: bool = False,
) -> None:
    """`rate`: end with the way to rate the incident (`/incident rate`, the CSAT KPI's input)."""
    t = Translator(person_locale(person, org))
    tz = person_timezone(person, org)
    where = department_name(org, department or "", t.locale)
    intro = t(key, ref=ref(incident, org), department=where, by=by)
    private = can_see_customer(incident, person)
    body = card(incident, org=org, t=t, timezone=tz, private=private, viewer=person)
    message = Message(text=f"{intro}\n{title_line(incident, org, t)}", blocks=body.blocks)
    if rate:
        prompt = t("kpi_inputs.rate_prompt", ref=ref(incident, org))
        message = Message(text=f"{message.text}\n{prompt}", blocks=(*body.blocks, Context(text=prompt)))
    notifier.to_person(
        key=f"incident:{incident.id}:dm:{event.id}:{person.id}", person=person, message=message
    )
