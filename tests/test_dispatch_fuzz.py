"""Arbitrary text thrown at the dispatcher (issue 2): every input gets a reply, nothing escapes, a refused
command writes nothing, and no input is met with "something went wrong" (that would be a bug)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import commands
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.i18n import catalog
from sqmsbot.models import Base
from sqmsbot.runtime import Runtime
from tests.conftest import Transcript

FRAGMENTS = [
    '"',
    "'",
    "“",
    "”",
    "‘",
    "’",
    "「",
    "」",
    "『",
    "』",
    "＂",
    "„",
    "\\",
    "=",
    "＝",
    " ",
    "\u3000",
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\u200b",
    "\u202e",
    "\ufeff",
    "😀",
    "👩🏽‍💻",
    "🇨🇳",
    "客户被重复扣费",
    "人机料法环测",
    "Ünïcødé",
    "مرحبا",
    "SQ-1",
    "SQ-0",
    "sq-999999999",
    "#1",
    "-1",
    "P1",
    "P5",
    "p2",
    "billing",
    "hotline",
    "ops",
    "finance",
    "nowhere",
    "fcr",
    "一次解决",
    "cust=",
    "dept=",
    "desc=",
    "title=",
    "cat=",
    "source=",
    "page=",
    "status=",
    "priority=",
    "to=",
    "reason=",
    "page=0",
    "page=99999999999999999999",
    "@li",
    "@me",
    "<@zhao>",
    "<@",
    "<@>",
    "<@me|Me>",
    "'; DROP TABLE incidents; --",
    "' OR '1'='1",
    '" OR ""="',
    "%s",
    "%%",
    "{ref}",
    "{0}",
    "{}",
    "${jndi:x}",
    "<script>alert(1)</script>",
    "*bold* _it_ `code`",
    "help",
    "帮助",
    "--help",
    "?",
]
SUBCOMMAND_WORDS = sorted(
    {name for c in commands.registry().values() for name in c.subcommands}
    | {alias for c in commands.registry().values() for s in c.subcommands.values() for alias in s.also}
)
PIECE = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(SUBCOMMAND_WORDS),
    st.text(max_size=12),
    st.text(st.characters(min_codepoint=0x2E80, max_codepoint=0x9FFF), max_size=6),
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=3),
)
SMALL = st.lists(PIECE, max_size=10).map(lambda parts: " ".join(parts))
GLUED = st.lists(PIECE, max_size=10).map(lambda parts: "".join(parts))
HUGE = st.builds(
    lambda piece, n, tail: piece * n + tail,
    st.sampled_from(["x", "客", "😀", '"', "“a” ", "a=b ", "SQ-1 "]),
    st.sampled_from([2_000, 10_000, 12_500]),
    SMALL,
)
PREFIXES = [
    "",
    "/incident ",
    "/sq ",
    "incident ",
    "/incident report ",
    "/incident report P2 billing ",
    "/incident list ",
    "/incident note SQ-1 ",
    "/incident resolve SQ-1 ",
    "/incident priority SQ-1 ",
    "/incident transfer SQ-1 ",
    "/incident assign SQ-1 ",
    "/sq admin role ",
    "/sq lang ",
]
LINES = st.tuples(st.sampled_from(PREFIXES), st.one_of(SMALL, GLUED, HUGE, st.text(max_size=300)))


def _unexpected_marker(locale: str) -> str:
    return catalog(locale)["errors.unexpected"].split("{ref}")[0] + "E-"


UNEXPECTED = [_unexpected_marker(locale) for locale in ("en", "zh_CN")]


def _counts(runtime: Runtime) -> dict[str, int]:
    with runtime.db.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def _seed(transcript: Transcript) -> None:
    """An organisation with people and an incident, so SQ-1 and @li name real things."""
    transcript(":as li lead finance", ":as zhao member ops", ":as me")
    out = transcript('/incident report P2 billing "Customer charged twice" cust=C-1042')
    assert "Reported SQ-1." in out


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    line=LINES,
    user=st.sampled_from(["me", "zhao", "li", "newcomer"]),
    locale=st.sampled_from([None, "zh-CN"]),
)
@example(line=("/incident report P2 billing ", "a\x00b"), user="me", locale=None)
@example(line=("/incident note SQ-1 ", "'; DROP TABLE incidents; --"), user="li", locale=None)
@example(
    line=("/incident report P2 billing ", "“客户被重复扣费” cust=「C 1042」 😀"), user="zhao", locale="zh-CN"
)
@example(line=("/incident report P2 billing ", "x" * 10_000), user="me", locale=None)
def test_every_input_gets_a_reply_and_a_refusal_changes_nothing(
    runtime: Runtime, transcript: Transcript, line: tuple[str, str], user: str, locale: str | None
) -> None:
    if not transcript.lines:
        _seed(transcript)
    text = line[0] + line[1]
    before = _counts(runtime)
    request = CommandRequest(platform="console", channel="#ops", user_id=user, text=text, locale=locale)
    reply = commands.dispatch(request, runtime=runtime)  # nothing may escape
    assert reply.messages, text
    assert all(m.text.strip() for m in reply.messages), text
    for marker in UNEXPECTED:
        assert marker not in reply.text, f"unexpected error for {text!r}"
    assert "Traceback" not in reply.text
    event("accepted" if all(m.ok for m in reply.messages) else "refused")
    if not all(m.ok for m in reply.messages):
        assert reply.text.startswith("⚠️"), text
        assert _counts(runtime) == before, text


BAD_INPUTS = [
    "/incident report",
    "/incident report P2",
    "/incident report P9 billing x",
    "/incident report P2 nowhere x",
    '/incident report P2 billing "never closed',
    "/incident report P2 billing " + "x" * 201,
    "/incident report P2 billing ok cust=C-1 cust=C-2",
    "/incident report P2 billing ok colour=red",
    "/incident report P2 billing ok cat=luck",
    "/incident report P2 billing ok source=rumour",
    "/incident report P2 billing \x07bell",
    "/incident show SQ-99",
    "/incident show banana",
    "/incident close SQ-1",
    "/incident reopen SQ-1 why",
    "/incident resume SQ-1",
    "/incident assign SQ-1 @nobody",
    "/incident list page=0",
    "/incident list status=bogus",
    "/incident list everything",
    "/incident fly SQ-1",
    "/nothing here",
    "/sq lang klingon",
    "/sq admin role @li emperor",
    "x" * 12_001,
    "/incident note SQ-1 \x00",
]


def test_twenty_odd_kinds_of_bad_input_each_get_a_clear_error_with_usage(
    runtime: Runtime, transcript: Transcript
) -> None:
    _seed(transcript)
    before = _counts(runtime)
    for text in BAD_INPUTS:
        reply = commands.dispatch(
            CommandRequest(platform="console", channel="#ops", user_id="zhao", text=text), runtime=runtime
        )
        assert [m.ok for m in reply.messages] == [False], text
        first, *rest = reply.text.splitlines()
        assert first.startswith("⚠️ ") and len(first) > 4, text
        assert re.match(r"^(Usage: /|Type /<command> help)", rest[-1]), (text, reply.text)
        assert _counts(runtime) == before, text


CONSOLE_PREFIXES = [
    ":as ",
    ":in ",
    ":in #",
    ":",
    "/incident ",
    "/incident assign SQ-1 ",
    "/sq admin dept ",
    "",
]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(prefix=st.sampled_from(CONSOLE_PREFIXES), rest=st.one_of(SMALL, GLUED))
@example(prefix=":as ", rest="a\x00b")  # a NUL cannot be stored in PostgreSQL: it crashed the console
@example(prefix=":as ", rest="x\x1b[2J")  # an escape sequence as a name would repaint the terminal
@example(prefix=":in ", rest="#ops\x00")
def test_the_console_answers_every_line_and_never_crashes(
    runtime: Runtime, transcript: Transcript, prefix: str, rest: str
) -> None:
    """The console's own lines (`:as`, `:in`) and its mention handling get the same treatment."""
    if not transcript.lines:
        _seed(transcript)
    line = (prefix + rest).replace("\n", " ").replace("\r", " ")
    if not line.strip() or line.strip().startswith(("#", ":q", ":exit")):
        return
    shown = transcript(line)  # nothing may escape
    answer = shown.split("\n", 1)[1] if "\n" in shown else ""
    assert answer.strip(), repr(line)
    for marker in UNEXPECTED:
        assert marker not in answer, f"unexpected error for {line!r}"
    transcript(":as me")


def test_a_console_name_must_be_printable(transcript: Transcript) -> None:
    for name in ("x\x1b[2J", "a\x00b", "zero\u200bwidth"):
        assert "Usage: :as NAME" in transcript(f":as {name}"), repr(name)
    assert "You are now li" in transcript(":as li")
