"""/sla — the public service commitments, and how one incident stands against them."""

from __future__ import annotations

import re
from dataclasses import replace

from commands._types import REF_WORD, Ref
from commands.incident._common import load, viewer_timezone
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.names import fold
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Command, NoArgs, Pos, Subcommand
from sqmsbot.presenters.incident import ref
from sqmsbot.presenters.sla import commitments, explanation


class SlaCommand(Command):
    """`/sla SQ-42` reads as "the SLA of SQ-42": a reference in the subcommand's place explains it."""

    def find(self, word: str) -> Subcommand | None:
        found = super().find(word)
        if found is None and re.fullmatch(REF_WORD, fold(word), re.IGNORECASE):
            explain = self.subcommands["incident"]
            return replace(
                explain,
                handler=lambda ctx, _args: incident(ctx, RefArgs(ref=word)),
                args_model=NoArgs,
                positional=(),
            )
        return found

    def usage_for(self, sub: Subcommand | None) -> str:
        """All of it, whatever went wrong: `/sla` is two short forms, and `/sla SQ-N` has no name of its
        own to look up, so "/sla help" or one form alone would leave the reader guessing at the other."""
        return "  ·  ".join(s.usage for s in self.subcommands.values())


command = SlaCommand("sla", default="list")


@command.sub("list", also=("承诺", "列表"))
def list_(ctx: Ctx, _args: NoArgs) -> Reply:
    """list

    Our commitments per service and priority: how fast we acknowledge, respond and resolve, in
    business time, and what we offer the customer when we miss.
    """
    return Reply([commitments(ctx.org, ctx.t)])


class RefArgs(Args):
    ref: Ref


@command.sub("incident", positional=(Pos("ref", match=REF_WORD),), also=("事件",))
def incident(ctx: Ctx, args: RefArgs) -> Reply:
    """incident SQ-N  (or just /sla SQ-N)

    One incident's clocks: when each started, the pauses, the due time and the time left.
    """
    found = load(ctx, args.ref)
    message = explanation(
        found,
        org=ctx.org,
        t=ctx.t,
        timezone=viewer_timezone(ctx),
        now=ctx.now,
        ref=ref(found, ctx.org),
    )
    return Reply([message])
