"""Forms as modals: every field kind validates, submitted values round-trip through the tokenizer,
and a refused argument lands on its own input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sqmsbot.cmd.tokens import tokenize
from sqmsbot.i18n import Translator
from sqmsbot.messages import Form, FormField
from sqmsbot.platforms.slack.button_forms import button_form
from sqmsbot.platforms.slack.forms import FormState, command_line, field_errors, modal, submitted_values

T = Translator("en")


def test_every_field_kind_becomes_a_valid_input() -> None:
    kinds = ("text", "long_text", "select", "user", "date", "number", "checkbox")
    form = Form(
        title="A very long modal title that Slack would refuse",
        command="incident report",
        fields=tuple(
            FormField(name=k, label=k, kind=k, options=(("a", "A"),) if k == "select" else ()) for k in kinds
        ),
        submit_label="Report",
    )
    view = modal(form, FormState("incident report", "C1", "en"), T)
    assert len(view["title"]["text"]) == 24
    assert [b["element"]["type"] for b in view["blocks"]] == [
        "plain_text_input",
        "plain_text_input",
        "static_select",
        "users_select",
        "datepicker",
        "number_input",
        "checkboxes",
    ]
    assert FormState.load(view["private_metadata"]) == FormState("incident report", "C1", "en")


def test_submitted_values_by_kind() -> None:
    values = submitted_values(
        {
            "a": {"value": {"type": "plain_text_input", "value": "hi"}},
            "b": {"value": {"type": "static_select", "selected_option": {"value": "P1"}}},
            "c": {"value": {"type": "users_select", "selected_user": "U7"}},
            "d": {"value": {"type": "datepicker", "selected_date": "2026-11-23"}},
            "e": {"value": {"type": "checkboxes", "selected_options": []}},
            "f": {"value": {"type": "plain_text_input", "value": None}},
        }
    )
    assert values == {"a": "hi", "b": "P1", "c": "<@U7>", "d": "2026-11-23"}


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200))
def test_any_typed_value_survives_the_command_line(value: str) -> None:
    tokens = tokenize(command_line("incident note SQ-1", {"note": value}))
    assert tokens[-1].key == "note" and tokens[-1].text == value


def test_a_refused_field_is_reported_on_its_input() -> None:
    line = command_line("incident report", {"service": "hotline", "title": "t", "priority": "P9"})
    errors = field_errors(line, ["priority", "service", "title"], T)
    assert list(errors) == ["priority"] and "P1, P2, P3, P4" in errors["priority"]
    ok = command_line("incident report", {"service": "hotline", "title": "t"})
    assert field_errors(ok, ["service", "title"], T) == {}


def test_buttons_that_need_an_answer_open_forms() -> None:
    assign = button_form("incident assign SQ-4", T, user_id="U2")
    assert assign is not None and assign.fields[0].kind == "user" and assign.fields[0].initial == "U2"
    resolve = button_form("incident resolve SQ-4", T, user_id="U2")
    assert resolve is not None and [f.name for f in resolve.fields] == ["note", "fcr"]
    assert button_form("incident ack SQ-4", T, user_id="U2") is None
    assert button_form("incident assign SQ-4 <@U3>", T, user_id="U2") is None
