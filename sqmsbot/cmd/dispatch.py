"""The one path every command takes, whatever the platform (DESIGN §3).

Resolve the actor, open one unit of work, bind the words to the subcommand's arguments, run it,
commit once. Typed errors become a translated reply with usage and roll everything back; anything
unexpected becomes "something went wrong (ref E-…)" with the trace in the log under that ref.

The reader's language is decided here, once (sqmsbot.cmd.locale), and carried on the reply
(`Reply.locale`): adapters render the words they add in it rather than deciding again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.help import command_help, overview, usage_line
from sqmsbot.cmd.locale import reader_locale
from sqmsbot.cmd.request import CommandRequest, Reply
from sqmsbot.cmd.spec import Command, Subcommand
from sqmsbot.cmd.tokens import tokenize
from sqmsbot.cmd.wording import labelled
from sqmsbot.domain.people import resolve_actor
from sqmsbot.errors import SqmsError, UsageError
from sqmsbot.i18n import Translator, normalise_locale
from sqmsbot.messages import Form, Message
from sqmsbot.models import ProcessedRequest
from sqmsbot.notifications.audience import person_timezone as tz
from sqmsbot.outbox import Notifier
from sqmsbot.runtime import Runtime
from sqmsbot.timefmt import local

log = logging.getLogger(__name__)
MAX_LINE = 12_000
HELP_WORDS = {"help", "-h", "--help", "?", "帮助"}
ATTEMPTS = 5
RECENT = timedelta(minutes=5)  # a change this fresh is told as "a moment ago"


class _Failed(Exception):
    """Carries a finished error reply out of the unit of work so that the rollback happens first."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def dispatch(request: CommandRequest, *, runtime: Runtime, commands: Mapping[str, Command]) -> Reply:
    """Run one command line; the reply says in which language it is written (`Reply.locale`)."""
    locale = [reader_locale(org=runtime.org, requested=request.locale)]  # the actor's, once known
    reply = _dispatch(request, runtime=runtime, commands=commands, locale=locale)
    if reply.locale is None:  # an error reply, or one stored before replies carried their language
        reply.locale = locale[0]
    return reply


def _dispatch(
    request: CommandRequest, *, runtime: Runtime, commands: Mapping[str, Command], locale: list[str]
) -> Reply:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _dispatch_once(request, runtime=runtime, commands=commands, locale=locale)
        except _Failed as failed:
            return failed.reply
        except (IntegrityError, StaleDataError):
            # Lost a race: the same request delivered twice at once (answer as the first did), another
            # request created the same row first (a new person's first two commands at once), or
            # changed the same incident first (its version moved on: DESIGN §3.6). Everything was
            # rolled back, so decide again against what is there now: the workflow then refuses a
            # step the winner made impossible, naming who made it.
            if request.request_key:
                with runtime.db.transaction() as session:
                    done = session.get(ProcessedRequest, request.request_key)
                    if done is not None:
                        return _reply_from_json(done.reply)
            if attempt == ATTEMPTS:
                return _lost_every_race(locale[0])
            log.info("request lost a race (attempt %s); running it again", attempt)
        except Exception:
            return _unexpected(locale[0])
    raise AssertionError("unreachable")


def _dispatch_once(
    request: CommandRequest, *, runtime: Runtime, commands: Mapping[str, Command], locale: list[str]
) -> Reply:
    with runtime.db.transaction() as session:
        if request.request_key:
            done = session.get(ProcessedRequest, request.request_key)
            if done is not None:
                return _reply_from_json(done.reply)
        now = runtime.clock.now()
        actor = resolve_actor(
            session,
            org=runtime.org,
            platform=request.platform,
            user_id=request.user_id,
            now=now,
            directory=runtime.directory(request.platform),
            display_name=request.display_name,
            locale=normalise_locale(request.locale),
        )
        locale[0] = reader_locale(org=runtime.org, stored=actor.locale, requested=request.locale)
        t = Translator(locale[0])
        ctx = Ctx(
            session=session,
            runtime=runtime,
            request=request,
            actor=actor,
            t=t,
            notify=Notifier(session, platforms=runtime.reachable(request.platform), now=now),
            now=now,
        )
        reply = _run(ctx, commands)
        # After the handler: `/sq lang zh_CN` has just changed it, and answered in the new language.
        reply.locale = reader_locale(org=runtime.org, stored=actor.locale, requested=request.locale)
        if request.request_key:
            session.add(ProcessedRequest(key=request.request_key, created_at=now, reply=_reply_json(reply)))
        return reply


