"""The incident forms asked as questions in the console (DESIGN §3: a form is console prompts too).

The answers are the lines that follow the line that opened the form, exactly as `sqmsbot console`
reads a script from standard input; each question is echoed with its answer. Whatever is refused
is said in the reader's language and asked again; a cancelled or unfinished form writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sqmsbot.i18n import catalog
from sqmsbot.models import Incident
from sqmsbot.platforms.console import Console
from sqmsbot.runtime import Runtime
from tests.conftest import table_counts

TITLE = "Customer waited 40 minutes"


def screen(console: Console, lines: list[str], *typed: str) -> list[str]:
    """Type lines (a line and the answers to its questions); what appeared on the screen."""
    start = len(lines)
    console.run(list(typed), echo=True)
    return lines[start:]


def incidents(runtime: Runtime) -> list[Incident]:
    with runtime.db.transaction() as session:
        found = list(session.scalars(select(Incident).order_by(Incident.id)).unique())
        for incident in found:
            _ = incident.assignee
        session.expunge_all()
        return found


@pytest.fixture
def typed(runtime: Runtime) -> tuple[Console, list[str]]:
    lines: list[str] = []
    return Console(runtime, write=lines.append), lines


def report(console: Console, lines: list[str], *answers: str) -> list[str]:
    return screen(console, lines, "/incident", *answers)


def test_the_bare_incident_asks_for_each_field_and_reports_it(
    runtime: Runtime, typed: tuple[Console, list[str]]
) -> None:
    console, lines = typed
    shown = report(console, lines, "P2", "hotline", "", "", "C-7", TITLE, "")
    assert shown[0] == "me@#ops> /incident"
    assert shown[1].startswith("Report an incident — answer each question")
    assert shown[2] == "priority (required) — P1, P2, P3, P4 [P3]: P2"
    assert shown[3].startswith("service (required) — hotline (Service hotline), store (Store counter)")
    assert shown[3].endswith(": hotline")
    assert shown[4].startswith("category — man (") and shown[4].endswith(": ")
    assert shown[5].endswith("[complaint]: ")
    assert shown[6:9] == ["customer ref: C-7", f"title (required): {TITLE}", "description: "]
    assert "\n".join(shown[9:]).startswith("✅ Reported SQ-1.")
    [incident] = incidents(runtime)
    assert (incident.priority, incident.service, incident.title) == ("P2", "hotline", TITLE)
    assert (incident.source, incident.customer_ref, incident.category) == ("complaint", "C-7", None)


def test_a_refused_answer_is_said_and_asked_again(runtime: Runtime, typed: tuple[Console, list[str]]) -> None:
    console, lines = typed
    shown = report(
        console, lines, "P9", "p1", "nowhere", "Billing", "", "", "C 7", "C-7", "x" * 201, TITLE, ""
    )
    text = "\n".join(shown)
    assert "⚠️ “P9” is not a valid priority. Choose one of: P1, P2, P3, P4" in text
    assert "⚠️ There is no service “nowhere”" in text and "hotline, store" in text
    assert "⚠️ “C 7” is not a valid customer ref." in text
    assert "⚠️ The title is too long (at most 200 characters)." in text
    [incident] = incidents(runtime)
    assert (incident.priority, incident.service, incident.customer_ref) == ("P1", "billing", "C-7")


@pytest.mark.parametrize(
    "answers",
    [
        ("P2", ":cancel"),
        ("P2", "hotline", "", "", "", ":取消"),
        ("", "", ""),  # the required service left empty twice
    ],
)
def test_cancelling_writes_nothing_and_says_so(
    runtime: Runtime, typed: tuple[Console, list[str]], answers: Sequence[str]
) -> None:
    console, lines = typed
    before = table_counts(runtime)
    shown = report(console, lines, *answers)
    assert shown[-1] == "Cancelled; nothing was written."
    assert table_counts(runtime) == before
    after = screen(console, lines, "/sq me")  # the console goes on as before
    assert after[0] == "me@#ops> /sq me" and "me · role: admin" in "\n".join(after)


def test_the_input_ending_mid_form_writes_nothing(runtime: Runtime, typed: tuple[Console, list[str]]) -> None:
    console, lines = typed
    before = table_counts(runtime)
    shown = report(console, lines, "P2", "hotline")
    assert shown[-1] == "The input ended before the form was finished; nothing was written."
    assert table_counts(runtime) == before


HOSTILE = [
    ("\x1b[2Jgone", "That answer has control characters in it; type it again without them."),
    ("a\x00b", "That answer has control characters in it; type it again without them."),
    ("\u202etxt.exe", "The title contains control characters"),
    ("\u200b\u200b", "The title is empty."),
    ("x" * 50_000, "The title is too long (at most 200 characters)."),
]


@pytest.mark.parametrize(("answer", "said"), HOSTILE)
def test_hostile_answers_get_a_clear_error_and_nothing_is_written(
    runtime: Runtime, typed: tuple[Console, list[str]], answer: str, said: str
) -> None:
    console, lines = typed
    before = table_counts(runtime)
    shown = report(console, lines, "P2", "hotline", "", "", "", answer, answer, answer)
    text = "\n".join(shown)
    assert text.count("⚠️ " + said) == 3, text[-600:]
    assert shown[-1] == "No usable answer for title after 3 tries; cancelled, nothing was written."
    assert "\x1b" not in text and "\x00" not in text  # never echoed back into the terminal
    assert table_counts(runtime) == before


def test_chinese_and_emoji_answers_are_taken_as_typed_and_a_chinese_reader_is_asked_in_chinese(
    runtime: Runtime, typed: tuple[Console, list[str]]
) -> None:
    console, lines = typed
    screen(console, lines, "/sq lang zh_CN")
    title = "客户被重复扣费 😀 “引号” \\ 反斜杠"
    shown = report(console, lines, "", "账单与收费", "人员", "投诉", "", title, "第一行")
    text = "\n".join(shown)
    assert shown[1].startswith("上报事件——请逐项回答")
    assert shown[2] == "优先级（必填）——可选：P1、P2、P3、P4［默认：P3］："
    assert shown[3].startswith("服务（必填）——可选：hotline（服务热线）、store（门店柜台）")
    assert "已上报 SQ-1" in text
    [incident] = incidents(runtime)
    assert (incident.service, incident.category, incident.title) == ("billing", "man", title)
    assert incident.description == "第一行"

    wrong = report(console, lines, "P9", ":cancel")
    assert wrong[3] == "⚠️ “P9”不是有效的优先级。可选值：P1, P2, P3, P4"
    assert wrong[-1] == "已取消，没有写入任何内容。"
    assert len(incidents(runtime)) == 1


def test_a_button_line_typed_asks_what_its_button_would(
    runtime: Runtime, typed: tuple[Console, list[str]]
) -> None:
    console, lines = typed
    screen(console, lines, ":as li member ops", ":as me")
    report(console, lines, "P2", "hotline", "", "", "", TITLE, "")
    taken = screen(console, lines, "/incident assign SQ-1", "")  # Enter: the default, whoever typed it
    assert taken[1].startswith("Assign incident — answer each question")
    assert taken[2] == "assignee [@me]: "
    assert "✅ SQ-1 assigned." in "\n".join(taken)
    assert incidents(runtime)[0].assignee.platform_user_id == "me"  # type: ignore[union-attr]

    given = screen(console, lines, "/incident assign SQ-1", "@li")
    assert "✅ SQ-1 assigned." in "\n".join(given)
    assert incidents(runtime)[0].assignee.platform_user_id == "li"  # type: ignore[union-attr]
    refused = screen(console, lines, "/incident assign SQ-1", "<@li> and more", ":cancel")
    assert "⚠️ Name one person, e.g. li or @li." in refused

    resolved = screen(console, lines, ":as li", "/incident resolve SQ-1", "", "Refunded", "maybe", "yes")
    text = "\n".join(resolved)
    assert "⚠️ This one is required: answer it, or type :cancel to stop." in text
    assert "⚠️ Answer yes or no." in text
    assert "✅ SQ-1 resolved." in text
    incident = incidents(runtime)[0]
    assert (incident.status, incident.first_contact_resolution) == ("resolved", True)

    reopened = screen(console, lines, "/incident reopen SQ-1", "Refund never arrived")
    assert reopened[2] == "reason (required): Refund never arrived"
    assert "✅ SQ-1 reopened." in "\n".join(reopened)


def test_a_line_that_says_everything_runs_without_questions(
    runtime: Runtime, typed: tuple[Console, list[str]]
) -> None:
    console, lines = typed
    shown = screen(console, lines, '/incident report P2 hotline "x"', "/incident assign SQ-1 @me")
    assert [line for line in shown if line.startswith("me@#ops>")] == [
        'me@#ops> /incident report P2 hotline "x"',
        "me@#ops> /incident assign SQ-1 @me",
    ]
    assert "✅ SQ-1 assigned." in "\n".join(shown)


def test_without_answers_to_read_the_bare_command_shows_the_help(typed: tuple[Console, list[str]]) -> None:
    console, lines = typed
    console.handle("/incident")  # as a transcript test types it: no input to read answers from
    assert lines[0].startswith("/incident — ") and "/incident report [P1-P4] SERVICE" in lines[0]


ANSWER = st.one_of(
    st.sampled_from(["", "P2", "hotline", "billing", "账单与收费", "yes", ":cancel", "C-1", "😀", '"', "\\"]),
    st.text(max_size=30),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=8),
    st.text(st.characters(codec="utf-8"), max_size=8),
    st.builds(
        lambda piece, n: piece * n,
        st.sampled_from(["x", "客", "😀", "\x1b"]),
        st.sampled_from([199, 201, 5000]),
    ),
)
WRITTEN_NOTHING = ("nothing was written.", "没有写入任何内容。")
UNEXPECTED = [catalog(locale)["errors.unexpected"].split("{ref}")[0] for locale in ("en", "zh_CN")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(ANSWER, max_size=12), zh=st.booleans())
def test_any_answers_end_in_a_report_or_in_nothing_written(
    runtime: Runtime, typed: tuple[Console, list[str]], answers: list[str], zh: bool
) -> None:
    console, lines = typed
    screen(console, lines, "/sq lang " + ("zh_CN" if zh else "en"))
    before = table_counts(runtime)
    # One answer is one line; what is left once the form ends runs as typed lines, so none of them
    # may be a command that writes (`:as …`, `/incident report …`).
    answers = [
        a.replace("\n", " ").replace("\r", " ") for a in answers if not a.lstrip().startswith(("/", ":"))
    ]
    shown = screen(console, lines, "/incident", *answers)
    text = "\n".join(shown)
    assert not any(marker in text for marker in UNEXPECTED) and "Traceback" not in text
    ended = next(i for i, line in enumerate(shown) if line.startswith("✅") or line.endswith(WRITTEN_NOTHING))
    assert not any("\x1b" in line or "\x00" in line for line in shown[: ended + 1])  # echoed spelled out
    if "✅ Reported SQ-" not in text and "✅ 已上报 SQ-" not in text:
        assert table_counts(runtime) == before, text[-400:]
        assert shown[ended].endswith(WRITTEN_NOTHING), text[-400:]
