"""Bolt listeners: slash commands, buttons, modal submissions, App Home. Each stores, then acknowledges.

A listener does only what must happen before the acknowledgement — the signature, the body's size
and its shape are checked already (`edge`); a modal submission's fields and a slash command's length
are checked here because their errors belong in the ack response — and then puts the request into
the durable inbound queue (`sqmsbot.inbound`) and acknowledges. The work (`commands.dispatch`, the
store, the reply) is done by the inbound worker, normally in another process, so acknowledgements
never wait behind it and a restart loses nothing. The request is stored before the acknowledgement
leaves (in HTTP mode the app commits the rows of a turn of its event loop together, then answers):
if the store is down the request is refused — Slack shows an error, events are retried — never
acknowledged and forgotten.

The one exception is a form: a bare command or a button whose subcommand declares a form for it
(`commands.form_for`: the bare `/incident` asks for a report, a card's Assign asks whom) opens its
modal right away, on a small pool of its own, because the trigger expires 3 s after the click and
must not wait for the queue. Those never touch the store. Which lines open a form is the commands'
declaration, decided here before the acknowledgement (a form function is pure and quick) and built
on the pool in the person's language; nothing in this adapter names a command.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from slack_sdk import WebClient

import commands
from sqmsbot.cmd.dispatch import MAX_LINE
from sqmsbot.cmd.forms import command_line
from sqmsbot.cmd.help import usage_line
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.i18n import Translator
from sqmsbot.inbound import InboundQueue
from sqmsbot.messages import Form, Message
from sqmsbot.platforms.slack.directory import locale_of
from sqmsbot.platforms.slack.forms import FormState, submitted_values
from sqmsbot.platforms.slack.inbound import EVENT, ReplyTo, command_payload, home_payload
from sqmsbot.platforms.slack.modals import open_form
from sqmsbot.platforms.slack.name import PLATFORM
from sqmsbot.platforms.slack.replies import Replier, tell_unexpected
from sqmsbot.platforms.slack.request_keys import action_key, event_key, slash_key, view_key
from sqmsbot.platforms.slack.safe_log import safe_logger
from sqmsbot.platforms.slack.text import clip, inbound
from sqmsbot.runtime import Runtime

log = safe_logger(__name__)  # no body, token or response_url in a line or a traceback
Ack = Callable[..., Any]
Body = dict[str, Any]


class Handlers:
    """The listeners `register()` wires; they share the runtime and the queue, no per-request state."""

    def __init__(self, runtime: Runtime, queue: InboundQueue, *, forms: Executor | None = None) -> None:
        self.runtime = runtime
        self.queue = queue
        self.forms = forms or ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-forms")

    # ----- listeners: store, acknowledge -------------------------------------------------------------

    def slash(self, ack: Ack, body: Body, client: WebClient) -> None:
        name = str(body.get("command", "")).lstrip("/").lower()
        user = str(body.get("user_id", ""))
        if not str(body.get("text") or "").strip() and self._opens_form(name, user):
            ack()
            self._soon(self._slash_form, body, client)
            return
        line = _slash_line(body)
        if len(line) > MAX_LINE:  # refused now, not after two days in the queue; answered from the
            ack()  # form pool, since finding the person's language may ask Slack (never on the loop)
            self._soon(self._refuse_too_long, body, client, name, line)
            return
        self._store_slash(body, line)
        ack()

    def action(self, ack: Ack, body: Body, client: WebClient) -> None:
        line = str((body.get("actions") or [{}])[0].get("value") or "")
        user = str((body.get("user") or {}).get("id", ""))
        if self._opens_form(line, user):  # never run it half-asked (assign would take it for the presser)
            ack()
            self._soon(self._action_form, body, client, line)
            return
        channel = _action_channel(body, user)
        key = action_key(body, line)
        request = _request((body.get("team") or {}).get("id"), channel, user, line, key)
        to = ReplyTo(user, channel, body.get("response_url"), str(body.get("trigger_id", "")) or None)
        self.queue.put(platform=PLATFORM, key=key, kind="action", payload=command_payload(request, to))
        ack()

    def view_submission(self, ack: Ack, body: Body, client: WebClient) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        try:
            state, t, line, errors = self._read_submission(body, user)
        except Exception as error:  # a malformed submission: close the modal, then tell the person
            ack()
            self._soon(self._report, Replier(client, user, user), error)
            return
        if errors:
            ack(response_action="errors", errors=errors)
            return
        channel = state.channel or user
        key = view_key(body)
        request = _request((body.get("team") or {}).get("id"), channel, user, line, key)
        to = ReplyTo(user, channel, locale=t.locale)
        self.queue.put(
            platform=PLATFORM, key=key, kind="view_submission", payload=command_payload(request, to)
        )
        ack()

    def home_opened(self, event: Body, body: Body) -> None:
        if event.get("tab", "home") == "home":
            self.queue.put(
                platform=PLATFORM, key=event_key(body, "home"), kind=EVENT, payload=home_payload(body)
            )

    def _refuse_too_long(self, body: Body, client: WebClient, name: str, line: str) -> None:
        """The dispatcher's own answer to an over-long line (`errors.line_too_long` with the usage),
        in the person's language, told through the response_url; nothing is stored."""
        user, channel = str(body.get("user_id", "")), str(body.get("channel_id", ""))
        replier = Replier(client, user, channel, body.get("response_url"))
        t = Translator(locale_of(self.runtime, user))
        try:
            replier.send([Message(text=self._too_long(name, line, t))], t)
        except Exception:
            tell_unexpected(replier, t.locale, f"/{name} over-long line")

    def _too_long(self, name: str, line: str, t: Translator) -> str:
        text = t("errors.reply", message=t("errors.line_too_long", max=MAX_LINE))
        command = commands.registry().get(name)
        if command is None:
            return text + "\n" + t("help.overview_hint")
        words = line.split(None, 2)
        sub = command.find(words[1]) if len(words) > 1 else None
        return text + "\n" + usage_line(command, sub, t)

    def _store_slash(self, body: Body, line: str | None = None) -> None:
        user, channel = str(body.get("user_id", "")), str(body.get("channel_id", ""))
        line = line if line is not None else _slash_line(body)
        key = slash_key(body)
        request = _request(body.get("team_id"), channel, user, line, key, body.get("user_name"))
        to = ReplyTo(user, channel, body.get("response_url"), str(body.get("trigger_id", "")) or None)
        self.queue.put(platform=PLATFORM, key=key, kind="slash", payload=command_payload(request, to))

    def _soon(self, work: Callable[..., object], *args: Any) -> None:
        self.forms.submit(work, *args).add_done_callback(_log_failure)

    # ----- forms, opened while the trigger is fresh ------------------------------------------------

    def _slash_form(self, body: Body, client: WebClient) -> None:
        user, channel = str(body.get("user_id", "")), str(body.get("channel_id", ""))
        replier = Replier(client, user, channel, body.get("response_url"))
        name = str(body.get("command", "")).lstrip("/").lower()
        self._open(client, replier, name, str(body.get("trigger_id", "")), f"/{name} form")

    def _action_form(self, body: Body, client: WebClient, line: str) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        replier = Replier(client, user, _action_channel(body, user), body.get("response_url"))
        self._open(client, replier, line, str(body.get("trigger_id", "")), f"button {line!r} form")

    def _open(self, client: WebClient, replier: Replier, line: str, trigger: str, what: str) -> None:
        """The line's declared form, in the person's language, as a modal (see `open_form`)."""
        t = Translator(locale_of(self.runtime, replier.user_id))
        try:
            form = self._form(line, replier.user_id, t)
        except Exception:
            tell_unexpected(replier, t.locale, what)
            return
        if form is None:  # a form function whose answer depends on the language: a bug, said so
            tell_unexpected(replier, t.locale, f"{what}: none in {t.locale}, though one in the default")
            return
        try:
            open_form(client, trigger, form, replier.channel, replier, t)
        except Exception:
            tell_unexpected(replier, t.locale, what)

    def _report(self, replier: Replier, error: Exception) -> None:
        try:
            raise error
        except Exception:
            tell_unexpected(replier, self.runtime.org.default_locale, "reading a modal submission")

    def _opens_form(self, line: str, user: str) -> bool:
        """Whether the line's subcommand declares a form for it: decided before the acknowledgement,
        in the organisation's language (the person's may need Slack; whether a form is asked may
        not depend on it), and without the store."""
        return self._form(line, user, Translator(self.runtime.org.default_locale)) is not None

    def _form(self, line: str, user: str, t: Translator) -> Form | None:
        return commands.form_for(line, t=t, org=self.runtime.org, user_id=user)

    def _read_submission(self, body: Body, user: str) -> tuple[FormState, Translator, str, dict[str, str]]:
        """The modal's state, the command line its inputs make, and what the form got wrong."""
        view = body.get("view") or {}
        state = FormState.load(str(view.get("private_metadata") or ""))
        values_by_block = (view.get("state") or {}).get("values") or {}
        t = Translator(state.locale or locale_of(self.runtime, user))
        line = command_line(state.command, submitted_values(values_by_block))
        errors = commands.check_form(line, t=t, org=self.runtime.org, fields=list(values_by_block))
        return state, t, line, {field: clip(message, 2000) for field, message in errors.items()}


def _request(
    team: object, channel: str, user: str, text: str, key: str, name: object = None
) -> CommandRequest:
    return CommandRequest(
        platform=PLATFORM,
        channel=channel,
        user_id=user,
        text=text,
        workspace=str(team or ""),
        display_name=str(name) if name else None,
        request_key=key,
    )


def _slash_line(body: Body) -> str:
    """The command line a slash command stands for, as the dispatcher will read it."""
    name = str(body.get("command", "")).lstrip("/").lower()
    return f"{name} {inbound(str(body.get('text') or '')).strip()}".strip()


def _action_channel(body: Body, user: str) -> str:
    """Where a button was pressed (a message in a channel, or the App Home: then the presser)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return str(channel or user)


def _log_failure(future: Future[object]) -> None:
    """Form work that failed even to report its failure (Slack unreachable): at least the log has it."""
    error = future.exception()
    if error is not None:
        log.error("slack form work failed", exc_info=error)
