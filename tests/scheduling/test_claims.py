"""Claims on job periods: one winner, finished is final, a dead holder's claim is taken over after
its lease (and not before), and an overtaken holder's work never commits. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sqmsbot.models import JobRun, ProcessedRequest
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import Claim, LostClaim, claim, fail, finish
from tests.conftest import START

LEASE = timedelta(minutes=5)
PERIOD = "report/2026-11-23T09:00"


def _claim(runtime: Runtime, *, after: timedelta = timedelta(0), retry_failed: bool = False) -> Claim | None:
    return claim(
        runtime.db,
        job="report",
        period_key=PERIOD,
        scheduled_at=START,
        now=START + after,
        lease=LEASE,
        retry_failed=retry_failed,
    )


def _row(runtime: Runtime) -> JobRun:
    with runtime.db.transaction() as session:
        return session.scalars(select(JobRun)).one()


def test_of_two_claims_on_one_period_one_wins(runtime: Runtime) -> None:
    first = _claim(runtime)
    assert first is not None and not first.taken_over
    assert _claim(runtime) is None
    row = _row(runtime)
    assert (row.status, row.claimed_by, row.lease_until) == ("running", first.token, START + LEASE)
    assert row.claimed_by.count(":") == 2  # host:pid:uuid, for the operator looking at it


def test_of_many_threads_claiming_at_once_exactly_one_wins(runtime: Runtime) -> None:
    won: list[Claim] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait()
        held = _claim(runtime)
        if held is not None:
            won.append(held)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    with runtime.db.transaction() as session:
        assert session.scalar(select(func.count(JobRun.id))) == 1


def test_a_finished_period_is_never_claimed_again(runtime: Runtime) -> None:
    held = _claim(runtime)
    assert held is not None
    with runtime.db.transaction() as session:
        finish(session, held, now=START + timedelta(seconds=3))
    assert _row(runtime).status == "finished"
    assert _claim(runtime, after=timedelta(days=3)) is None
    assert _claim(runtime, after=timedelta(days=3), retry_failed=True) is None


def test_a_dead_holders_claim_is_taken_over_after_the_lease_and_not_before(runtime: Runtime) -> None:
    dead = _claim(runtime)
    assert dead is not None
    assert _claim(runtime, after=LEASE - timedelta(seconds=1)) is None
    assert _claim(runtime, after=LEASE) is None  # the lease runs out strictly after lease_until
    heir = _claim(runtime, after=LEASE + timedelta(seconds=1))
    assert heir is not None and heir.taken_over and heir.attempt == 2
    assert _claim(runtime, after=LEASE + timedelta(seconds=2)) is None  # the heir's lease is fresh
    assert _row(runtime).claimed_by == heir.token


def test_an_overtaken_holders_work_rolls_back_and_the_heirs_commits(runtime: Runtime) -> None:
    slow = _claim(runtime)
    heir = _claim(runtime, after=LEASE + timedelta(minutes=1))
    assert slow is not None and heir is not None
    with pytest.raises(LostClaim), runtime.db.transaction() as session:
        session.add(ProcessedRequest(key="slow", created_at=START, reply={}))
        finish(session, slow, now=START + LEASE * 2)
    with runtime.db.transaction() as session:
        session.add(ProcessedRequest(key="heir", created_at=START, reply={}))
        finish(session, heir, now=START + LEASE * 2)
    with runtime.db.transaction() as session:
        assert session.scalars(select(ProcessedRequest.key)).all() == ["heir"]
    assert _row(runtime).status == "finished"


def test_a_failed_period_keeps_its_error_and_is_retried_only_on_request(runtime: Runtime) -> None:
    held = _claim(runtime)
    assert held is not None
    fail(runtime.db, held, now=START + timedelta(seconds=1), error="ValueError: no data")
    row = _row(runtime)
    assert (row.status, row.error) == ("failed", "ValueError: no data")
    assert _claim(runtime, after=timedelta(hours=1)) is None
    again = _claim(runtime, after=timedelta(hours=1), retry_failed=True)
    assert again is not None and again.attempt == 2
    row = _row(runtime)
    assert (row.status, row.error) == ("running", None)
