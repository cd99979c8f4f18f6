"""The incident workflow, as the domain applies it: /incident states."""

from __future__ import annotations

from commands.incident import command
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import NoArgs
from sqmsbot.domain.incident_workflow import WORKFLOW
from sqmsbot.domain.workflow import describe
from sqmsbot.messages import Message, Section

TYPED = {"service": "edit service=", "duplicate": "duplicate of="}  # steps typed otherwise than their verb


@command.sub("states", also=("流程", "状态"))
def states(ctx: Ctx, _args: NoArgs) -> Reply:
    """states

    Lists each step of an incident's life: from which states, to which, and who may take it. It is
    read from the same table the bot enforces, so it is never out of date.
    """
    t = ctx.t
    lines = [t("workflow.title")]
    for verb, sources, target, who in describe(WORKFLOW):
        line = t(
            "workflow.line",
            verb=TYPED.get(verb, verb),
            sources=t("errors.list_separator").join(t("status." + s) for s in sources),
            target=t("status." + target) if target else t("workflow.same_state"),
            who=t("workflow.who." + who),
        )
        lines.append(line)
    text = "\n".join(lines)
    return Reply([Message(text=text, blocks=(Section(text=text),), ephemeral=True)])
