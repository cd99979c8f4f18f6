"""Cross-department work: transfer ownership, or involve another department."""

from __future__ import annotations

from commands._types import DEPARTMENT_WORD, REF_WORD, DepartmentKey, Note, Ref
from commands.incident import command
from commands.incident._common import changed, load
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Pos
from sqmsbot.domain import incidents

REF = Pos("ref", match=REF_WORD)
DEPT = Pos("department", match=DEPARTMENT_WORD, optional=True)


class TransferArgs(Args):
    ref: Ref
    department: DepartmentKey
    note: Note


@command.sub(
    "transfer",
    positional=(REF, DEPT, Pos("note", rest=True)),
    aliases={"dept": "department", "to": "department", "reason": "note"},
    also=("转交", "移交"),
)
def transfer(ctx: Ctx, args: TransferArgs) -> Reply:
    """transfer SQ-N [dept=]DEPT "REASON"

    The new department's channel gets the card and owns the clocks; the old channel is told why.
    """
    incident = load(ctx, args.ref)
    event = incidents.transfer(
        ctx.session,
        org=ctx.org,
        incident=incident,
        actor=ctx.actor,
        now=ctx.now,
        department=args.department,
        reason=args.note,
    )
    return changed(ctx, incident, event, "incident.done.transferred")


class InvolveArgs(Args):
    ref: Ref
    department: DepartmentKey
    note: Note | None = None


@command.sub(
    "involve",
    positional=(REF, DEPT, Pos("note", rest=True)),
    aliases={"dept": "department", "reason": "note"},
    also=("协同", "协办"),
)
def involve(ctx: Ctx, args: InvolveArgs) -> Reply:
    """involve SQ-N [dept=]DEPT ["WHAT WE NEED"]

    Brings a department in without moving ownership: its channel gets a linked card, its lead a DM.
    """
    incident = load(ctx, args.ref)
    event = incidents.involve(
        ctx.session,
        org=ctx.org,
        incident=incident,
        actor=ctx.actor,
        now=ctx.now,
        department=args.department,
        note=args.note,
    )
    return changed(ctx, incident, event, "incident.done.involved")
