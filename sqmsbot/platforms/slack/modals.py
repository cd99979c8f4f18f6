"""Opening a form as a Slack modal, from a listener (a bare command, a button) or from the worker
(a command whose reply is a form).

A trigger is valid for 3 s and only once, so a refusal (expired or used trigger, Slack unreachable)
is explained to the person with the command to type instead; it is never retried.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from sqmsbot.i18n import Translator
from sqmsbot.messages import Form, Message
from sqmsbot.platforms.slack.forms import FormState, modal
from sqmsbot.platforms.slack.replies import Replier

log = logging.getLogger(__name__)


def open_form(
    client: WebClient, trigger: str, form: Form, channel: str, replier: Replier, t: Translator
) -> bool:
    """Open the form as a modal; when Slack refuses, say so and how to type it. True when opened."""
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
