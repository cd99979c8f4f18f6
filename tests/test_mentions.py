"""A person named in a message reads right on every platform (`sqmsbot.mentions`): a native mention
where they are, their name in plain text anywhere else, never markup a name could smuggle in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sqmsbot.mentions import mention
from sqmsbot.platforms.console.render import plain
from sqmsbot.platforms.slack.text import escape


def test_a_slack_person_is_a_real_mention_on_slack_and_a_name_on_the_console() -> None:
    li = mention(platform="slack", user_id="U1", name="Li Lei")
    assert escape(f"owner {li}") == "owner <@U1>"
    assert plain(f"owner {li}") == "owner @Li Lei"


def test_a_console_person_is_a_name_on_slack_and_an_at_word_on_the_console() -> None:
    me = mention(platform="console", user_id="me", name="me")
    assert escape(f"by {me}") == "by @me"
    assert plain(f"by {me}") == "by @me"


def test_a_picked_slack_user_without_a_platform_stays_slack_s_own() -> None:
    assert escape("assigned to <@U2>") == "assigned to <@U2>"


def test_a_name_cannot_carry_markup_into_the_mention() -> None:
    hostile = mention(platform="lark", user_id="ou_1", name="<!channel>|<@U9> 张伟\n😀")
    assert "\n" not in hostile and hostile.count("<") == 1 and hostile.count("|") == 1
    shown = escape(hostile)
    assert "<!channel>" not in shown and "<@U9>" not in shown and "张伟" in shown and "😀" in shown


@given(st.text(max_size=120))
def test_whatever_the_name_slack_pings_nobody_for_a_person_elsewhere(name: str) -> None:
    shown = escape("told " + mention(platform="lark", user_id="ou_1", name=name))
    assert "<" not in shown and ">" not in shown
