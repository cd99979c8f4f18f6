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

The one exception is a form: a bare `/incident` or a button that needs more answers opens its modal
right away, on a small pool of its own, because the trigger expires 3 s after the click and must not
wait for the queue. Those never touch the store.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

import commands
from sqmsbot.cmd.dispatch import MAX_LINE
from sqmsbot.cmd.help import usage_line
from sqmsbot.cmd.request import CommandRequest, Reply
from sqmsbot.cmd.spec import NoArgs
from sqmsbot.config import OrgConfig
from sqmsbot.i18n import Translator
from sqmsbot.inbound import InboundQueue
from sqmsbot.messages import Form, Message
from sqmsbot.platforms.slack.button_forms import button_form, needs_form
from sqmsbot.platforms.slack.directory import PLATFORM, locale_of
from sqmsbot.platforms.slack.forms import FormState, command_line, field_errors, submitted_values
from sqmsbot.platforms.slack.inbound import EVENT, ReplyTo, command_payload, home_payload
from sqmsbot.platforms.slack.modals import open_form
from sqmsbot.platforms.slack.replies import Replier, tell_unexpected
from sqmsbot.platforms.slack.request_keys import action_key, event_key, slash_key, view_key
from sqmsbot.platforms.slack.safe_log import safe_logger
from sqmsbot.platforms.slack.text import inbound
from sqmsbot.runtime import Runtime

log = safe_logger(__name__)  # no body, token or response_url in a line or a traceback
Ack = Callable[..., Any]
Body = dict[str, Any]


@dataclass(frozen=True)
class FormOnlyContext:
    """All a form-opening subcommand may use: the organisation and the reader's language.

    It has no store on purpose: a bare `/incident` must open its modal before any database work,
    while Slack's trigger (valid 3 s) is still fresh. A handler that needs more is queued normally.
    """

    runtime: Runtime
    t: Translator

    @property
    def org(self) -> OrgConfig:
        return self.runtime.org


class Handlers:
    """The listeners `register()` wires; they share the runtime and the queue, no per-request state."""

    def __init__(self, runtime: Runtime, queue: InboundQueue, *, forms: Executor | None = None) -> None:
        self.runtime = runtime
        self.queue = queue
        self.forms = forms or ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-forms")

    # ----- listeners: store, acknowledge -------------------------------------------------------------

    def slash(self, ack: Ack, body: Body, client: WebClient) -> None:
        name = str(body.get("command", "")).lstrip("/").lower()
        if not str(body.get("text") or "").strip() and self._has_form(name):
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
        if needs_form(line):
            ack()
            self._soon(self._action_form, body, client, line)
            return
        user = str((body.get("user") or {}).get("id", ""))
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
        t = Translator(locale_of(self.runtime, user))
        try:
            form = self._form_first(name, t)
            if form is None:  # it needs the store after all: it goes the usual way
                self._store_slash(body)
                return
            open_form(client, str(body.get("trigger_id", "")), form, channel, replier, t)
        except Exception:
            tell_unexpected(replier, t.locale, f"/{name} form")

    def _action_form(self, body: Body, client: WebClient, line: str) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        channel = _action_channel(body, user)
        replier = Replier(client, user, channel, body.get("response_url"))
        t = Translator(locale_of(self.runtime, user))
        try:
            form = button_form(line, t, user_id=user)
            if form is not None:  # never run it half-asked (assign would take it for the presser)
                open_form(client, str(body.get("trigger_id", "")), form, channel, replier, t)
        except Exception:
            tell_unexpected(replier, t.locale, f"button {line!r} form")

    def _report(self, replier: Replier, error: Exception) -> None:
        try:
            raise error
        except Exception:
            tell_unexpected(replier, self.runtime.org.default_locale, "reading a modal submission")

    def _has_form(self, name: str) -> bool:
        """A bare command that may open a form: its default subcommand takes no arguments."""
        command = commands.registry().get(name)
        sub = command.subcommands.get(command.default) if command and command.default else None
        return sub is not None and sub.args_model is NoArgs

    def _form_first(self, name: str, t: Translator) -> Form | None:
        """The form a bare command opens, built without the store (see FormOnlyContext)."""
        command = commands.registry()[name]
        sub = command.subcommands[str(command.default)]
        try:
            result = sub.handler(FormOnlyContext(self.runtime, t), NoArgs())
        except Exception:  # it needs the store after all: it runs through dispatch instead
            log.debug("/%s needs more than a form context; queueing it", name, exc_info=True)
            return None
        return result.form if isinstance(result, Reply) else None

    def _read_submission(self, body: Body, user: str) -> tuple[FormState, Translator, str, dict[str, str]]:
        """The modal's state, the command line its inputs make, and what the form got wrong."""
        view = body.get("view") or {}
        state = FormState.load(str(view.get("private_metadata") or ""))
        values_by_block = (view.get("state") or {}).get("values") or {}
        t = Translator(state.locale or locale_of(self.runtime, user))
        line = command_line(state.command, submitted_values(values_by_block))
        return state, t, line, field_errors(line, list(values_by_block), t)


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
