"""The whole incident loop through the console, as the issue's first acceptance point describes it."""

from __future__ import annotations

from tests.conftest import Transcript


def test_whole_lifecycle_in_the_console(transcript: Transcript) -> None:
    transcript(":as li member ops", ":as zhao lead finance", ":as me")
    out = transcript('/incident report P2 billing "Customer charged twice" cust=C-1042')
    assert "Reported SQ-1." in out
    assert "[#finance] SQ-1 · P2 · New · Customer charged twice" in out
    transcript(":as zhao")
    for line, expected in [
        ("/incident ack SQ-1", "SQ-1 acknowledged."),
        ("/incident assign SQ-1 @li", "li is not in the owning department"),
        ("/incident assign SQ-1", "SQ-1 assigned."),
        ('/incident wait SQ-1 "Need the bank statement"', "waiting on the customer"),
        ("/incident resume SQ-1", "back in progress"),
        ('/incident resolve SQ-1 fcr "Refunded the duplicate charge"', "SQ-1 resolved."),
        ('/incident reopen SQ-1 "Still charged twice"', "SQ-1 reopened."),
        ('/incident resolve SQ-1 "Second refund done"', "SQ-1 resolved."),
        ("/incident close SQ-1", "SQ-1 closed."),
    ]:
        assert expected in transcript(line), line
    shown = transcript("/incident show SQ-1")
    steps = [
        "me · reported it",
        "zhao · acknowledged it",
        "zhao · assigned it: nobody → zhao",
        "zhao · set it waiting on the customer — Need the bank statement",
        "zhao · resumed work",
        "zhao · resolved it (first contact) — Refunded the duplicate charge",
        "zhao · reopened it — Still charged twice",
        "zhao · resolved it — Second refund done",
        "zhao · closed it",
    ]
    positions = [shown.index(step) for step in steps]
    assert positions == sorted(positions)
