"""How an incident looks in chat: the card, one timeline line, the full timeline, a list page.

Shared by commands (replies) and jobs (alerts), so an incident looks the same wherever it appears.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqmsbot.config import OrgConfig
from sqmsbot.domain.incident_queries import Page
from sqmsbot.domain.incident_workflow import WORKFLOW
from sqmsbot.i18n import Translator
from sqmsbot.messages import Actions, Button, Context, Header, Message, Section
from sqmsbot.messages import Field_ as F
from sqmsbot.models import Incident, IncidentEvent, IncidentTargetMove, Person
from sqmsbot.presenters.sla import clock_lines, move_line
from sqmsbot.timefmt import local

DESCRIPTION_LIMIT = 2900
CUSTOMER_FIELDS = ("customer_ref", "description")  # what only those working on it may read
TIMELINE_LIMIT = 60


def ref(incident: Incident, org: OrgConfig) -> str:
    return f"{org.ref_prefix}-{incident.id}"


def department_name(org: OrgConfig, key: str, locale: str) -> str:
    dept = org.department(key)
    return dept.name.get(locale) if dept else key


def service_name(org: OrgConfig, key: str, locale: str) -> str:
    svc = org.service(key)
    return svc.name.get(locale) if svc else key


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def title_line(incident: Incident, org: OrgConfig, t: Translator) -> str:
    return f"{ref(incident, org)} · {incident.priority} · {t('status.' + incident.status)} · {incident.title}"


def card(
    incident: Incident,
    *,
    org: OrgConfig,
    t: Translator,
    timezone: str,
    now: datetime | None = None,
    private: bool = False,
    channel_of: str | None = None,
    viewer: Person | None = None,
) -> Message:
    """The incident card: what it is, where it stands, its commitment clocks, and the next steps.

    `now` is when the reader sees it; a card posted for a change is seen at that change (`updated_at`).
    What it says of the customer depends on who reads it (README "Who may do what"): a `private`
    card, for one person already allowed to see it, carries everything; a channel card never carries
    the customer's reference (a phone or ID number has no place where a whole channel reads), and
    the description only in the owning department's channel (`channel_of`). Buttons are the next
    steps the workflow allows: in the owner's channel by state, on a card for one `viewer` by what
    they may do, and none in a helping department's channel (it notes; it does not work the incident).
    """
    loc = t.locale
    r = ref(incident, org)
    fields = [
        F(label=t("fields.status"), value=t("status." + incident.status)),
        F(label=t("fields.priority"), value=incident.priority),
        F(label=t("fields.service"), value=service_name(org, incident.service, loc)),
        F(label=t("fields.department"), value=department_name(org, incident.department, loc)),
        F(label=t("fields.reporter"), value=incident.reporter.mention),
        F(
            label=t("fields.assignee"),
            value=incident.assignee.mention if incident.assignee else t("incident.unassigned"),
        ),
        F(label=t("fields.source"), value=t("source." + incident.source)),
        F(label=t("fields.reported_at"), value=local(incident.reported_at, timezone)),
    ]
    if incident.category:
        fields.append(F(label=t("fields.category"), value=t("category." + incident.category)))
    if incident.customer_ref:
        shown = incident.customer_ref if private else t("incident.customer_ref_hidden", ref=r)
        fields.append(F(label=t("fields.customer_ref"), value=shown))
    if incident.duplicates:
        fields.append(F(label=t("fields.duplicates"), value=str(len(incident.duplicates))))
    if incident.duplicate_of_id is not None:
        fields.append(F(label=t("fields.duplicate_of"), value=f"{org.ref_prefix}-{incident.duplicate_of_id}"))
    if incident.resolution and incident.status in ("resolved", "closed"):
        fcr = t("incident.fcr_badge") if incident.first_contact_resolution else ""
        fields.append(F(label=t("fields.resolution"), value=clip(incident.resolution, 500) + fcr))
    blocks: list[Header | Section | Context | Actions] = [
        Header(text=clip(f"{r} · {incident.title}", 150)),
        Section(fields=tuple(fields)),
    ]
    clocks = clock_lines(incident, org=org, t=t, timezone=timezone, now=now or incident.updated_at)
    if clocks:
        blocks.append(Section(text="\n".join(clocks)))
    description = incident.description if private or channel_of == incident.department else None
    if description:
        blocks.append(Section(text=clip(description, DESCRIPTION_LIMIT)))
    involved = ""
    if incident.involvements:
        names = ", ".join(department_name(org, i.department, loc) for i in incident.involvements)
        involved = t("incident.involved_line", departments=names)
        blocks.append(Context(text=involved))
    helping = channel_of is not None and channel_of != incident.department
    buttons = [] if helping else next_steps(incident, org=org, t=t, viewer=viewer)
    if buttons:
        blocks.append(Actions(buttons=tuple(buttons)))
    text_lines = [title_line(incident, org, t)] + [
        "  " + t("format.label_value", label=f.label, value=f.value) for f in fields
    ]
    text_lines += [f"  {line}" for line in clocks]
    if description:
        text_lines.append("  " + clip(description, DESCRIPTION_LIMIT))
    if involved:
        text_lines.append("  " + involved)
    if buttons:
        text_lines.append("  " + "  ".join(f"[{b.label}: /{b.command}]" for b in buttons))
    return Message(text="\n".join(text_lines), blocks=tuple(blocks))


def next_steps(
    incident: Incident, *, org: OrgConfig, t: Translator, viewer: Person | None = None
) -> list[Button]:
    """Buttons for what the workflow table allows next in this state (and to `viewer`, when the card
    is theirs alone); each runs the command it shows."""
    r = ref(incident, org)
    return [
        Button(
            label=t(step.label), command=f"incident {transition.verb} {r}", style=step.style(incident.status)
        )
        for transition in WORKFLOW.available(incident, viewer)
        if (step := transition.step) is not None
    ]


def event_line(
    event: IncidentEvent, *, org: OrgConfig, t: Translator, timezone: str, private: bool = True
) -> str:
    """One timeline entry: when, who, what changed, and why.

    Not `private` (a channel's thread): an edit of the customer's details does not repeat them.
    """
    who = event.actor.display_name if event.actor else t("incident.system")
    what = t("event." + event.kind, **_event_args(event, org, t))
    line = f"{local(event.at, timezone)} · {who} · {what}"
    if event.kind == "resolved" and (event.to_value or "").endswith(":fcr"):
        line += t("incident.fcr_badge")
    if event.kind == "edited":
        if event.note and (private or event.to_value not in CUSTOMER_FIELDS):
            line += t("incident.was", old=clip(event.note, 200))
    elif event.note and event.kind != "reported":
        line += f" — {clip(event.note, 500)}"
    return line


def _event_args(event: IncidentEvent, org: OrgConfig, t: Translator) -> dict[str, str]:
    def show(value: str | None) -> str:
        if value is None:
            return t("incident.nobody")
        if event.kind in ("transferred", "involved"):
            return department_name(org, value, t.locale)
        if event.kind in ("acknowledged", "waiting", "resumed", "resolved", "reopened", "closed", "reported"):
            return t("status." + value.split(":")[0])
        if event.kind == "edited":
            return t("fields." + value) if t.has("fields." + value) else value
        if event.kind == "duplicate_linked":
            return f"{org.ref_prefix}-{value}"
        return value

    args = {"from": show(event.from_value), "to": show(event.to_value)}
    if event.kind == "duplicate":
        args["to"] = f"{org.ref_prefix}-{event.incident.duplicate_of_id}"
    return args


def timeline(
    incident: Incident,
    *,
    org: OrgConfig,
    t: Translator,
    timezone: str,
    now: datetime | None = None,
    viewer: Person | None = None,
    entries: Sequence[IncidentEvent | IncidentTargetMove],
) -> Message:
    """`show`: the card followed by every event and due-time move, oldest first; for a reader the
    domain allows to see the customer's details (`incident_workflow.can_see_customer`).

    `entries` is the incident's timeline as the domain orders it (`sqmsbot.domain.sla.timeline`, the
    one that reads the due-time moves): the caller passes it so that drawing the page reads nothing.
    """
    head = card(incident, org=org, t=t, timezone=timezone, now=now, private=True, viewer=viewer)
    # In the order things happened: a due-time move right after the event that caused it.
    lines = [
        event_line(entry, org=org, t=t, timezone=timezone)
        if isinstance(entry, IncidentEvent)
        else move_line(entry, t=t, timezone=timezone)
        for entry in entries
    ]
    shown = lines[-TIMELINE_LIMIT:]
    if len(lines) > TIMELINE_LIMIT:
        shown.insert(0, t("incident.timeline_older", n=len(lines) - TIMELINE_LIMIT))
    body = t("incident.timeline_title") + "\n" + "\n".join(shown)
    return Message(
        text=head.text + "\n" + body,
        blocks=(*head.blocks, Section(text=clip(body, 2900))),
        ephemeral=True,
    )


def list_page(
    page: Page, *, org: OrgConfig, t: Translator, heading: str, next_command: str | None
) -> Message:
    if not page.items:
        return Message(text=t("incident.list_empty"), ephemeral=True)
    lines = [
        f"{ref(i, org)} · {i.priority} · {t('status.' + i.status)} · "
        f"{department_name(org, i.department, t.locale)} · {clip(i.title, 80)}"
        for i in page.items
    ]
    footer = t("incident.list_footer", page=page.page, pages=page.pages, total=page.total)
    if next_command:
        footer += " " + t("incident.list_next", command=next_command)
    text = heading + "\n" + "\n".join(lines) + "\n" + footer
    return Message(
        text=text,
        blocks=(Header(text=clip(heading, 150)), Section(text="\n".join(lines)), Context(text=footer)),
        ephemeral=True,
    )
