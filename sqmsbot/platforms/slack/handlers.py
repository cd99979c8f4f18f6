"""Bolt listeners: slash commands, buttons, modal submissions. Each acknowledges first, works after.

Handlers do not know how they are registered (`app.register` wires them). Every one ends in
`commands.dispatch`, the one path; what is left here is Slack's shape of things: opening a modal
while the trigger is fresh, mapping a form's refusal onto its field, replying privately.

A listener only acknowledges and hands the work to our own thread pool, so the acknowledgement never
queues behind other people's work (Slack allows 3 s). Work that opens a modal has a pool of its own,
so a busy moment cannot let the trigger expire. Unlike Bolt's lazy listeners, every failure of that
work is reported to the person who acted.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

import commands
from sqmsbot.cmd.request import CommandRequest, Reply
from sqmsbot.cmd.spec import NoArgs
from sqmsbot.config import OrgConfig
from sqmsbot.i18n import Translator, normalise_locale
from sqmsbot.messages import Form, Message
from sqmsbot.platforms.slack.button_forms import button_form, needs_form
from sqmsbot.platforms.slack.forms import FormState, command_line, field_errors, modal, submitted_values
from sqmsbot.platforms.slack.home import publish_home
from sqmsbot.platforms.slack.replies import Replier
from sqmsbot.platforms.slack.request_keys import action_key, slash_key, view_key
from sqmsbot.platforms.slack.text import inbound
from sqmsbot.runtime import Runtime

PLATFORM = "slack"
log = logging.getLogger(__name__)
Ack = Callable[..., Any]
Body = dict[str, Any]


@dataclass(frozen=True)
class FormOnlyContext:
    """All a form-opening subcommand may use: the organisation and the reader's language.

    It has no store on purpose: a bare `/incident` must open its modal before any database work,
    while Slack's trigger (valid 3 s) is still fresh. A handler that needs more is run normally.
    """

    runtime: Runtime
    t: Translator

    @property
    def org(self) -> OrgConfig:
        return self.runtime.org


class Handlers:
    """The listeners `register()` wires; they share the runtime and nothing else (no per-request state)."""

    def __init__(
        self, runtime: Runtime, *, work: Executor | None = None, forms: Executor | None = None
    ) -> None:
        self.runtime = runtime
        self.work = work or ThreadPoolExecutor(max_workers=8, thread_name_prefix="slack-work")
        self.forms = forms or ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-forms")

    # ----- listeners: acknowledge, hand over -------------------------------------------------------

    def slash(self, ack: Ack, body: Body, client: WebClient) -> None:
        ack()
        name = str(body.get("command", "")).lstrip("/").lower()
        bare = not str(body.get("text") or "").strip()
        self._later(self.forms if bare and self._has_form(name) else self.work, self._slash, body, client)

    def action(self, ack: Ack, body: Body, client: WebClient) -> None:
        ack()
        line = str((body.get("actions") or [{}])[0].get("value") or "")
        self._later(self.forms if needs_form(line) else self.work, self._action, body, client)

    def view_submission(self, ack: Ack, body: Body, client: WebClient) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        try:
            state, t, line, errors = self._read_submission(body, user)
        except Exception as error:  # a malformed submission: close the modal, then tell the person
            ack()
            self._later(self.work, self._report, Replier(client, user, user), error)
            return
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        self._later(self.work, self._submitted, body, client, user, state, t, line)

    def home_opened(self, event: Body, body: Body, client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            self._later(self.work, self._home, body, client)

    def _later(self, pool: Executor, work: Callable[..., None], *args: Any) -> None:
        pool.submit(work, *args).add_done_callback(_log_failure)

    # ----- slash commands --------------------------------------------------------------------------

    def _slash(self, body: Body, client: WebClient) -> None:
        user, channel = str(body.get("user_id", "")), str(body.get("channel_id", ""))
        replier = Replier(client, user, channel, body.get("response_url"))
        with self._reporting(replier, user):
            name = str(body.get("command", "")).lstrip("/").lower()
            text = inbound(str(body.get("text") or "")).strip()
            trigger = str(body.get("trigger_id", ""))
            form = None if text else self._form_first(name, user)
            if form is not None:  # opened, or the person was told why not and what to type
                self._open(client, trigger, form, channel, replier)
                return
            line = f"{name} {text}".strip()
            request = self._request(
                body.get("team_id"), channel, user, line, slash_key(body), body.get("user_name")
            )
            self._answer(commands.dispatch(request, runtime=self.runtime), client, trigger, channel, replier)

    def _has_form(self, name: str) -> bool:
        """A bare command that may open a form: its default subcommand takes no arguments."""
        command = commands.registry().get(name)
        sub = command.subcommands.get(command.default) if command and command.default else None
        return sub is not None and sub.args_model is NoArgs

    def _form_first(self, name: str, user: str) -> Form | None:
        """The form a bare command opens, built without the store (see FormOnlyContext)."""
        if not self._has_form(name):
            return None
        command = commands.registry()[name]
        sub = command.subcommands[str(command.default)]
        try:
            result = sub.handler(FormOnlyContext(self.runtime, Translator(self.locale_of(user))), NoArgs())
        except Exception:  # it needs the store after all: it runs through dispatch instead
            log.debug("/%s needs more than a form context; dispatching", name, exc_info=True)
            return None
        return result.form if isinstance(result, Reply) else None

    # ----- buttons ---------------------------------------------------------------------------------

    def _action(self, body: Body, client: WebClient) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        channel = str(
            (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or user
        )
        replier = Replier(client, user, channel, body.get("response_url"))
        with self._reporting(replier, user):
            line = str((body.get("actions") or [{}])[0].get("value") or "")
            trigger = str(body.get("trigger_id", ""))
            form = button_form(line, Translator(self.locale_of(user)), user_id=user)
            if form is not None:  # never run it half-asked (assign would take it for the presser)
                self._open(client, trigger, form, channel, replier)
                return
            team = (body.get("team") or {}).get("id")
            request = self._request(team, channel, user, line, action_key(body, line))
            self._answer(commands.dispatch(request, runtime=self.runtime), client, trigger, channel, replier)

    # ----- modal submissions -----------------------------------------------------------------------

    def _submitted(
        self, body: Body, client: WebClient, user: str, state: FormState, t: Translator, line: str
    ) -> None:
        replier = Replier(client, user, state.channel or user)
        with self._reporting(replier, user):
            team = (body.get("team") or {}).get("id")
            request = self._request(team, state.channel or user, user, line, view_key(body))
            reply = commands.dispatch(request, runtime=self.runtime)
            replier.send(reply.messages, t)

    def _report(self, replier: Replier, error: Exception) -> None:
        with self._reporting(replier, replier.user_id):
            raise error

    # ----- App Home --------------------------------------------------------------------------------

    def _home(self, body: Body, client: WebClient) -> None:
        user = str((body.get("event") or {}).get("user", ""))
        profile = self.runtime.directory(PLATFORM).profile(user)
        locale = normalise_locale(profile.locale if profile else None) or self.runtime.org.default_locale
        tz = (profile.timezone if profile else None) or self.runtime.org.timezone
        publish_home(self.runtime, client, body, locale, tz)

    def _read_submission(self, body: Body, user: str) -> tuple[FormState, Translator, str, dict[str, str]]:
        """The modal's state, the command line its inputs make, and what the form got wrong."""
        view = body.get("view") or {}
        state = FormState.load(str(view.get("private_metadata") or ""))
        values_by_block = (view.get("state") or {}).get("values") or {}
        t = Translator(state.locale or self.locale_of(user))
        line = command_line(state.command, submitted_values(values_by_block))
        return state, t, line, field_errors(line, list(values_by_block), t)

    # ----- shared ----------------------------------------------------------------------------------

    def locale_of(self, user: str) -> str:
        """The person's language from Slack (cached users.info), without touching the store."""
        profile = self.runtime.directory(PLATFORM).profile(user) if user else None
        return normalise_locale(profile.locale if profile else None) or self.runtime.org.default_locale

    def _request(
        self, team: object, channel: str, user: str, text: str, key: str, name: object = None
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

    def _answer(self, reply: Reply, client: WebClient, trigger: str, channel: str, replier: Replier) -> None:
        t = Translator(self.locale_of(replier.user_id))
        if reply.form is not None and self._open(client, trigger, reply.form, channel, replier):
            return
        replier.send(reply.messages, t)

    def _open(self, client: WebClient, trigger: str, form: Form, channel: str, replier: Replier) -> bool:
        """Open the form as a modal; when Slack refuses (expired trigger), say so and how to type it."""
        t = Translator(self.locale_of(replier.user_id))
        state = FormState(command=form.command, channel=channel, locale=t.locale)
        try:
            client.views_open(trigger_id=trigger, view=modal(form, state, t))
            return True
        except SlackApiError as exc:
            reason = str(exc.response.get("error") or exc.response.status_code)
        except (SlackClientError, OSError) as exc:
            reason = type(exc).__name__
        log.warning("views.open failed (%s) for %s", reason, form.command)
        failed = t("slack.form_failed", reason=reason, command=form.command)
        replier.send_one(Message(text=failed, ephemeral=True, ok=False), t)
        return False

    def _reporting(self, replier: Replier, user: str) -> _Reporting:
        return _Reporting(self, replier, user)


class _Reporting:
    """Any failure outside the dispatcher still reaches the person, as "something went wrong (ref)"."""

    def __init__(self, handlers: Handlers, replier: Replier, user: str) -> None:
        self.handlers, self.replier, self.user = handlers, replier, user

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> bool:
        if error is None or not isinstance(error, Exception):
            return False
        ref = "E-" + secrets.token_hex(4).upper()
        log.error("slack handler failed, ref %s", ref, exc_info=(kind, error, tb))  # type: ignore[arg-type]
        t = Translator(self.handlers.runtime.org.default_locale)
        self.replier.send_one(Message(text=t("errors.unexpected", ref=ref), ephemeral=True, ok=False), t)
        return True


def _log_failure(future: Future[None]) -> None:
    """Work that failed even to report its failure (Slack unreachable): at least the log has it."""
    error = future.exception()
    if error is not None:
        log.error("slack work failed", exc_info=error)