def _run(ctx: Ctx, commands: Mapping[str, Command]) -> Reply:
    t = ctx.t
    line = ctx.request.text.strip()
    command: Command | None = None
    sub: Subcommand | None = None
    try:
        words = line.split(None, 1)
        if not words or words[0].lstrip("/").lower() in HELP_WORDS:
            return Reply([overview(commands.values(), t)])
        name = words[0].lstrip("/").lower()
        command = commands.get(name)
        if command is None:
            raise UsageError("errors.unknown_command", command=name[:40])
        rest = words[1] if len(words) > 1 else ""
        head = rest.split(None, 1)
        sub = command.find(head[0]) if head else None
        if len(line) > MAX_LINE:  # checked once the command is known, so the reply can show its usage
            raise UsageError("errors.line_too_long", max=MAX_LINE)
        if "\x00" in line:
            raise UsageError("errors.control_characters")
        if not head:
            if command.default is None:
                return Reply([command_help(command, t)])
            sub = command.subcommands[command.default]
            return _call(ctx, sub, "")
        if sub is None and head[0].lower() in HELP_WORDS:
            return Reply([command_help(command, t)])
        if sub is None:
            raise UsageError("errors.unknown_subcommand", command=name, sub=head[0][:40])
        return _call(ctx, sub, head[1] if len(head) > 1 else "")
    except SqmsError as error:
        message = t(error.key, **labelled(error.args_, t=t, org=ctx.org))
        if "changed_by" in error.args_:
            message += " " + _last_change(error.args_, ctx)
        text = t("errors.reply", message=message)
        if command is not None:
            text += "\n" + usage_line(command, sub, t)
        else:
            text += "\n" + t("help.overview_hint")
        raise _Failed(Reply([Message(text=text, ephemeral=True, ok=False)])) from None


def _call(ctx: Ctx, sub: Subcommand, rest: str) -> Reply:
    tokens = tokenize(rest)
    if len(tokens) == 1 and not tokens[0].quoted and tokens[0].text.lower() in HELP_WORDS:
        usage = ctx.t("help.usage", usage=sub.usage)
        return Reply([Message(text=f"{ctx.t(sub.help_key)}\n{usage}", ephemeral=True)])
    args = sub.bind(tokens, org=ctx.org)
    result = sub.handler(ctx, args)
    if isinstance(result, Reply):
        return result
    if isinstance(result, Message):
        return Reply([result])
    raise TypeError(f"{sub.command} {sub.name} returned {type(result).__name__}")


def _last_change(args: dict[str, object], ctx: Ctx) -> str:
    """'wu closed it a moment ago': what left the thing in the state that refused the step."""
    at = args.get("changed_at")
    when = ""
    if isinstance(at, datetime):
        recent = timedelta(0) <= ctx.now - at <= RECENT
        when = (
            ctx.t("time.moment_ago") if recent else ctx.t("time.at", time=local(at, tz(ctx.actor, ctx.org)))
        )
    what = ctx.t(str(args.get("changed_key")), **{"from": "", "to": ""})
    return ctx.t(
        "errors.last_change", who=args.get("changed_by") or ctx.t("incident.system"), what=what, when=when
    )


def _lost_every_race(locale: str) -> Reply:
    """Others kept changing the same thing first: nothing was written, and the person is told so."""
    log.warning("request lost %s races in a row", ATTEMPTS)
    return Reply([Message(text=Translator(locale)("errors.busy"), ephemeral=True, ok=False)])


def _unexpected(locale: str) -> Reply:
    ref = "E-" + secrets.token_hex(4).upper()
    log.exception("unexpected error, ref %s", ref)
    return Reply([Message(text=Translator(locale)("errors.unexpected", ref=ref), ephemeral=True, ok=False)])


def _reply_json(reply: Reply) -> dict[str, object]:
    return {
        "messages": [m.model_dump(mode="json") for m in reply.messages],
        "form": reply.form.model_dump(mode="json") if reply.form else None,
        "locale": reply.locale,
    }


def _reply_from_json(data: dict[str, object]) -> Reply:
    messages = data.get("messages") or []
    form = data.get("form")
    locale = data.get("locale")
    assert isinstance(messages, list)
    return Reply(
        [Message.model_validate(m) for m in messages],
        Form.model_validate(form) if form else None,
        locale=locale if isinstance(locale, str) else None,
    )
