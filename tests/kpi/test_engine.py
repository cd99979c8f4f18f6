"""KPI formulas against hand-computed fixtures, on SQLite and PostgreSQL (the `runtime` fixture).

Every figure below was worked out by hand from the scenario's instants (tests/kpi/scenario.py); the
expected JSON is one literal, so both databases must print exactly the same report.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.domain.kpi import Period, Slice, compute
from sqmsbot.runtime import Runtime
from tests.kpi.scenario import desk, many, one_day, utc

MONDAY = Period.day(date(2026, 11, 23), "Asia/Shanghai")
EVENING = utc("2026-11-23 10:00")  # 18:00 in Shanghai: the day is not over yet
TARGETS = {
    "fcr_rate": 0.8,
    "reopen_rate": 0.05,
    "csat": 0.9,
    "mtta_hours": 0.5,
    "mttr_hours": 8.0,
    "sla_attainment": 0.95,
}
NO_DURATIONS: dict[str, Any] = {"mean": None, "median": None, "p90": None, "n": 0}
# The scenario's desk works incidents without the organisation (tests/kpi/scenario.py): their business
# times are unknown, and no volume or feedback is recorded (tests/kpi/test_business_time.py, … do).
NOT_RECORDED: dict[str, Any] = {
    "mtta_hours_business": NO_DURATIONS,
    "mttr_hours_business": NO_DURATIONS,
    "error_rate": None,
    "csat": None,
}
NOTHING: dict[str, Any] = {
    "reported": 0,
    "resolved": 0,
    "mtta_hours": {"mean": None, "median": None, "p90": None, "n": 0},
    "mttr_hours": {"mean": None, "median": None, "p90": None, "n": 0},
    **NOT_RECORDED,
    "fcr_rate": None,
    "reopen_rate": None,
    "sla": {
        target: {"attainment": None, "achieved": 0, "breached": 0}
        for target in ("acknowledge", "first_response", "resolve")
    },
    "backlog": 0,
    "aged": 0,
}


def _period(first: str, last: str, tz: str = "Asia/Shanghai", kind: str = "day") -> dict[str, str]:
    span = Period.range(date.fromisoformat(first), date.fromisoformat(last), tz)
    return {
        "from": span.from_.isoformat(),
        "to": span.to.isoformat(),
        "first_day": first,
        "last_day": last,
        "timezone": tz,
        "kind": kind,
    }


# A: mtta 10m mttr 1h (fcr) · B: 20m, 2h · C: 40m, open · D: unacknowledged, open · E: 30m, 3h (reopened)
ONE_DAY: dict[str, Any] = {
    "period": _period("2026-11-23", "2026-11-23"),
    "slice": {},
    "reported": 5,
    "resolved": 3,  # A, B and E (whose last resolution, 04:00, counts)
    # 600, 1200, 1800, 2400 s: mean 1500 s; median (1200+1800)/2; p90 at rank 1 + 3·0.9 = 3.7
    "mtta_hours": {"mean": 0.42, "median": 0.42, "p90": 0.62, "n": 4},  # p90 1800 + 0.7·600 = 2220 s
    # 3600, 7200, 10800 s: median 7200; p90 at rank 1 + 2·0.9 = 2.8: 7200 + 0.8·3600 = 10080 s
    "mttr_hours": {"mean": 2.0, "median": 2.0, "p90": 2.8, "n": 3},
    **NOT_RECORDED,
    "fcr_rate": 0.3333,  # A of A, B, E
    "reopen_rate": 0.3333,  # E (resolved 01:30, reopened 02:00) of A, B, E
    "sla": {
        # due 01:15: A on time; B, C, E late; D never acknowledged and past due by the evening
        "acknowledge": {"attainment": 0.2, "achieved": 1, "breached": 4},
        # due 01:30: B (note 01:25) and E (resolved at 01:30 exactly) on time; A (02:00) late; C, D none
        "first_response": {"attainment": 0.4, "achieved": 2, "breached": 3},
        # due 05:00 (E's moved by its 30 resolved minutes): A, B, E on time; C, D past due
        "resolve": {"attainment": 0.6, "achieved": 3, "breached": 2},
    },
    "backlog": 2,  # C and D at 18:00 (the day still running: the backlog now)
    "aged": 2,  # both past their resolve due time (05:00 UTC)
    "previous": {"period": _period("2026-11-22", "2026-11-22"), **NOTHING},
    "targets": TARGETS,
}


def test_a_day_of_five_incidents_gives_the_hand_computed_report(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        one_day(desk(session, runtime.org))
    with runtime.db.transaction() as session:
        report = compute(session, period=MONDAY, slice=None, org=runtime.org, now=EVENING)
    assert report.as_json() == ONE_DAY


def test_an_empty_period_has_zeros_and_nulls_not_a_division_by_zero(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        report = compute(session, period=MONDAY, org=runtime.org, now=EVENING)
    expected = {key: value for key, value in ONE_DAY.items() if key in ("period", "slice", "previous")}
    assert report.as_json() == {**expected, **NOTHING, "targets": TARGETS}


def test_a_slice_counts_only_its_incidents(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        one_day(d)
        d.report(utc("2026-11-23 02:00"), priority="P3", service="billing")  # finance's, open
    with runtime.db.transaction() as session:
        it = compute(session, period=MONDAY, slice=Slice(department="it"), org=runtime.org, now=EVENING)
        finance = compute(
            session, period=MONDAY, slice=Slice(service="billing"), org=runtime.org, now=EVENING
        )
        p3 = compute(session, period=MONDAY, slice=Slice(priority="P3"), org=runtime.org, now=EVENING)
    assert it.as_json() == {**ONE_DAY, "slice": {"department": "it"}}
    assert (finance.current.reported, finance.current.backlog, finance.current.mtta.n) == (1, 1, 0)
    assert p3.current.reported == 1


def test_median_and_p90_of_an_even_and_an_odd_count(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        start = utc("2026-11-23 01:00")
        for hours in (1, 2, 4, 8, 16):  # resolved 1, 2, 4, 8 and 16 hours after the report
            d.resolve(d.report(start), start + timedelta(hours=hours))
    week = Period.week(date(2026, 11, 23), "Asia/Shanghai")
    with runtime.db.transaction() as session:
        odd = compute(session, period=week, org=runtime.org, now=utc("2026-12-01 00:00")).current.mttr
    # n = 5: median the 3rd (4 h); p90 at rank 1 + 4·0.9 = 4.6: 8 + 0.6·(16 − 8) = 12.8 h
    assert (odd.n, odd.median, odd.p90, odd.mean) == (5, 4 * 3600.0, 12.8 * 3600, 6.2 * 3600)
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        d.resolve(d.report(start), start + timedelta(hours=32))
    with runtime.db.transaction() as session:
        even = compute(session, period=week, org=runtime.org, now=utc("2026-12-01 00:00")).current.mttr
    # n = 6: median (4 + 8) / 2 = 6 h; p90 at rank 1 + 5·0.9 = 5.5: 16 + 0.5·(32 − 16) = 24 h
    assert (even.n, even.median, even.p90) == (6, 6 * 3600.0, 24 * 3600.0)


def test_a_reopen_chain_counts_its_last_resolution_and_its_state_on_each_day(runtime: Runtime) -> None:
    """Reported and resolved Monday, reopened Wednesday, resolved again Thursday (Shanghai days)."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        incident = d.report(utc("2026-11-23 02:00"), priority="P3")
        d.resolve(incident, utc("2026-11-23 03:00"))
        d.reopen(incident, utc("2026-11-25 03:00"))
        d.resolve(incident, utc("2026-11-26 03:00"))
    later = utc("2026-12-01 00:00")

    def day(n: int) -> Any:
        with runtime.db.transaction() as session:
            period = Period.day(date(2026, 11, 23) + timedelta(days=n), "Asia/Shanghai")
            return compute(session, period=period, org=runtime.org, now=later).current

    monday, tuesday, wednesday, thursday = (day(n) for n in range(4))
    assert (monday.reported, monday.resolved, monday.backlog) == (1, 0, 0)  # its last resolution is Thursday
    assert (monday.resolutions, monday.reopened, monday.reopen_rate) == (1, 1, 1.0)  # Monday's did not hold
    assert tuesday.backlog == 0  # resolved at the end of Tuesday: the timeline, not today's row, says so
    assert wednesday.backlog == 1  # reopened on Wednesday
    assert (thursday.resolved, thursday.reopen_rate, thursday.backlog) == (1, 0.0, 0)
    assert thursday.mttr.mean == 3 * 24 * 3600.0 + 3600  # from the report to the last resolution


