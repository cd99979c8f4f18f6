"""`/incident rate SQ-N 1-5 ["COMMENT"]`: the customer's satisfaction with a resolved incident (CSAT).

For the incident's reporter, who speaks for the customer, once it is resolved or closed; rating again
replaces the earlier score (sqmsbot.domain.kpi.feedback). The score is a digit from 1 to 5 (full-width
too), `4/5`, or as many stars (`★★★★`); a comment is optional and short.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from commands._types import REF_WORD, Ref, ShortText
from commands.incident import command
from commands.incident._common import load
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Pos
from sqmsbot.domain.kpi import feedback
from sqmsbot.presenters import kpi as present
from sqmsbot.presenters.incident import ref


class RateArgs(Args):
    ref: Ref
    rating: Annotated[str, Field(min_length=1, max_length=40)]
    comment: ShortText | None = None


@command.sub(
    "rate",
    positional=(Pos("ref", match=REF_WORD), Pos("rating"), Pos("comment", rest=True)),
    also=("评分", "评价"),
)
def rate(ctx: Ctx, args: RateArgs) -> Reply:
    """rate SQ-N 1-5 ["COMMENT"]

    How satisfied the customer is with how a resolved incident was handled: 5 is very satisfied. For
    its reporter; rating again replaces the earlier score.
    """
    incident = load(ctx, args.ref)
    score = feedback.parse_score(args.rating)
    done = feedback.rate(
        ctx.session, incident=incident, actor=ctx.actor, score=score, comment=args.comment, now=ctx.now
    )
    return Reply([present.rated(done, t=ctx.t, reference=ref(incident, ctx.org))])
