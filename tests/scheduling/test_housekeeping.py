"""Housekeeping forgets what no longer needs remembering, and nothing that still matters."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import jobs
from sqmsbot.blobs import attach
from sqmsbot.inbound.store import queue_store
from sqmsbot.models import Blob, InboundRequest, JobRun, MessageBlob, OutboxMessage, ProcessedRequest
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import run_due
from tests.conftest import START


def _outbox(key: str, status: str, age: timedelta) -> OutboxMessage:
    at = START - age
    return OutboxMessage(
        dedupe_key=key,
        platform="console",
        target_kind="channel",
        target="#ops",
        payload={"text": key},
        status=status,
        attempts=1,
        next_attempt_at=at,
        created_at=at,
        sent_at=at if status == "sent" else None,
    )


def _run(key: str, status: str, age: timedelta) -> JobRun:
    at = START - age
    return JobRun(
        job="old", period_key=key, scheduled_at=at, claimed_at=at, claimed_by="h:1:u", status=status
    )


def test_housekeeping_purges_old_requests_sent_messages_and_periods(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        session.add_all(
            [
                ProcessedRequest(key="3 days", created_at=START - timedelta(days=3), reply={}),
                ProcessedRequest(key="1 day", created_at=START - timedelta(days=1), reply={}),
                _outbox("sent 40 days ago", "sent", timedelta(days=40)),
                _outbox("sent 10 days ago", "sent", timedelta(days=10)),
                _outbox("dead 40 days ago", "dead", timedelta(days=40)),  # kept: someone should look at it
                _outbox("pending 40 days", "pending", timedelta(days=40)),  # kept: still to be delivered
                _run("old/finished", "finished", timedelta(days=40)),
                _run("old/failed", "failed", timedelta(days=40)),
                _run("old/recent", "finished", timedelta(days=5)),
            ]
        )
    only_housekeeping = {"housekeeping": jobs.registry()["housekeeping"]}
    outcomes = run_due(runtime, START, START + timedelta(hours=1), registry=only_housekeeping)
    assert [(o.due.period_key, o.status) for o in outcomes] == [("housekeeping/2026-11-23T09:07", "finished")]
    with runtime.db.transaction() as session:
        assert session.scalars(select(ProcessedRequest.key)).all() == ["1 day"]
        assert sorted(session.scalars(select(OutboxMessage.dedupe_key))) == [
            "dead 40 days ago",
            "pending 40 days",
            "sent 10 days ago",
        ]
        assert sorted(session.scalars(select(JobRun.period_key))) == [
            "housekeeping/2026-11-23T09:07",
            "old/recent",
        ]


def test_housekeeping_purges_worked_inbound_requests_but_keeps_waiting_ones(runtime: Runtime) -> None:
    """The Slack inbound queue (a sibling file on SQLite) must not grow forever, nor lose queued work."""
    store = queue_store(runtime.db)

    def request(key: str, status: str, age: timedelta) -> InboundRequest:
        at = START - age
        return InboundRequest(
            platform="slack", request_key=key, kind="slash", payload={}, status=status,
            attempts=1, next_attempt_at=at, created_at=at,
        )  # fmt: skip

    with store.transaction() as session:
        session.add_all(
            [
                request("done 3 days ago", "done", timedelta(days=3)),
                request("dead 3 days ago", "dead", timedelta(days=3)),
                request("done 1 hour ago", "done", timedelta(hours=1)),
                request("pending 3 days", "pending", timedelta(days=3)),  # still to be worked: kept
            ]
        )
    only_housekeeping = {"housekeeping": jobs.registry()["housekeeping"]}
    run_due(runtime, START, START + timedelta(hours=1), registry=only_housekeeping)
    with store.transaction() as session:
        kept = sorted(session.scalars(select(InboundRequest.request_key)))
    assert kept == ["done 1 hour ago", "pending 3 days"]


def test_housekeeping_purges_files_no_message_shows_after_two_days(runtime: Runtime) -> None:
    """A file goes once no outbox row shows it and it was last attached over 2 days ago; a file a row
    still shows stays however old, and a fresh one stays (a command's reply may be showing it)."""

    def stored(label: str, age: timedelta) -> str:
        return attach(session, data=label.encode(), content_type="text/plain", now=START - age)

    with runtime.db.transaction() as session:
        stored("old, shown by nothing", timedelta(days=3))
        fresh = stored("fresh, shown by nothing", timedelta(hours=5))
        shown = stored("old, shown by a pending row", timedelta(days=40))
        gone_with_row = stored("old, shown by a row purged now", timedelta(days=40))
        pending = _outbox("pending 40 days", "pending", timedelta(days=40))
        sent_long_ago = _outbox("sent 40 days ago", "sent", timedelta(days=40))
        session.add_all([pending, sent_long_ago])
        session.flush()
        session.add_all(
            [
                MessageBlob(outbox_id=pending.id, blob=shown),
                MessageBlob(outbox_id=sent_long_ago.id, blob=gone_with_row),
            ]
        )
    only_housekeeping = {"housekeeping": jobs.registry()["housekeeping"]}
    run_due(runtime, START, START + timedelta(hours=1), registry=only_housekeeping)
    with runtime.db.transaction() as session:
        assert set(session.scalars(select(Blob.sha256))) == {fresh, shown}
        assert set(session.scalars(select(MessageBlob.blob))) == {shown}  # the purged row's went with it
