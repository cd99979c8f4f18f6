"""Business time to acknowledge and resolve: written as incidents are worked, aggregated in SQL.

The example organisation's P2–P4 commitments count in `cn-business` (Asia/Shanghai, Monday to Friday
09:00–12:00 and 13:00–18:00, China's holidays and makeup working days), P1's in a 24×7 calendar.
Every figure below was worked out by hand on that calendar; the JSON literals must come out the same
on SQLite and PostgreSQL (the `runtime` fixture runs each test on both).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sqmsbot.config import EXAMPLE_ORG_FILE, OrgConfig, load_org_config
from sqmsbot.domain import incidents
from sqmsbot.domain.kpi import Period, Slice, compute
from sqmsbot.domain.kpi.business import backfill
from sqmsbot.models import Incident
from sqmsbot.runtime import Runtime
from tests.kpi.scenario import Desk, desk, utc

WEEK = Period.week(date(2026, 11, 23), "Asia/Shanghai")  # Monday 23 to Sunday 29 November
LATER = utc("2026-12-10 00:00")


def _ack(d: Desk, incident: Incident, at: datetime, org: OrgConfig | None) -> None:
    incidents.acknowledge(d.session, incident=incident, actor=d.people["dev"], now=at, org=org)


def _resolve(d: Desk, incident: Incident, at: datetime, org: OrgConfig | None) -> None:
    incidents.resolve(d.session, incident=incident, actor=d.people["dev"], now=at, note="Fixed", org=org)


def three_in_a_week(d: Desk, org: OrgConfig | None) -> list[Incident]:
    """Three P3 incidents of the `app` service (IT), times in Shanghai (UTC+8):

    A: reported Mon 17:30, acknowledged Tue 09:15, resolved Tue 14:00 — overnight, and a lunch hour:
       business 30m + 15m = 2700 s to acknowledge; 30m + 3h + 1h = 16 200 s to resolve
       (wall clock 15 h 45 m = 56 700 s and 20 h 30 m = 73 800 s);
    B: reported Fri 27th 16:00, acknowledged Mon 30th 10:00, resolved Mon 15:30 — a weekend:
       2h + 1h = 10 800 s; 2h + 3h + 2h 30m = 27 000 s (wall 66 h = 237 600 s; resolved next week);
    C: reported Tue 12:10, acknowledged 12:50, resolved 13:30 — inside the lunch hour:
       0 s to acknowledge; 30 m = 1800 s to resolve (wall 40 m = 2400 s and 80 m = 4800 s).
    """
    a = d.report(utc("2026-11-23 09:30"), priority="P3")
    b = d.report(utc("2026-11-27 08:00"), priority="P3")
    c = d.report(utc("2026-11-24 04:10"), priority="P3")
    _ack(d, a, utc("2026-11-24 01:15"), org)
    _resolve(d, a, utc("2026-11-24 06:00"), org)
    _ack(d, c, utc("2026-11-24 04:50"), org)
    _resolve(d, c, utc("2026-11-24 05:30"), org)
    _ack(d, b, utc("2026-11-30 02:00"), org)
    _resolve(d, b, utc("2026-11-30 07:30"), org)
    return [a, b, c]


# Acknowledged (reported this week): 0, 2700, 10 800 s — mean 4500 s; median 2700; p90 at rank
# 1 + 2·0.9 = 2.8: 2700 + 0.8·8100 = 9180 s. Resolved this week: A and C, 1800 and 16 200 s — mean and
# median 9000 s; p90 at rank 1.9: 1800 + 0.9·14 400 = 14 760 s.
BUSINESS = {
    "mtta_hours_business": {"mean": 1.25, "median": 0.75, "p90": 2.55, "n": 3},
    "mttr_hours_business": {"mean": 2.5, "median": 2.5, "p90": 4.1, "n": 2},
}
# Wall clock, for contrast: 2400, 56 700, 237 600 s (mean 98 900 s; p90 56 700 + 0.8·180 900 = 201 420 s)
# and 4800, 73 800 s (mean 39 300 s; p90 4800 + 0.9·69 000 = 66 900 s).
WALL = {
    "mtta_hours": {"mean": 27.47, "median": 15.75, "p90": 55.95, "n": 3},
    "mttr_hours": {"mean": 10.92, "median": 10.92, "p90": 18.58, "n": 2},
}
NO_DURATIONS = {"mean": None, "median": None, "p90": None, "n": 0}


def _durations(report: Any) -> dict[str, Any]:
    data = report.as_json()
    keys = ("mtta_hours", "mtta_hours_business", "mttr_hours", "mttr_hours_business")
    return {key: data[key] for key in keys}


def test_business_time_across_a_night_a_lunch_hour_and_a_weekend(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        a, b, c = three_in_a_week(desk(session, runtime.org), runtime.org)
        seconds = [(i.ack_business_seconds, i.resolve_business_seconds) for i in (a, b, c)]
    assert seconds == [(2700, 16200), (10800, 27000), (0, 1800)]
    with runtime.db.transaction() as session:
        report = compute(session, period=WEEK, slice=Slice(department="it"), org=runtime.org, now=LATER)
    assert _durations(report) == WALL | BUSINESS
    previous = report.as_json()["previous"]
    assert (previous["mtta_hours_business"], previous["mttr_hours_business"]) == (NO_DURATIONS, NO_DURATIONS)
    next_week = Period.week(date(2026, 11, 30), "Asia/Shanghai")
    with runtime.db.transaction() as session:  # B's resolution falls in the next week, alone
        following = compute(session, period=next_week, org=runtime.org, now=LATER)
    assert following.as_json()["mttr_hours_business"] == {"mean": 7.5, "median": 7.5, "p90": 7.5, "n": 1}


def test_a_public_holiday_and_a_makeup_working_saturday(runtime: Runtime) -> None:
    """National Day 2026: 1–7 October are off (the 4th a Sunday), Saturday 10 October is a working day.

    D: reported Wed 30 Sep 17:00, resolved Thu 8 Oct 10:00 — 1 h + 1 h = 7200 s (wall: 7 days 17 h).
    E: reported Fri 9 Oct 17:00, acknowledged Sat 10 Oct 10:00 — 1 h + 1 h (a working Saturday).
    """
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        holiday = d.report(utc("2026-09-30 09:00"), priority="P3")
        _resolve(d, holiday, utc("2026-10-08 02:00"), runtime.org)
        makeup = d.report(utc("2026-10-09 09:00"), priority="P4")
        _ack(d, makeup, utc("2026-10-10 02:00"), runtime.org)
        assert (holiday.ack_business_seconds, holiday.resolve_business_seconds) == (7200, 7200)
        assert (makeup.ack_business_seconds, makeup.resolve_business_seconds) == (7200, None)
    october = Period.month(date(2026, 10, 1), "Asia/Shanghai")
    with runtime.db.transaction() as session:
        report = compute(session, period=october, org=runtime.org, now=LATER).as_json()
    # resolved in October: D (2 h business, 185 h wall); reported in October and acknowledged: E
    assert report["mttr_hours_business"] == {"mean": 2.0, "median": 2.0, "p90": 2.0, "n": 1}
    assert report["mttr_hours"]["mean"] == 185.0
    assert report["mtta_hours_business"] == {"mean": 2.0, "median": 2.0, "p90": 2.0, "n": 1}


def test_a_24x7_commitment_counts_wall_clock_time(runtime: Runtime) -> None:
    """P1 counts round the clock: 09:00 to 09:10 on a Saturday is ten minutes."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        p1 = d.report(utc("2026-11-28 01:00"), priority="P1")
        _ack(d, p1, utc("2026-11-28 01:10"), runtime.org)
        _resolve(d, p1, utc("2026-11-28 03:00"), runtime.org)
        assert (p1.ack_business_seconds, p1.resolve_business_seconds) == (600, 7200)


