"""/account — accountability records: private, fair, decided by the subject's manager chain.

Every reply is ephemeral to the person who typed it; nothing here is ever posted to a channel.
"""

from __future__ import annotations

from commands._types import Note, Ref
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Command, NoArgs, Pos
from sqmsbot.domain import accountability
from sqmsbot.models import AccountabilityRecord
from sqmsbot.notifications.audience import person_timezone
from sqmsbot.presenters.accountability import decided, records_list

command = Command("account", default="list")

AR_WORD = r"(?:AR-?)?#?\d{1,9}"


@command.sub("list", also=("列表", "记录"))
def list_(ctx: Ctx, _args: NoArgs) -> Reply:
    """list

    The records you may see: your own, and as a manager your department's; drafts first.
    """
    records = accountability.list_for(ctx.session, viewer=ctx.actor)
    return Reply([records_list(records, org=ctx.org, t=ctx.t, timezone=person_timezone(ctx.actor, ctx.org))])


class DecideArgs(Args):
    ref: Ref
    note: Note


DECIDE_POSITIONAL = (Pos("ref", match=AR_WORD), Pos("note", rest=True))


@command.sub("confirm", positional=DECIDE_POSITIONAL, also=("确认",))
def confirm(ctx: Ctx, args: DecideArgs) -> Reply:
    """confirm AR-N "NOTE"

    Managers: the draft stands and becomes a record; say why in the note.
    """
    record = accountability.get(ctx.session, viewer=ctx.actor, number=accountability.parse_ref(args.ref))
    accountability.confirm(ctx.session, record=record, actor=ctx.actor, note=args.note, now=ctx.now)
    return _done(ctx, record)


@command.sub("dismiss", positional=DECIDE_POSITIONAL, also=("驳回", "撤销"))
def dismiss(ctx: Ctx, args: DecideArgs) -> Reply:
    """dismiss AR-N "NOTE"

    Managers: the draft is dropped (not the person's doing); say why in the note.
    """
    record = accountability.get(ctx.session, viewer=ctx.actor, number=accountability.parse_ref(args.ref))
    accountability.dismiss(ctx.session, record=record, actor=ctx.actor, note=args.note, now=ctx.now)
    return _done(ctx, record)


def _done(ctx: Ctx, record: AccountabilityRecord) -> Reply:
    timezone = person_timezone(ctx.actor, ctx.org)
    return Reply([decided(record, org=ctx.org, t=ctx.t, timezone=timezone)])
