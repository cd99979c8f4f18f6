"""Forms as modals: every field kind validates, submitted values round-trip through the tokenizer,
and a refused argument lands on its own input. Which lines open which form is the incident
subcommands' declaration (commands/incident/forms.py), asked through the command layer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import commands
from sqmsbot.cmd.tokens import tokenize
from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.i18n import Translator
from sqmsbot.messages import Form, FormField
from sqmsbot.platforms.slack.forms import FormState, command_line, modal, submitted_values

T = Translator("en")
ORG = load_org_config(EXAMPLE_ORG_FILE)


def form_for(line: str, *, user_id: str = "U2", t: Translator = T) -> Form | None:
    return commands.form_for(line, t=t, org=ORG, user_id=user_id)


def field_errors(line: str, fields: list[str], t: Translator = T) -> dict[str, str]:
    return commands.check_form(line, t=t, org=ORG, fields=fields)


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
    errors = field_errors(line, ["priority", "service", "title"])
    assert list(errors) == ["priority"] and "P1, P2, P3, P4" in errors["priority"]
    ok = command_line("incident report", {"service": "hotline", "title": "t"})
    assert field_errors(ok, ["service", "title"]) == {}


def test_every_refused_field_gets_its_own_error_in_the_readers_language() -> None:
    line = command_line("incident report", {"priority": "P9", "service": "nowhere", "title": "\x07"})
    errors = field_errors(line, ["priority", "service", "title"], Translator("zh_CN"))
    assert errors == {  # each as the dispatcher would say it, the services there are included
        "priority": "“P9”不是有效的优先级。可选值：P1, P2, P3, P4",
        "service": "没有“nowhere”这项服务。服务有：hotline, store, delivery, app, billing",
        "title": "标题中含有控制字符。",
    }
    missing = field_errors("incident resolve SQ-1", ["note", "fcr"])
    assert missing == {"note": "Missing RESOLUTION."}  # as the dispatcher would say it


def test_the_bare_command_and_new_open_the_report_form() -> None:
    for line in ("incident", "/incident", "incident new", "INCIDENT"):
        form = form_for(line)
        assert form is not None and form.command == "incident report", line
        assert [f.name for f in form.fields] == [
            "priority",
            "service",
            "category",
            "source",
            "customer_ref",
            "title",
            "description",
        ]
    chinese = form_for("incident", t=Translator("zh_CN"))
    assert chinese is not None and chinese.title == "上报事件"
    assert form_for("incident list") is None and form_for("sq") is None and form_for("nothing") is None


def test_buttons_that_need_an_answer_open_forms() -> None:
    assign = form_for("incident assign SQ-4")
    assert assign is not None and assign.fields[0].kind == "user" and assign.fields[0].initial == "U2"
    assert assign.command == "incident assign SQ-4" and assign.title == "Assign incident"
    resolve = form_for("incident resolve SQ-4")
    assert resolve is not None and [f.name for f in resolve.fields] == ["note", "fcr"]
    assert resolve.command == "incident resolve SQ-4"
    reopen = form_for("incident reopen SQ-4")
    assert reopen is not None and [(f.name, f.required) for f in reopen.fields] == [("note", True)]
    assert form_for("incident 指派 SQ-4") == assign  # another name of the subcommand: the same form
    assert form_for("incident ack SQ-4") is None
    assert form_for("incident assign SQ-4 <@U3>") is None
    assert form_for('incident resolve SQ-4 "Refunded"') is None
    assert form_for('incident resolve "SQ-4') is None  # does not tokenize: the dispatcher says why
