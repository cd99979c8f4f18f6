"""CSAT: the share of scores 4–5 and the mean score, over the responses given in the period to
incidents of the slice; a response given again replaces the first and counts once, in the period it
was last given. Hand-computed, on SQLite and PostgreSQL; and the report's statement count."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event

from sqmsbot.domain import incidents
from sqmsbot.domain.kpi import Period, Slice, compute
from sqmsbot.domain.kpi.feedback import rate
from sqmsbot.domain.kpi.volumes import record
from sqmsbot.models import Incident
from sqmsbot.runtime import Runtime
from tests.kpi.scenario import Desk, desk, utc

WEEK = Period.week(date(2026, 11, 23), "Asia/Shanghai")
MONDAY = Period.day(date(2026, 11, 23), "Asia/Shanghai")
TUESDAY = Period.day(date(2026, 11, 24), "Asia/Shanghai")
LATER = utc("2026-12-10 00:00")


def _resolved(d: Desk, service: str = "app", priority: str = "P3") -> Incident:
    incident = d.report(utc("2026-11-23 01:00"), priority=priority, service=service)
    responder = d.people["dev"] if service == "app" else d.people.get("fin") or d.person("fin", "finance")
    incidents.resolve(d.session, incident=incident, actor=responder, now=utc("2026-11-23 01:30"), note="Done")
    return incident


def _rate(d: Desk, incident: Incident, score: int, at: datetime) -> None:
    rate(d.session, incident=incident, actor=d.people["rep"], score=score, comment=None, now=at)


def feedback_of_a_week(d: Desk) -> None:
    """Monday 10:00 Shanghai (02:00 UTC) and Tuesday 10:00, all by the reporter:

    X (IT, P3): 5 on Monday;
    Y (IT, P3): 3 on Monday, then 4 on Tuesday — one response, on Tuesday;
    Z (IT, P2): 1 on Tuesday;
    W (Finance's billing): 5 on Tuesday.
    """
    x, y, z, w = _resolved(d), _resolved(d), _resolved(d, priority="P2"), _resolved(d, service="billing")
    _rate(d, x, 5, utc("2026-11-23 02:00"))
    _rate(d, y, 3, utc("2026-11-23 02:00"))
    _rate(d, y, 4, utc("2026-11-24 02:00"))
    _rate(d, z, 1, utc("2026-11-24 02:00"))
    _rate(d, w, 5, utc("2026-11-24 02:00"))


def _csat(runtime: Runtime, period: Period, cut: Slice | None = None) -> tuple[Any, Any]:
    with runtime.db.transaction() as session:
        data = compute(session, period=period, slice=cut, org=runtime.org, now=LATER).as_json()
    return data["csat"], data["previous"]["csat"]


def test_share_and_mean_of_the_responses_given_in_the_period(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        feedback_of_a_week(desk(session, runtime.org))
    # IT: 5, 4, 1 — two of three satisfied, mean 10 / 3
    assert _csat(runtime, WEEK, Slice(department="it")) == ({"share": 0.6667, "mean": 3.33, "n": 3}, None)
    # everyone: 5, 4, 1, 5 — three of four, mean 15 / 4
    assert _csat(runtime, WEEK)[0] == {"share": 0.75, "mean": 3.75, "n": 4}
    # Monday keeps X's 5 only (Y's 3 was replaced on Tuesday); Tuesday has Y's 4 and Z's 1
    assert _csat(runtime, MONDAY, Slice(department="it")) == ({"share": 1.0, "mean": 5.0, "n": 1}, None)
    assert _csat(runtime, TUESDAY, Slice(department="it")) == (
        {"share": 0.5, "mean": 2.5, "n": 2},
        {"share": 1.0, "mean": 5.0, "n": 1},
    )
    assert _csat(runtime, WEEK, Slice(priority="P2"))[0] == {"share": 0.0, "mean": 1.0, "n": 1}
    assert _csat(runtime, WEEK, Slice(service="billing"))[0] == {"share": 1.0, "mean": 5.0, "n": 1}


def test_no_response_no_csat(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        feedback_of_a_week(desk(session, runtime.org))
    following = Period.week(date(2026, 11, 30), "Asia/Shanghai")  # the week before it is this one
    assert _csat(runtime, following) == (None, {"share": 0.75, "mean": 3.75, "n": 4})
    assert _csat(runtime, Period.week(date(2026, 11, 16), "Asia/Shanghai")) == (None, None)
    assert _csat(runtime, WEEK, Slice(department="ops")) == (None, None)


def test_the_report_still_takes_eight_statements(runtime: Runtime) -> None:
    """Volumes and feedback are scalar subqueries of the counts, business time shares the durations'
    statements: however many rows of each, four statements a period."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        feedback_of_a_week(d)
        for day in (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)):
            record(session, org=d.org, actor=None, service="app", day=day, volume=100, errors=None, now=LATER)
    seen: list[str] = []

    def count_it(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(runtime.db.engine, "before_cursor_execute", count_it)
    try:
        with runtime.db.transaction() as session:
            report = compute(session, period=WEEK, slice=Slice(department="it"), org=runtime.org, now=LATER)
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", count_it)
    assert report.current.responses == 3 and report.current.volume == 300
    assert len([sql for sql in seen if sql.lstrip().upper().startswith(("SELECT", "WITH"))]) == 8
