"""Bad input of every kind gets a clear, translated refusal with the command's usage, and writes nothing.

A table of cases runs against one prepared store per language (and per database): SQ-1 is
acknowledged and owned by ops, SQ-2 is resolved. After every refusal the row counts of every table
and the state of every incident and person are exactly what they were before the first one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from sqmsbot.models import Incident, Person
from sqmsbot.runtime import Runtime
from tests.commands import english_leaks, say
from tests.conftest import Transcript

Counts = Callable[[], dict[str, int]]
OVERVIEW = "overview"  # no command could be read: the reply points at the overview instead


@dataclass(frozen=True)
class Case:
    kind: str
    line: str
    names: tuple[str, ...]  # what the error must say: the bad value, the field, the reason
    usage: str  # the usage line's start after "Usage: " (or OVERVIEW)
    who: str = "li"


REPORT = "/incident report [P1-P4] SERVICE"
TEN_KB_TITLE = "x" * 10_000

CASES = [
    Case("empty report", "/incident report", ("Missing SERVICE.",), REPORT),
    Case("unknown service", '/incident report P2 teleport "Lost"', ("“teleport”", "hotline"), REPORT),
    Case(
        "priority P9", '/incident report P9 hotline "x"', ("“P9” is not a valid priority", "P1, P2"), REPORT
    ),
    Case(
        "title of 10 000 characters", f'/incident report hotline "{TEN_KB_TITLE}"', ("title", "200"), REPORT
    ),
    Case(
        "unclosed quote", '/incident report P2 hotline "Customer waited', ('A quote " is not closed',), REPORT
    ),
    Case("unknown option", '/incident report P2 hotline "x" foo=1', ("“foo”", "cust="), REPORT),
    Case(
        "repeated option",
        '/incident report P2 hotline "x" cust=C-1 cust=C-2',
        ("cust= is given twice",),
        REPORT,
    ),
    Case("empty title", '/incident report P2 hotline ""', ("title is empty",), REPORT),
    Case("bad category", '/incident report hotline "x" cat=luck', ("“luck”", "category", "machine"), REPORT),
    Case("emoji as service", '/incident report P2 🔥 "Fire"', ("“🔥”", "service"), REPORT),
    Case(
        "bell in a title",
        '/incident report hotline "ring\x07ring"',
        ("title contains control characters",),
        REPORT,
    ),
    Case("NUL byte", '/incident note SQ-1 "a\x00b"', ("control characters",), "/incident note"),
    Case(
        "line of 13 000 characters",
        "/incident note SQ-1 " + "y" * 13_000,
        ("too long", "12000"),
        "/incident note",
    ),
    Case(
        "unknown subcommand",
        "/incident frobnicate SQ-1",
        ("/incident has no “frobnicate”",),
        "/incident help",
    ),
    Case("unknown command", "/frobnicate now", ("There is no command “frobnicate”",), OVERVIEW),
    Case("malformed ref", "/incident ack SQ-abc", ("“SQ-abc”", "SQ-42"), "/incident ack"),
    Case(
        "ref to a missing incident",
        "/incident ack SQ-404",
        ("There is no incident number 404",),
        "/incident ack",
    ),
    Case(
        "SQL in a ref",
        '/incident show "SQ-1; DROP TABLE incidents"',
        ("“SQ-1; DROP TABLE incidents” is not an incident reference",),
        "/incident show",
    ),
    Case("SQL after a ref", "/incident close SQ-1; DROP TABLE incidents", ("“SQ-1;”",), "/incident close"),
    Case(
        "illegal transition",
        "/incident close SQ-1",
        ("Only a resolved incident can be closed (status: Acknowledged)",),
        "/incident close",
    ),
    Case("resolve without a note", "/incident resolve SQ-1", ("Missing RESOLUTION.",), "/incident resolve"),
    Case("reopen without a reason", "/incident reopen SQ-2", ("Missing REASON.",), "/incident reopen"),
    Case(
        "priority without a reason", "/incident priority SQ-1 P1", ("Missing REASON.",), "/incident priority"
    ),
    Case(
        "transfer to an unknown department",
        '/incident transfer SQ-1 dept=narnia "x"',
        ("“narnia”", "logistics"),
        "/incident transfer",
    ),
    Case("assign to an unknown person", "/incident assign SQ-1 @ghost", ("ghost",), "/incident assign"),
    Case(
        "another department's incident",
        '/incident note SQ-1 "mine now"',
        ("Only the Customer Service department",),
        "/incident note",
        who="zhao",
    ),
    Case(
        "member changing the priority",
        '/incident priority SQ-1 P1 "VIP"',
        ("Only leads and managers of Customer Service",),
        "/incident priority",
    ),
    Case(
        "same priority",
        '/incident priority SQ-1 P2 "again"',
        ("It is already P2",),
        "/incident priority",
        "wang",
    ),
    Case("page=0", "/incident list page=0", ("page", "“0”"), "/incident list"),
    Case("page=abc", "/incident list page=abc", ("page", "“abc”"), "/incident list"),
    Case(
        "page past the end",
        "/incident list page=7",
        ("There is no page 7; there is only 1.",),
        "/incident list",
    ),
    Case("unknown status", "/incident list status=bogus", ("“bogus”", "status"), "/incident list"),
    Case("unknown department in list", "/incident list dept=narnia", ("“narnia”",), "/incident list"),
    Case("unknown language", "/sq lang fr", ("“fr”", "zh_CN"), "/sq lang"),
    Case("unknown role", "/sq admin role @li overlord", ("“overlord”", "role", "manager"), "/sq admin", "me"),
    Case(
        "admin demoting themselves", "/sq admin role @me member", ("your own admin role",), "/sq admin", "me"
    ),
    Case(
        "non-admin using /sq admin",
        "/sq admin role @li admin",
        ("Only these roles may do that: admin",),
        "/sq admin",
    ),
    Case("unknown admin action", "/sq admin fire @li now", ("“fire”", "role", "dept"), "/sq admin", "me"),
]

ZH_CASES = [
    Case("priority P9", '/incident report P9 hotline "x"', ("“P9”不是有效的优先级",), REPORT),
    Case(
        "illegal transition",
        "/incident close SQ-1",
        ("只有已解决的事件可以关闭（状态：已受理）",),
        "/incident close",
    ),
    Case("resolve without a note", "/incident resolve SQ-1", ("缺少处理结果。",), "/incident resolve"),
    Case(
        "another department's incident",
        '/incident note SQ-1 "mine now"',
        ("只有客户服务部、协同部门、上报人或质量部可以这样做。",),
        "/incident note",
        who="zhao",
    ),
    Case("missing incident", "/incident ack SQ-404", ("没有编号为 404 的事件。",), "/incident ack"),
    Case(
        "page=abc", "/incident list page=abc", ("页码必须是从 1 开始的整数，而不是“abc”。",), "/incident list"
    ),
    Case(
        "non-admin using /sq admin",
        "/sq admin role @li admin",
        ("只有以下角色可以执行此操作：管理员。",),
        "/sq admin",
    ),
    Case("unknown command", "/frobnicate", ("没有“frobnicate”这个命令。",), OVERVIEW),
    Case("NUL byte", '/incident note SQ-1 "a\x00b"', ("命令中含有控制字符",), "/incident note"),
]


def prepare(transcript: Transcript, locale: str) -> None:
    transcript(":as li member ops", ":as wang lead ops", ":as zhao member logistics", ":as me")
    say(transcript, '/incident report P2 hotline "Customer waited 40 minutes"')
    transcript(":as li")
    for line in (
        "/incident ack SQ-1",
        '/incident report hotline "No answer"',
        '/incident resolve SQ-2 "Called"',
    ):
        assert say(transcript, line).reply.startswith("✅")
    if locale != "en":
        for who in ("li", "wang", "zhao", "me"):
            transcript(f":as {who}", f"/sq lang {locale}")


def state(runtime: Runtime) -> list[tuple[object, ...]]:
    """What a refused command must not have changed in the rows that already exist."""
    with runtime.db.transaction() as session:
        incidents = session.execute(
            select(
                Incident.id,
                Incident.status,
                Incident.priority,
                Incident.department,
                Incident.assignee_id,
                Incident.resolved_at,
                Incident.updated_at,
            ).order_by(Incident.id)
        ).all()
        people = session.execute(
            select(Person.id, Person.role, Person.department, Person.locale).order_by(Person.id)
        ).all()
    return [tuple(r) for r in [*incidents, *people]]


def check(case: Case, reply: str, *, usage_word: str, hint: str) -> list[str]:
    """The problems with one refusal, as readable lines (empty when it is right)."""
    problems = []
    lines = reply.splitlines()
    if not lines or not lines[0].startswith("⚠️ "):
        problems.append("the reply does not start with ⚠️")
    for name in case.names:
        if name not in reply:
            problems.append(f"the error does not say {name!r}")
    if case.usage == OVERVIEW:
        if hint not in reply:
            problems.append("no pointer to the overview of commands")
    elif not any(line.startswith(f"{usage_word}{case.usage}") for line in lines):
        problems.append(f"no usage line for {case.usage}")
    if len(reply) > 1500:
        problems.append(f"the reply is {len(reply)} characters long: the bad input is echoed back whole")
    return problems


@pytest.mark.parametrize(
    ("locale", "cases", "usage_word", "hint"),
    [
        ("en", CASES, "Usage: ", "Type /<command> help"),
        ("zh_CN", ZH_CASES, "用法：", "输入 /<命令> help"),
    ],
    ids=["en", "zh_CN"],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(
    transcript: Transcript,
    runtime: Runtime,
    counts: Counts,
    locale: str,
    cases: list[Case],
    usage_word: str,
    hint: str,
) -> None:
    prepare(transcript, locale)
    rows, before = counts(), state(runtime)
    kinds = {case.kind for case in cases}
    assert len(kinds) == len(cases) and len(kinds) >= (20 if locale == "en" else 8)
    failures = []
    for case in cases:
        transcript(f":as {case.who}")
        screen = say(transcript, case.line)
        problems = check(case, screen.reply, usage_word=usage_word, hint=hint)
        if screen.notifications:
            problems.append(f"it notified someone: {screen.notifications}")
        if locale != "en":
            message = screen.reply.splitlines()[0]
            leaks = english_leaks(message, allowed=["frobnicate", "abc", "NUL"])
            if leaks:
                problems.append(f"English in a Chinese reply: {leaks}")
        if counts() != rows or state(runtime) != before:
            problems.append("the store changed")
        failures += [f"{case.kind}: {p}\n    {screen.reply[:300]!r}" for p in problems]
    assert not failures, "\n".join(failures)


def test_the_store_still_works_after_the_bad_input(transcript: Transcript) -> None:
    """Nothing the refusals did (SQL in refs included) broke the store: the next good command works."""
    prepare(transcript, "en")
    for case in CASES:
        transcript(f":as {case.who}")
        say(transcript, case.line)
    transcript(":as li")
    assert say(transcript, '/incident resolve SQ-1 "Called back"').reply.startswith("✅ SQ-1 resolved.")
    listed = say(transcript, "/incident list dept")
    assert "Page 1 of 1 · 2 in all." in listed.reply
