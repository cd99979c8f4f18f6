"""Correcting a report and folding repeats: edit, duplicate."""

from __future__ import annotations

from commands._types import REF_WORD, CustomerRef, LongText, Note, Ref, ServiceKey, Title
from commands.incident import command
from commands.incident._common import changed, load, tell
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Pos
from sqmsbot.domain import incidents
from sqmsbot.presenters.incident import ref

REF = Pos("ref", match=REF_WORD)


class EditArgs(Args):
    ref: Ref
    title: Title | None = None
    description: LongText | None = None
    customer_ref: CustomerRef | None = None
    service: ServiceKey | None = None


@command.sub(
    "edit",
    positional=(REF,),
    aliases={"desc": "description", "cust": "customer_ref", "customer": "customer_ref"},
    also=("修改", "编辑"),
)
def edit(ctx: Ctx, args: EditArgs) -> Reply:
    """edit SQ-N [title="…"] [desc="…"] [cust=REF] [service=SERVICE]

    For the reporter and those working on it, until it is closed. Each change goes on the timeline
    with the old value, so nothing said earlier is lost; a new service brings its commitments.
    """
    incident = load(ctx, args.ref)
    changes = {
        field: value
        for field in ("title", "description", "customer_ref", "service")
        if (value := getattr(args, field)) is not None
    }
    events = incidents.edit(
        ctx.session, org=ctx.org, incident=incident, actor=ctx.actor, now=ctx.now, changes=changes
    )
    for event in events[:-1]:  # a thread line for each change; the card is edited once, with the last
        tell(ctx, incident, event, card_edit=False)
    return changed(ctx, incident, events[-1], "incident.done.edited")


class DuplicateArgs(Args):
    ref: Ref
    original: Ref
    note: Note | None = None


@command.sub(
    "duplicate",
    positional=(REF, Pos("original", match=REF_WORD, optional=True), Pos("note", rest=True)),
    aliases={"of": "original"},
    also=("重复",),
)
def duplicate(ctx: Ctx, args: DuplicateArgs) -> Reply:
    """duplicate SQ-N of=SQ-M ["NOTE"]

    Closes SQ-N as a repeat of SQ-M, linked both ways; SQ-M's card counts its duplicates, a measure
    of how many customers the problem reached.
    """
    incident = load(ctx, args.ref)
    original = load(ctx, args.original)
    event = incidents.mark_duplicate(
        ctx.session, incident=incident, original=original, actor=ctx.actor, now=ctx.now, note=args.note
    )
    changed(ctx, original, original.events[-1], "incident.done.edited")  # its card counts one more
    return changed(ctx, incident, event, "incident.done.duplicate", original=ref(original, ctx.org))
