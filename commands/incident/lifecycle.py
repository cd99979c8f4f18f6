"""Working an incident: ack, assign, note, wait, resume, resolve, reopen, close, priority."""

from __future__ import annotations

from commands._types import REF_WORD, Note, PersonRef, Priority, Ref
from commands.incident import command
from commands.incident._common import changed, load
from commands.incident.forms import assign_form, reopen_form, resolve_form
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Pos
from sqmsbot.domain import incidents
from sqmsbot.domain.people import person_from_ref

REF = Pos("ref", match=REF_WORD)
NOTE = Pos("note", rest=True)


class RefArgs(Args):
    ref: Ref


class RefNoteArgs(Args):
    ref: Ref
    note: Note | None = None


class RefRequiredNoteArgs(Args):
    ref: Ref
    note: Note


@command.sub("ack", positional=(REF,), also=("确认", "受理"))
def ack(ctx: Ctx, args: RefArgs) -> Reply:
    """ack SQ-N

    Starts work and stops the acknowledgement clock.
    """
    incident = load(ctx, args.ref)
    event = incidents.acknowledge(ctx.session, incident=incident, actor=ctx.actor, now=ctx.now, org=ctx.org)
    return changed(ctx, incident, event, "incident.done.acknowledged")


class AssignArgs(Args):
    ref: Ref
    person: PersonRef | None = None


@command.sub(
    "assign",
    positional=(REF, Pos("person", optional=True)),
    aliases={"to": "person"},
    also=("指派",),
    form=assign_form,
)
def assign(ctx: Ctx, args: AssignArgs) -> Reply:
    """assign SQ-N [@PERSON]

    Without a person, you take it yourself ("take it" on a card).
    """
    incident = load(ctx, args.ref)
    assignee = ctx.actor
    if args.person:
        assignee = person_from_ref(
            ctx.session,
            platform=ctx.platform,
            ref=args.person,
            now=ctx.now,
            directory=ctx.runtime.directory(ctx.platform),
        )
    released = incident.assignee
    event = incidents.assign(
        ctx.session, incident=incident, actor=ctx.actor, assignee=assignee, now=ctx.now, org=ctx.org
    )
    return changed(ctx, incident, event, "incident.done.assigned", released=released)


@command.sub("release", positional=(REF,), also=("退回",))
def release(ctx: Ctx, args: RefArgs) -> Reply:
    """release SQ-N

    Hands the incident back to its department's queue: its assignee, or the owner's leads.
    """
    incident = load(ctx, args.ref)
    released = incident.assignee
    event = incidents.release(ctx.session, incident=incident, actor=ctx.actor, now=ctx.now)
    return changed(ctx, incident, event, "incident.done.released", released=released)


@command.sub("note", positional=(REF, NOTE), also=("备注",))
def note(ctx: Ctx, args: RefRequiredNoteArgs) -> Reply:
    """note SQ-N "TEXT"

    Adds to the timeline without changing the state.
    """
    incident = load(ctx, args.ref)
    event = incidents.add_note(ctx.session, incident=incident, actor=ctx.actor, now=ctx.now, note=args.note)
    return changed(ctx, incident, event, "incident.done.noted")


@command.sub("wait", positional=(REF, NOTE), also=("等待",))
def wait(ctx: Ctx, args: RefNoteArgs) -> Reply:
    """wait SQ-N ["WHAT WE NEED FROM THE CUSTOMER"]

    Pauses the commitment clocks while the customer owes us something.
    """
    incident = load(ctx, args.ref)
    event = incidents.wait_on_customer(
        ctx.session, incident=incident, actor=ctx.actor, now=ctx.now, note=args.note, org=ctx.org
    )
    return changed(ctx, incident, event, "incident.done.waiting")


@command.sub("resume", positional=(REF, NOTE), also=("恢复",))
def resume(ctx: Ctx, args: RefNoteArgs) -> Reply:
    """resume SQ-N ["NOTE"]"""
    incident = load(ctx, args.ref)
    event = incidents.resume(
        ctx.session, org=ctx.org, incident=incident, actor=ctx.actor, now=ctx.now, note=args.note
    )
    return changed(ctx, incident, event, "incident.done.resumed")


class ResolveArgs(Args):
    ref: Ref
    note: Note
    fcr: bool = False


@command.sub(
    "resolve",
    positional=(REF, NOTE),
    flags={"fcr": "fcr", "一次解决": "fcr"},
    aliases={"first_contact": "fcr"},
    also=("解决",),
    form=resolve_form,
)
def resolve(ctx: Ctx, args: ResolveArgs) -> Reply:
    """resolve SQ-N [fcr] "RESOLUTION"

    The resolution note is required: it is what the customer was told and what the quality team
    analyses. `fcr` marks a first-contact resolution.
    """
    incident = load(ctx, args.ref)
    event = incidents.resolve(
        ctx.session,
        incident=incident,
        actor=ctx.actor,
        now=ctx.now,
        note=args.note,
        first_contact=args.fcr,
        org=ctx.org,
    )
    return changed(ctx, incident, event, "incident.done.resolved")


@command.sub("reopen", positional=(REF, NOTE), also=("重开",), form=reopen_form)
def reopen(ctx: Ctx, args: RefRequiredNoteArgs) -> Reply:
    """reopen SQ-N "REASON"

    A reason is required: reopen rate is a quality KPI and each one is worth learning from.
    """
    incident = load(ctx, args.ref)
    event = incidents.reopen(
        ctx.session, org=ctx.org, incident=incident, actor=ctx.actor, now=ctx.now, reason=args.note
    )
    return changed(ctx, incident, event, "incident.done.reopened")


@command.sub("close", positional=(REF, NOTE), also=("关闭",))
def close(ctx: Ctx, args: RefNoteArgs) -> Reply:
    """close SQ-N ["NOTE"]

    Only a resolved incident can be closed; closed is final.
    """
    incident = load(ctx, args.ref)
    event = incidents.close(ctx.session, incident=incident, actor=ctx.actor, now=ctx.now, note=args.note)
    return changed(ctx, incident, event, "incident.done.closed")


class PriorityArgs(Args):
    ref: Ref
    priority: Priority
    note: Note


@command.sub(
    "priority", positional=(REF, Pos("priority"), NOTE), aliases={"reason": "note"}, also=("优先级",)
)
def priority(ctx: Ctx, args: PriorityArgs) -> Reply:
    """priority SQ-N P1-P4 "REASON"

    Leads and managers of the owning department (or quality) decide, with a reason: priority moves
    the service commitments.
    """
    incident = load(ctx, args.ref)
    event = incidents.change_priority(
        ctx.session,
        org=ctx.org,
        incident=incident,
        actor=ctx.actor,
        now=ctx.now,
        priority=args.priority,
        reason=args.note,
    )
    return changed(ctx, incident, event, "incident.done.priority")
