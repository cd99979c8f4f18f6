"""What every incident subcommand does around its domain call: find the incident, tell people, reply."""

from __future__ import annotations

from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.names import fold
from sqmsbot.cmd.request import Reply
from sqmsbot.domain import incidents
from sqmsbot.domain.incident_workflow import can_see_customer
from sqmsbot.messages import Message
from sqmsbot.models import Incident, IncidentEvent, Person
from sqmsbot.notifications.audience import person_timezone
from sqmsbot.notifications.incidents import incident_changed
from sqmsbot.presenters.incident import card, ref, title_line


def load(ctx: Ctx, text: str) -> Incident:
    """The incident a reference names; `ＳＱ－１` from a full-width keyboard is SQ-1 (folded here,
    since the domain's parser reads ASCII only)."""
    return incidents.get(ctx.session, number=incidents.parse_ref(fold(text), prefix=ctx.org.ref_prefix))


def viewer_timezone(ctx: Ctx) -> str:
    return person_timezone(ctx.actor, ctx.org)


def tell(
    ctx: Ctx,
    incident: Incident,
    event: IncidentEvent,
    *,
    released: Person | None = None,
    card_edit: bool = True,
) -> None:
    """Queue the notifications for one change (sqmsbot.notifications.incidents)."""
    incident_changed(
        ctx.session,
        notifier=ctx.notify,
        org=ctx.org,
        incident=incident,
        event=event,
        actor=ctx.actor,
        released=released,
        card_edit=card_edit,
    )


def changed(
    ctx: Ctx,
    incident: Incident,
    event: IncidentEvent,
    done_key: str,
    *,
    released: Person | None = None,
    **done_args: str,
) -> Reply:
    """Queue the notifications for this change and confirm it to the actor (`released`: who held the
    incident before, to be told it is no longer theirs)."""
    tell(ctx, incident, event, released=released)
    confirmation = ctx.t(done_key, ref=ref(incident, ctx.org), **done_args)
    summary = title_line(incident, ctx.org, ctx.t)
    private = can_see_customer(incident, ctx.actor)
    tz = viewer_timezone(ctx)
    the_card = card(incident, org=ctx.org, t=ctx.t, timezone=tz, private=private, viewer=ctx.actor)
    return Reply([Message(text=f"✅ {confirmation}\n{summary}", blocks=the_card.blocks, ephemeral=True)])
