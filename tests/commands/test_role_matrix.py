"""Least privilege as a matrix (issue 8 §2): every incident command × every role and relationship.

Each case is typed into the console by one person at an incident prepared for it: reported by a
frontline colleague of another department, owned by Customer Service (ops), with IT involved, and
(where the command needs it) assigned to `holder`. The expected answer is written out here, row by
row, from the rules in the README ("Who may do what"), not read from the workflow table, so a
change to the table that loosens a rule fails this test.

A refused command leaks nothing: the reply says no without the customer's reference or the
description, nobody is notified, no row changes, and no log line carries them either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from sqmsbot.runtime import Runtime
from tests.commands import say
from tests.conftest import Transcript, table_counts

CUSTOMER = "C-7788-13800138000"
SECRET = "ID 110101199001011234"
PEOPLE = {
    "rep": "member finance",  # the reporter: frontline, of another department
    "own": "member ops",  # a member of the owning department
    "lead": "lead ops",
    "mgr": "manager ops",
    "holder": "member ops",  # the assignee, where the incident has one
    "buddy": "member ops",  # a colleague things are handed on to
    "inv": "member it",  # a member of the involved department
    "other": "member logistics",  # a member of an unrelated department
    "qa": "quality",  # the quality team: org-wide
    "adm": "admin",  # administers people and config; no department
}
ACTORS = ("rep", "own", "lead", "mgr", "holder", "inv", "other", "qa", "adm")


@dataclass(frozen=True)
class Row:
    name: str
    line: str  # {n}: the prepared incident's number
    state: tuple[str, ...]  # how `lead` prepares it after reporting, involving IT and assigning holder
    allowed: frozenset[str]
    assigned: bool = True


def row(name: str, line: str, allowed: str, *state: str, assigned: bool = True) -> Row:
    return Row(name, line, state, frozenset(allowed.split()), assigned)


RESPONDERS = "own lead mgr holder qa"
ROWS = [
    row("ack", "/incident ack SQ-{n}", RESPONDERS),
    row("take an unassigned one", "/incident assign SQ-{n}", RESPONDERS, assigned=False),
    row("give an unassigned one away", "/incident assign SQ-{n} @buddy", "lead mgr qa", assigned=False),
    row("take it from its holder", "/incident assign SQ-{n}", "lead mgr qa"),
    row("hand it on", "/incident assign SQ-{n} @buddy", "holder lead mgr qa"),
    row("release", "/incident release SQ-{n}", "holder lead mgr qa"),
    row("note", '/incident note SQ-{n} "called back"', RESPONDERS + " inv rep", "ack"),
    row("wait", '/incident wait SQ-{n} "receipt"', RESPONDERS, "ack"),
    row("resume", "/incident resume SQ-{n}", RESPONDERS, "wait"),
    row("resolve", '/incident resolve SQ-{n} "refunded"', RESPONDERS, "ack"),
    row("reopen", '/incident reopen SQ-{n} "still charged"', RESPONDERS + " rep", "resolve"),
    row("close", "/incident close SQ-{n}", RESPONDERS + " rep", "resolve"),
    row("priority", '/incident priority SQ-{n} P1 "VIP"', "lead mgr qa", "ack"),
    row("transfer", '/incident transfer SQ-{n} logistics "courier"', "lead mgr qa", "ack"),
    row("involve", '/incident involve SQ-{n} finance "bank"', RESPONDERS, "ack"),
    row("edit", '/incident edit SQ-{n} title="Charged twice, confirmed"', RESPONDERS + " rep", "ack"),
    row(
        "edit the service (moves the commitments)",
        "/incident edit SQ-{n} service=billing",
        "lead mgr qa",
        "ack",
    ),
    row("duplicate", "/incident duplicate SQ-{n} of=SQ-1", RESPONDERS, "ack"),
]
STEPS = {
    "ack": "/incident ack SQ-{n}",
    "wait": '/incident wait SQ-{n} "receipt"',
    "resolve": '/incident resolve SQ-{n} "refunded"',
}


def _prepare(transcript: Transcript, row: Row) -> int:
    """A fresh incident in the state the row needs; returns its number."""
    transcript(":as rep")
    reported = say(transcript, f'/incident report P3 hotline "Charged twice" cust={CUSTOMER} desc="{SECRET}"')
    number = int(reported.reply.split("SQ-")[1].split(".")[0])
    transcript(":as lead")
    lines = [f'/incident involve SQ-{number} it "payment logs"']
    if row.assigned:
        lines.append(f"/incident assign SQ-{number} @holder")
    lines += [STEPS[step].format(n=number) for step in row.state]
    for line in lines:
        assert say(transcript, line).reply.startswith("✅"), line
    return number


@pytest.fixture
def office(transcript: Transcript) -> Transcript:
    for name, what in PEOPLE.items():
        transcript(f":as {name} {what}")
    transcript(":as rep")
    assert say(transcript, '/incident report P3 hotline "The original report"').reply.startswith("✅")
    return transcript


@pytest.mark.parametrize("case", ROWS, ids=[r.name for r in ROWS])
def test_each_command_is_allowed_exactly_to_whom_the_rules_say(
    office: Transcript, runtime: Runtime, case: Row, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = []
    for actor in ACTORS:
        number = _prepare(office, case)
        office(f":as {actor}")
        before = table_counts(runtime)
        caplog.clear()
        screen = say(office, case.line.format(n=number))
        done = screen.reply.startswith("✅")
        if done != (actor in case.allowed):
            wrong.append(f"{actor}: {'allowed' if done else 'refused'}: {screen.reply[:160]!r}")
            continue
        if done:
            continue
        leaks = [text for text in (CUSTOMER, SECRET) if text in screen.text or text in caplog.text]
        if not screen.reply.startswith("⚠️") or leaks or screen.notifications:
            wrong.append(
                f"{actor}: refused badly (leaks {leaks}, told {screen.notifications}): {screen.text!r}"
            )
        if table_counts(runtime) != before:
            wrong.append(f"{actor}: a refused command wrote to the store")
    assert not wrong, "\n".join(wrong)


def test_the_customers_details_are_shown_only_to_those_working_on_it(
    office: Transcript, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    number = _prepare(office, row("show", "", "", "ack"))
    allowed = {"rep", "own", "lead", "mgr", "holder", "inv", "qa"}
    for actor in ACTORS:
        office(f":as {actor}")
        caplog.clear()
        screen = say(office, f"/incident show SQ-{number}")
        assert f"SQ-{number} · P3 · Acknowledged · Charged twice" in screen.reply, actor
        sees = CUSTOMER in screen.reply and SECRET in screen.reply
        assert sees == (actor in allowed), actor
        if not sees:
            assert "Timeline" not in screen.reply and CUSTOMER not in caplog.text, actor
            assert "are for the departments working on it" in screen.reply, actor


def test_channel_cards_never_carry_the_customers_reference_and_helpers_get_no_description(
    office: Transcript,
) -> None:
    office(":as rep")
    reported = say(office, f'/incident report P3 hotline "Charged twice" cust={CUSTOMER} desc="{SECRET}"')
    (owner_card,) = reported.to("#ops")
    assert CUSTOMER not in owner_card
    assert "🔒" in owner_card and "/incident show SQ-2" in owner_card
    assert SECRET in owner_card  # the owning department's own channel reads the description
    office(":as lead")
    involved = say(office, '/incident involve SQ-2 it "payment logs"')
    it_card = involved.to("#it")[0]
    assert CUSTOMER not in it_card and SECRET not in it_card
    assert "[Take it" not in it_card and "[Resolve" not in it_card  # helpers note; they do not work it
    assert all(CUSTOMER not in n and SECRET not in n for n in involved.notifications)
