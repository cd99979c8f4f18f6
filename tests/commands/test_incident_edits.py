"""What a team misses on its first day (issue 8 §5): edit, search, duplicates; and who is told when
an assignment moves (§2)."""

from __future__ import annotations

from tests.commands import as_, say
from tests.conftest import Transcript


def _team(transcript: Transcript) -> None:
    transcript(":as li member ops", ":as wu member ops", ":as wang lead ops", ":as zhao member logistics")


def test_an_edit_keeps_the_old_value_on_the_timeline_and_a_new_service_its_commitments(
    transcript: Transcript,
) -> None:
    _team(transcript)
    as_(transcript, "li", '/incident report P2 hotline "Refund not recieved" cust=C-1')
    refused = say(transcript, "/incident edit SQ-1 title=x service=billing")  # commitments: leads decide
    assert (
        refused.reply.startswith("⚠️ Only leads and managers of Customer Service")
        and not refused.notifications
    )
    edited = say(transcript, '/incident edit SQ-1 title="Refund not received" cust=C-2')
    assert edited.reply.startswith("✅ SQ-1 updated.")
    assert "SQ-1 · P2 · New · Refund not received" in edited.reply
    thread = "\n".join(edited.to("#ops"))
    assert "修改了标题（原为：Refund not recieved）" in thread
    assert "修改了客户编号" in thread and "C-1" not in thread  # the channel is not told the old number
    assert len([n for n in edited.to("#ops") if "✎" in n]) == 1  # two changes, one card edit
    as_(transcript, "wang", "/incident edit SQ-1 service=billing")
    shown = as_(transcript, "li", "/incident show SQ-1").reply
    assert "li · changed the customer ref (was: C-1)" in shown
    assert "wang · changed the service (was: hotline)" in shown
    assert "service: Billing" in shown
    assert say(transcript, '/incident edit SQ-1 title="Refund not received"').reply.startswith(
        "⚠️ Nothing to change"
    )
    refused = as_(transcript, "zhao", '/incident edit SQ-1 title="Mine now"')
    assert refused.reply.startswith("⚠️ Only the Customer Service department") and not refused.notifications


def test_search_finds_titles_and_only_the_descriptions_the_reader_may_see(transcript: Transcript) -> None:
    _team(transcript)
    as_(transcript, "li", '/incident report hotline "Refund missing" desc="card ending 4321"')
    as_(transcript, "li", '/incident report hotline "Queue too long"')
    assert "SQ-1" in say(transcript, "/incident list q=refund").reply
    assert "SQ-2" not in say(transcript, "/incident list q=refund").reply
    assert "SQ-1" in say(transcript, '/incident list q="4321"').reply
    assert say(transcript, "/incident list all q=4321").reply.count("SQ-1") == 1
    outsider = as_(transcript, "zhao", "/incident list all q=4321").reply
    assert "SQ-1" not in outsider  # a description they may not read does not answer their search
    assert "SQ-1" in as_(transcript, "zhao", "/incident list all q=REFUND").reply
    assert "No incidents match" in say(transcript, '/incident list all q="100%_sure"').reply


def test_a_duplicate_is_closed_linked_both_ways_and_counted_on_the_original(transcript: Transcript) -> None:
    _team(transcript)
    as_(transcript, "li", '/incident report P2 hotline "App login fails"')
    as_(transcript, "wu", '/incident report P2 hotline "Cannot log in to the app"')
    done = as_(transcript, "li", '/incident duplicate SQ-2 of=SQ-1 "same outage"')
    assert done.reply.startswith("✅ SQ-2 closed as a duplicate of SQ-1.")
    assert any("关联了重复事件：SQ-2" in n for n in done.to("#ops"))
    original = say(transcript, "/incident show SQ-1").reply
    assert "duplicates: 1" in original and "linked a duplicate: SQ-2 — same outage" in original
    copy = say(transcript, "/incident show SQ-2").reply
    assert "SQ-2 · P2 · Closed" in copy and "duplicate of: SQ-1" in copy
    assert "closed it as a duplicate of SQ-1" in copy
    for line, error in [
        ("/incident duplicate SQ-1 of=SQ-1", "⚠️ An incident cannot be a duplicate of itself."),
        ("/incident duplicate SQ-3 of=SQ-2", "⚠️ There is no incident"),
        ("/incident duplicate SQ-1", "⚠️ Missing"),
    ]:
        assert say(transcript, line).reply.startswith(error), line
    as_(transcript, "li", '/incident report hotline "Third report"')
    assert say(transcript, "/incident duplicate SQ-3 of=SQ-2").reply.startswith(
        "⚠️ That one is itself a duplicate; name its original instead (SQ-1)."
    )
    again = as_(transcript, "wu", '/incident duplicate SQ-2 of=SQ-1 "also"')
    assert (
        again.reply.startswith("⚠️ It is closed")
        and "li closed it as a duplicate a moment ago." in again.reply
    )


def test_a_duplicate_cannot_write_on_an_original_its_marker_may_not_note(transcript: Transcript) -> None:
    _team(transcript)
    as_(transcript, "zhao", '/incident report P2 delivery "Parcel lost"')  # Logistics' incident
    as_(transcript, "li", '/incident report P2 hotline "Where is my parcel"')
    refused = say(transcript, '/incident duplicate SQ-2 of=SQ-1 "call 555-1234"')
    assert refused.reply.startswith("⚠️ Only the Logistics department") and not refused.notifications
    assert "SQ-2 · P2 · New" in say(transcript, "/incident show SQ-2").reply


def test_private_cards_show_only_the_buttons_their_reader_may_use(transcript: Transcript) -> None:
    _team(transcript)
    transcript(":as sun lead it")
    as_(transcript, "li", '/incident report hotline "Payment page down"')
    involved = as_(transcript, "wang", '/incident involve SQ-1 it "check the gateway"')
    (dm,) = involved.to("@sun")
    assert "[Take it" not in dm and "[Resolve" not in dm and "[Acknowledge" not in dm
    own = say(transcript, "/incident show SQ-1").reply
    assert "[Acknowledge: /incident ack SQ-1]" in own


def test_whoever_loses_an_assignment_is_told_privately(transcript: Transcript) -> None:
    _team(transcript)
    as_(transcript, "li", '/incident report hotline "Queue too long"')
    say(transcript, "/incident assign SQ-1")
    moved = as_(transcript, "wang", "/incident assign SQ-1 @wu")
    assert moved.to("@wu") and moved.to("@wu")[0].startswith("[@wu] SQ-1 is now assigned to you.")
    told = moved.to("@li")
    assert len(told) == 1 and told[0].startswith("[@li] SQ-1 is no longer yours: wang changed who holds it.")
    handed_back = as_(transcript, "wu", "/incident release SQ-1")
    assert handed_back.reply.startswith("✅ SQ-1 handed back") and not handed_back.to("@wu")
