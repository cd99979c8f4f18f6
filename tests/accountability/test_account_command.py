"""/account typed into the console in both languages: private replies, drafts first, decisions with notes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from sqmsbot.clock import ManualClock
from sqmsbot.domain import accountability, incidents
from sqmsbot.i18n import Translator, catalog
from sqmsbot.models import OutboxMessage, Person
from sqmsbot.presenters.accountability import records_list
from sqmsbot.runtime import Runtime
from tests.commands import as_, english_leaks, has_cjk, say
from tests.conftest import Transcript

PEOPLE = (":as li member ops", ":as wang lead ops", ":as zhao manager ops", ":as chen manager logistics")


def _breached(transcript: Transcript, runtime: Runtime, clock: ManualClock) -> None:
    """Li owns SQ-1; its acknowledge commitment (2 business hours) runs out; the SLA watch drafts AR-1."""
    transcript(*PEOPLE)
    as_(transcript, "li", '/incident report P3 store "Queue too long"')
    as_(transcript, "wang", "/incident assign SQ-1 @li")
    clock.advance(timedelta(hours=2, minutes=1))
    with runtime.db.transaction() as session:
        incident = incidents.get(session, number=1)
        assert accountability.draft_for_breach(
            session, incident=incident, target="acknowledge", now=clock.now()
        )


def test_the_manager_lists_and_confirms_a_draft(
    transcript: Transcript, runtime: Runtime, clock: ManualClock
) -> None:
    _breached(transcript, runtime, clock)
    listed = as_(transcript, "zhao", "/account")
    assert listed.notifications == []
    assert listed.reply.splitlines() == [
        "Accountability records you may see (private: never posted to a channel)",
        "AR-1 · draft · about li · Acknowledge commitment missed on SQ-1",
        "    evidence: commitment missed at 2026-11-23 11:00 +08:00",
        "    drafted by the SLA watch at 2026-11-23 11:01 +08:00",
        'Decide on a draft: /account confirm AR-N "note" or /account dismiss AR-N "note".',
    ]
    assert say(transcript, "/account list").reply == listed.reply
    clock.advance(timedelta(minutes=30))
    done = say(transcript, '/account confirm AR-1 "Nobody covered the queue during the stand-up"')
    assert done.notifications == []
    assert done.reply.splitlines() == [
        "✅ AR-1 confirmed. It stays private to li, their managers and the quality team.",
        "AR-1 · confirmed · about li · Acknowledge commitment missed on SQ-1",
        "    evidence: commitment missed at 2026-11-23 11:00 +08:00",
        "    drafted by the SLA watch at 2026-11-23 11:01 +08:00",
        "    confirmed by zhao at 2026-11-23 11:31 +08:00: Nobody covered the queue during the stand-up",
    ]
    again = say(transcript, '/account dismiss AR-1 "Changed my mind"').reply
    assert "AR-1 has already been decided" in again
    # The subject sees their own record and its history; a lead and another department's manager see nothing.
    assert "    confirmed by zhao" in as_(transcript, "li", "/account").reply
    assert as_(transcript, "wang", "/account").reply == "There are no accountability records for you to see."
    assert as_(transcript, "chen", "/account").reply == "There are no accountability records for you to see."
    hidden = say(transcript, '/account dismiss AR-1 "Not fair"').reply
    assert "There is no accountability record AR-1 that you may see." in hidden


def test_the_subject_cannot_decide_and_a_note_is_required(
    transcript: Transcript, runtime: Runtime, clock: ManualClock
) -> None:
    _breached(transcript, runtime, clock)
    refused = as_(transcript, "li", '/account dismiss AR-1 "It was lunch time"').reply
    assert "Only the subject's managers or the quality team may decide on this record" in refused
    missing = as_(transcript, "zhao", "/account confirm AR-1").reply
    assert "Missing NOTE." in missing
    assert "draft" in say(transcript, "/account").reply.splitlines()[1]


def test_account_in_chinese(transcript: Transcript, runtime: Runtime, clock: ManualClock) -> None:
    _breached(transcript, runtime, clock)
    as_(transcript, "zhao", "/sq lang zh_CN")
    listed = say(transcript, "/account 列表").reply
    assert listed.splitlines() == [
        "你可以查看的问责记录（保密：绝不会发到频道）",
        "AR-1 · 草稿 · 当事人 li · SQ-1 的「受理」承诺未达成",
        "    依据：承诺于 2026-11-23 11:00 +08:00 未达成",
        "    由 SLA 监控于 2026-11-23 11:01 +08:00 起草",
        '处理草稿：/account confirm AR-N "备注" 或 /account dismiss AR-N "备注"。',
    ]
    done = say(transcript, '/account 驳回 AR-1 "排队传感器故障，不是个人原因"').reply
    assert done.splitlines()[0] == "✅ AR-1 已驳回。它仍保留在历史中并标记为已驳回，同样保密。"
    assert "    zhao 于 2026-11-23 11:01 +08:00 处理为「已驳回」：排队传感器故障，不是个人原因" in done
    for shown in (listed, done):
        assert has_cjk(shown)
        assert english_leaks(shown, allowed=("li", "zhao", "SLA", "AR")) == [], shown
        assert not any(sentence in shown for sentence in catalog("en").values() if len(sentence) > 12)


def test_every_account_reply_is_private(transcript: Transcript, runtime: Runtime, clock: ManualClock) -> None:
    """Replies are ephemeral to the viewer; nothing about a record is ever queued for anyone else."""
    _breached(transcript, runtime, clock)
    with runtime.db.transaction() as session:
        viewer = session.scalar(select(Person).where(Person.platform_user_id == "zhao"))
        assert viewer is not None
        records = accountability.list_for(session, viewer=viewer)
        assert records_list(records, org=runtime.org, t=Translator("en"), timezone="UTC").ephemeral
        assert records_list([], org=runtime.org, t=Translator("en"), timezone="UTC").ephemeral
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage))
    as_(transcript, "zhao", '/account confirm AR-1 "Checked"')
    with runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox
