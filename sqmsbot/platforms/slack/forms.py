"""Forms as Slack modals: Form → view, and the submitted state → the values the form asked for.

Which line opens a form, the command line its answers stand for and what they get wrong are the
command layer's (sqmsbot.cmd.forms): a form submits its fields as `key="value"` arguments appended
to `form.command`, so a modal runs exactly what typing would. Each input's `block_id` is the field
name, so a field's error is shown under its input (`response_action: errors`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqmsbot.cmd.forms import command_line
from sqmsbot.i18n import Translator
from sqmsbot.messages import Form, FormField
from sqmsbot.platforms.slack.text import clip

CALLBACK_ID = "sqms:form"
VALUE = "value"
TITLE_LIMIT = 24
LABEL_LIMIT = 2000
OPTIONS_LIMIT = 100
METADATA_LIMIT = 3000

Json = dict[str, Any]


@dataclass(frozen=True)
class FormState:
    """What a modal remembers between opening and submit (its private_metadata)."""

    command: str
    channel: str
    locale: str

    def dump(self) -> str:
        return json.dumps({"c": self.command, "ch": self.channel, "l": self.locale}, ensure_ascii=False)

    @classmethod
    def load(cls, raw: str) -> FormState:
        data = json.loads(raw or "{}")
        return cls(
            command=str(data.get("c", "")), channel=str(data.get("ch", "")), locale=str(data.get("l", ""))
        )


def modal(form: Form, state: FormState, t: Translator) -> Json:
    """The modal view for a form (checked against slack_sdk's View model by the tests, not at run time)."""
    metadata = state.dump()
    if len(metadata) > METADATA_LIMIT:
        raise ValueError("form state does not fit in private_metadata")
    view: Json = {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(form.title, TITLE_LIMIT),
        "submit": _plain(form.submit_label, TITLE_LIMIT),
        "close": _plain(t("slack.cancel"), TITLE_LIMIT),
        "private_metadata": metadata,
        "blocks": [_input(field, t) for field in form.fields],
    }
    return view


def _plain(text: str, limit: int) -> Json:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def _option(value: str, label: str) -> Json:
    return {"text": _plain(label, 75), "value": clip(value, 150)}


def _input(field: FormField, t: Translator) -> Json:
    element: Json = {"action_id": VALUE}
    if field.kind in ("text", "long_text"):
        element["type"] = "plain_text_input"
        element["multiline"] = field.kind == "long_text"
        if field.max_length:
            element["max_length"] = min(field.max_length, 3000)
        if field.initial:
            element["initial_value"] = field.initial
    elif field.kind == "select":
        element["type"] = "static_select"
        element["options"] = [_option(v, label) for v, label in field.options[:OPTIONS_LIMIT]]
        chosen = [o for o in element["options"] if o["value"] == field.initial]
        if chosen:
            element["initial_option"] = chosen[0]
    elif field.kind == "user":
        element["type"] = "users_select"
        if field.initial:
            element["initial_user"] = field.initial
    elif field.kind == "date":
        element["type"] = "datepicker"
        if field.initial:
            element["initial_date"] = field.initial
    elif field.kind == "number":
        element.update(type="number_input", is_decimal_allowed=False)
        if field.initial:
            element["initial_value"] = field.initial
    else:  # checkbox
        yes = _option("true", t("slack.checkbox_yes"))
        element.update(type="checkboxes", options=[yes])
        if field.initial in ("true", "1", "yes"):
            element["initial_options"] = [yes]
    return {
        "type": "input",
        "block_id": field.name,
        "label": _plain(field.label, LABEL_LIMIT),
        "optional": not field.required,
        "element": element,
    }


def submitted_values(state_values: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each input's value as the command line wants it (a picked user as a `<@U…>` mention)."""
    values: dict[str, str] = {}
    for block_id, actions in state_values.items():
        action: dict[str, Any] = actions.get(VALUE) or next(iter(actions.values()), {})
        kind = action.get("type")
        value: str | None
        if kind == "static_select":
            value = (action.get("selected_option") or {}).get("value")
        elif kind == "users_select":
            user = action.get("selected_user")
            value = f"<@{user}>" if user else None
        elif kind == "datepicker":
            value = action.get("selected_date")
        elif kind == "checkboxes":
            value = "true" if action.get("selected_options") else None
        else:
            value = action.get("value")
        if value is not None and str(value).strip():
            values[block_id] = str(value)
    return values


__all__ = ["CALLBACK_ID", "FormState", "command_line", "modal", "submitted_values"]