def test_a_day_crossing_the_end_of_summer_time_has_25_hours(runtime: Runtime, tmp_path: Path) -> None:
    """Berlin, Sunday 2026-10-25: 00:00 CEST is 22:00 UTC the day before, 24:00 CET is 23:00 UTC."""
    berlin = tmp_path / "berlin.toml"
    berlin.write_text(EXAMPLE_ORG_FILE.read_text(encoding="utf-8").replace("Asia/Shanghai", "Europe/Berlin"))
    org = load_org_config(berlin)
    with runtime.db.transaction() as session:
        d = desk(session, org)
        d.report(utc("2026-10-24 21:30"))  # 23:30 CEST on Saturday
        d.report(utc("2026-10-24 22:30"))  # 00:30 CEST on Sunday
        d.report(utc("2026-10-25 22:30"))  # 23:30 CET on Sunday: outside a 24-hour day
        d.report(utc("2026-10-25 23:30"))  # 00:30 CET on Monday
    sunday = Period.day(date(2026, 10, 25), "Europe/Berlin")
    with runtime.db.transaction() as session:
        report = compute(session, period=sunday, org=org, now=utc("2026-11-01 00:00"))
    assert (report.current.reported, report.previous.reported) == (2, 1)
    assert report.current.backlog == 3  # the three reported before Sunday ended
    assert report.as_json()["period"]["to"] == "2026-10-25T23:00:00+00:00"


def _statements(runtime: Runtime, count: int) -> int:
    with runtime.db.transaction() as session:
        many(desk(session, runtime.org), count, utc("2026-11-23 01:00"))
    seen: list[str] = []

    def count_it(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(runtime.db.engine, "before_cursor_execute", count_it)
    try:
        with runtime.db.transaction() as session:
            report = compute(session, period=MONDAY, org=runtime.org, now=EVENING)
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", count_it)
    assert report.current.reported == count
    return len([sql for sql in seen if sql.lstrip().upper().startswith(("SELECT", "WITH"))])


def test_the_number_of_statements_does_not_grow_with_the_incidents(runtime: Runtime) -> None:
    small = _statements(runtime, 3)
    with runtime.db.engine.begin() as conn:  # start again with ten times as many
        for table in ("incident_target_moves", "incident_targets", "incident_events", "incidents", "people"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    large = _statements(runtime, 30)
    assert small == large == 8  # four aggregate statements per period, this one and the previous
