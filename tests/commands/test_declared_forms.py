"""A subcommand that declares a form gets it on every adapter, with no adapter edited (issue 10).

`/survey` exists only in this module: registered for each test with `commands.registered`, before
the bot is built (the Bolt app wires one slash command per registered command). On Slack — the real
Bolt app behind uvicorn and the real slack_sdk client against the fake Slack, over HTTP — the bare
`/survey` opens the declared modal before any database work, its submission runs the command line
it stands for, and a refused field comes back under its input. On the console the same form is
asked question by question. A handler may also decide at run time to answer with a form
(`Reply.form`): the inbound worker opens it, in the language the dispatcher decided (`Reply.locale`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field

import commands
from commands._types import ShortText
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.form_request import FormRequest
from sqmsbot.cmd.request import CommandRequest, Reply
from sqmsbot.cmd.spec import Args, Command, NoArgs
from sqmsbot.messages import Form, FormField, Message
from sqmsbot.platforms.console import Console
from sqmsbot.platforms.slack.forms import FormState
from sqmsbot.runtime import Runtime
from tests.conftest import table_counts
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import OPS, SlackBot, assert_all_payloads_valid, running_bot, wait_for

SURVEY = Command("survey", default="new")
ANSWERS: list[tuple[str, int, str, str | None]] = []  # (who, score, mood, comment): what the command ran
_lock = threading.Lock()


def survey_form(*, request: FormRequest) -> Form | None:
    """The bare `/survey` asks for the answer; `/survey new anything` has nothing to ask."""
    if request.words:
        return None
    return Form(
        title="Quick survey",
        command="survey answer",
        fields=(
            FormField(name="score", label="Score (1-5)", kind="number", required=True),
            FormField(
                name="mood",
                label="Mood",
                kind="select",
                options=(("good", "Good"), ("bad", "Bad")),
                initial="good",
            ),
            FormField(name="comment", label="Comment", max_length=500),
        ),
        submit_label="Send",
    )


@SURVEY.sub("new", form=survey_form)
def new(ctx: Ctx, _args: NoArgs) -> Reply:
    """new"""
    return Reply([Message(text="Type /survey answer score=N", ephemeral=True)])


class AnswerArgs(Args):
    score: Annotated[int, Field(ge=1, le=5)]
    mood: Literal["good", "bad"] = "good"
    comment: ShortText | None = None


@SURVEY.sub("answer")
def answer(ctx: Ctx, args: AnswerArgs) -> Reply:
    """answer score=N [mood=good|bad] [comment="…"]"""
    with _lock:
        ANSWERS.append((ctx.actor.platform_user_id, args.score, args.mood, args.comment))
    return Reply([Message(text=f"Thanks: {args.score} ({args.mood})", ephemeral=True)])


@SURVEY.sub("later")
def later(ctx: Ctx, _args: NoArgs) -> Reply:
    """later

    Decides at run time to answer with a form (what `Reply.form` is for).
    """
    form = survey_form(request=FormRequest(t=ctx.t, org=ctx.org, user_id=ctx.request.user_id, line="survey"))
    return Reply([Message(text="Here is the survey.", ephemeral=True)], form=form)


@pytest.fixture
def survey() -> Iterator[Command]:
    ANSWERS.clear()
    with commands.registered(SURVEY):
        yield SURVEY
    assert "survey" not in commands.registry()


@pytest.fixture
def bot(survey: Command, runtime: Runtime, fake_slack: FakeSlack) -> Iterator[SlackBot]:
    fake_slack.add_user("U1", name="li", real_name="Li Lei", tz="Asia/Shanghai", locale="en-US")
    with running_bot(runtime, fake_slack) as running:
        yield running
        assert_all_payloads_valid(running)


def value(kind: str, given: str) -> dict[str, Any]:
    if kind == "static_select":
        return {"value": {"type": kind, "selected_option": {"value": given}}}
    return {"value": {"type": kind, "value": given}}


def test_a_test_command_is_registered_only_for_its_test(survey: Command) -> None:
    assert commands.registry()["survey"] is survey
    with pytest.raises(ValueError, match="survey"), commands.registered(Command("survey")):
        pass  # a name taken is refused, never shadowed
    assert commands.registry()["survey"] is survey


def test_the_bare_command_opens_its_declared_modal_and_the_submission_runs_it(bot: SlackBot) -> None:
    before = table_counts(bot.runtime)
    assert bot.slash("", command="/survey").status == 200
    [view] = wait_for(bot.opened_views)
    assert table_counts(bot.runtime) == before  # opened before any database work
    assert view["title"]["text"] == "Quick survey" and view["submit"]["text"] == "Send"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert {name: b["element"]["type"] for name, b in blocks.items()} == {
        "score": "number_input",
        "mood": "static_select",
        "comment": "plain_text_input",
    }
    assert blocks["mood"]["element"]["initial_option"]["value"] == "good"
    assert FormState.load(view["private_metadata"]).command == "survey answer"

    values = {
        "score": value("number_input", "9"),
        "mood": value("static_select", "bad"),
        "comment": value("plain_text_input", '很好 😀 "quoted" \\ slash'),
    }
    refused = bot.submit(view, values)
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"score": "“9” is out of range for score."},
    }
    assert ANSWERS == [] and table_counts(bot.runtime) == before

    values["score"] = value("number_input", "4")
    accepted = bot.submit(view, values)
    assert (accepted.status, accepted.body) == (200, "")
    ephemeral = wait_for(lambda: bot.slack.ephemerals)[0]
    assert ephemeral["channel"] == OPS and ephemeral["text"] == "Thanks: 4 (bad)"
    assert ANSWERS == [("U1", 4, "bad", '很好 😀 "quoted" \\ slash')]


def test_a_typed_line_still_goes_through_the_queue(bot: SlackBot) -> None:
    assert bot.slash("answer score=2", command="/survey").status == 200
    reply = wait_for(lambda: bot.sink.received)[0]
    assert reply["text"] == "Thanks: 2 (good)"
    assert ANSWERS == [("U1", 2, "good", None)] and bot.opened_views() == []


def test_a_form_decided_at_run_time_opens_in_the_language_the_dispatcher_decided(bot: SlackBot) -> None:
    bot.slash("lang zh_CN", command="/sq")  # stored; Slack's profile still says en-US
    wait_for(lambda: bot.sink.received)
    assert bot.slash("later", command="/survey").status == 200
    [view] = wait_for(bot.opened_views)
    assert view["close"]["text"] == "取消"  # the dispatcher's language, not the profile's
    assert FormState.load(view["private_metadata"]).locale == "zh_CN"
    refused = bot.submit(view, {"score": value("number_input", "0")})
    assert refused.json()["errors"] == {"score": "“0”超出了score的允许范围。"}


def test_the_same_form_is_asked_on_the_console(survey: Command, runtime: Runtime) -> None:
    screen: list[str] = []
    console = Console(runtime, write=screen.append)
    before = table_counts(runtime)
    console.run(["/survey", "", "9", "4", "Bad", "很好 😀", "/survey", "2", ":cancel", "/sq me"], echo=True)
    assert screen[:8] == [
        "me@#ops> /survey",
        "Quick survey — answer each question: Enter takes the [default] or skips one that is not required; "
        ":cancel stops.",
        "Score (1-5) (required): ",
        "⚠️ This one is required: answer it, or type :cancel to stop.",
        "Score (1-5) (required): 9",
        "⚠️ “9” is out of range for score.",
        "Score (1-5) (required): 4",
        "Mood — good (Good), bad (Bad) [good]: Bad",
    ]
    assert screen[8:11] == ["Comment: 很好 😀", "Thanks: 4 (bad)", "me@#ops> /survey"]
    assert screen[-3:-1] == ["Cancelled; nothing was written.", "me@#ops> /sq me"]
    assert ANSWERS == [("me", 4, "bad", "很好 😀")]
    assert table_counts(runtime)["incidents"] == before["incidents"]


def test_the_reply_carries_the_language_the_dispatcher_decided(runtime: Runtime) -> None:
    def run(text: str, *, user: str = "li", locale: str | None = None) -> Reply:
        request = CommandRequest(platform="console", channel="#ops", user_id=user, text=text, locale=locale)
        return commands.dispatch(request, runtime=runtime)

    assert run("/sq me").locale == "en"  # the organisation's default for someone who chose none
    assert run("/sq me", user="wu", locale="zh-CN").locale == "zh_CN"  # what the platform said
    changed = run("/sq lang zh_CN")
    assert (changed.locale, changed.text) == ("zh_CN", "好的，以后我会用简体中文回复你。")
    assert run("/incident frobnicate").locale == "zh_CN"  # an error, too, in the stored choice
    assert run("/sq me", locale="en-US").locale == "zh_CN"  # the stored choice wins over the platform's