def test_a_reopen_then_a_new_resolution_rewrites_the_business_time(runtime: Runtime) -> None:
    """Reported Mon 10:00, resolved 11:00 (1 h), reopened Tue 10:00, resolved again Tue 11:00:
    Mon 10–12 and 13–18, Tue 9–11 = 9 h = 32 400 s, counted from the report to the last resolution."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        incident = d.report(utc("2026-11-23 02:00"), priority="P3")
        _resolve(d, incident, utc("2026-11-23 03:00"), runtime.org)
        assert incident.resolve_business_seconds == 3600
        incident_id = incident.id
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        incident = incidents.get(session, number=incident_id)
        d.reopen(incident, utc("2026-11-24 02:00"))
        assert incident.resolve_business_seconds is None  # no resolution now
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        incident = incidents.get(session, number=incident_id)
        _resolve(d, incident, utc("2026-11-24 03:00"), runtime.org)
        assert (incident.ack_business_seconds, incident.resolve_business_seconds) == (3600, 32400)
    with runtime.db.transaction() as session:
        monday, tuesday = (
            compute(
                session, period=Period.day(date(2026, 11, day), "Asia/Shanghai"), org=runtime.org, now=LATER
            )
            for day in (23, 24)
        )
    assert monday.current.mttr_business.n == 0  # its last resolution is Tuesday's
    assert tuesday.current.mttr_business.mean == 32400.0


def test_backfill_fills_in_incidents_worked_without_the_calendar_and_runs_once(runtime: Runtime) -> None:
    """Worked through the domain without the organisation (as imported tickets and old rows are), the
    incidents have no business time and the figures leave them out; the backfill then gives exactly
    what working them with it gave, and a second run writes nothing."""
    unknown = {"mtta_hours_business": NO_DURATIONS, "mttr_hours_business": NO_DURATIONS}
    with runtime.db.transaction() as session:
        three_in_a_week(desk(session, runtime.org), None)
    with runtime.db.transaction() as session:
        before = compute(session, period=WEEK, slice=Slice(department="it"), org=runtime.org, now=LATER)
        versions = session.execute(select(Incident.id, Incident.version).order_by(Incident.id)).all()
    assert _durations(before) == WALL | unknown
    with runtime.db.transaction() as session:
        assert backfill(session, org=runtime.org, batch=2) == 3  # two batches
    with runtime.db.transaction() as session:
        assert backfill(session, org=runtime.org) == 0
        after = compute(session, period=WEEK, slice=Slice(department="it"), org=runtime.org, now=LATER)
        # nothing a person decided on moved: a command that read an incident before still commits
        assert session.execute(select(Incident.id, Incident.version).order_by(Incident.id)).all() == versions
    assert _durations(after) == WALL | BUSINESS


def test_without_commitments_business_time_is_wall_clock_time(runtime: Runtime, tmp_path: Path) -> None:
    """An organisation with no [sla] section has no business calendar: the figures equal the clock's."""
    text = EXAMPLE_ORG_FILE.read_text(encoding="utf-8")
    bare = tmp_path / "no-sla.toml"
    bare.write_text(text[: text.index("[sla.calendars")], encoding="utf-8")
    org = load_org_config(bare)
    with runtime.db.transaction() as session:
        a, b, c = three_in_a_week(desk(session, org), org)
        seconds = [(i.ack_business_seconds, i.resolve_business_seconds) for i in (a, b, c)]
    assert seconds == [(56700, 73800), (237600, 257400), (2400, 4800)]
    with runtime.db.transaction() as session:
        report = compute(session, period=WEEK, slice=Slice(department="it"), org=org, now=LATER)
    data = _durations(report)
    assert data["mtta_hours_business"] == data["mtta_hours"] == WALL["mtta_hours"]
    assert data["mttr_hours_business"] == data["mttr_hours"] == WALL["mttr_hours"]
