"""The error rate: errors ÷ volume over the service days with a recorded volume (DESIGN §8).

A day's errors are its recorded count, else the incidents reported against the service in that local
day (Asia/Shanghai here), duplicates left out. Hand-computed on SQLite and PostgreSQL; and the CSV
import with its row-level report, run as an operator runs it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.db import Database
from sqmsbot.domain import incidents
from sqmsbot.domain.kpi import Period, Slice, compute
from sqmsbot.domain.kpi.volumes import parse_count, record
from sqmsbot.errors import UsageError
from sqmsbot.models import Person
from sqmsbot.runtime import Runtime
from tests.kpi.scenario import Desk, desk, utc
from tests.test_cli import sqmsbot

WEEK = Period.week(date(2026, 11, 23), "Asia/Shanghai")
LATER = utc("2026-12-10 00:00")


RECORDED = utc("2026-12-01 00:00")


def _lead(d: Desk) -> Person:
    lead = d.person("lead", "it")
    lead.role = "lead"
    return lead


def _record(d: Desk, service: str, day: date, volume: int, errors: int | None, by: Person | None) -> Any:
    return record(
        d.session, org=d.org, actor=by, service=service, day=day, volume=volume, errors=errors, now=RECORDED
    )


def a_week_of_volumes(d: Desk) -> None:
    """IT's `app` service and Finance's `billing`, in Shanghai local days:

    Mon 23: app 1000 deliveries, 15 errors counted (the incident reported that day does not count);
    Tue 24: app 500, errors not counted: the incidents reported against app on Tuesday count — one at
            00:30 and one at 23:50 local (16:30 and 15:50 UTC), not the duplicate, not Wednesday's 00:10;
    Wed 25: no volume: its incidents count in neither;
    Mon 23: billing 200, 1 error (finance's).
    """
    lead = _lead(d)
    _record(d, "app", date(2026, 11, 23), 1000, 15, by=lead)
    _record(d, "app", date(2026, 11, 24), 500, None, by=lead)
    _record(d, "billing", date(2026, 11, 23), 200, 1, by=None)
    d.report(utc("2026-11-23 03:00"), priority="P3")  # Monday: its count was recorded
    first = d.report(utc("2026-11-23 16:30"), priority="P3")  # Tuesday 00:30
    d.report(utc("2026-11-24 15:50"), priority="P3")  # Tuesday 23:50
    repeat = d.report(utc("2026-11-24 02:00"), priority="P3")  # Tuesday, a repeat report
    incidents.mark_duplicate(
        d.session, incident=repeat, original=first, actor=d.people["dev"], now=utc("2026-11-24 03:00")
    )
    d.report(utc("2026-11-24 16:10"), priority="P3")  # Wednesday 00:10: no volume that day
    d.report(utc("2026-11-22 15:00"), priority="P3")  # Sunday 23:00 before: not Tuesday


def _rate(runtime: Runtime, period: Period, cut: Slice | None = None) -> Any:
    with runtime.db.transaction() as session:
        return compute(session, period=period, slice=cut, org=runtime.org, now=LATER).as_json()


def test_the_error_rate_with_and_without_recorded_errors(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        a_week_of_volumes(desk(session, runtime.org))
    it = _rate(runtime, WEEK, Slice(department="it"))
    # 15 counted on Monday + 2 incidents on Tuesday, of 1000 + 500: 17 / 1500 = 0.011333…
    assert it["error_rate"] == {"rate": 0.0113, "errors": 17, "volume": 1500}
    assert it["previous"]["error_rate"] is None  # no volume recorded the week before
    # the organisation: billing's 200 and 1 too: 18 / 1700 = 0.010588…
    assert _rate(runtime, WEEK)["error_rate"] == {"rate": 0.0106, "errors": 18, "volume": 1700}
    assert _rate(runtime, WEEK, Slice(service="billing"))["error_rate"] == {
        "rate": 0.005,
        "errors": 1,
        "volume": 200,
    }
    tuesday = _rate(runtime, Period.day(date(2026, 11, 24), "Asia/Shanghai"), Slice(department="it"))
    assert tuesday["error_rate"] == {"rate": 0.004, "errors": 2, "volume": 500}
    assert tuesday["previous"]["error_rate"] == {"rate": 0.015, "errors": 15, "volume": 1000}


def test_no_volume_no_error_rate(runtime: Runtime) -> None:
    """Incidents alone make no error rate; nor does a slice volumes are not recorded by."""
    with runtime.db.transaction() as session:
        a_week_of_volumes(desk(session, runtime.org))
    assert _rate(runtime, Period.day(date(2026, 11, 25), "Asia/Shanghai"))["error_rate"] is None
    assert _rate(runtime, WEEK, Slice(department="ops"))["error_rate"] is None
    assert _rate(runtime, WEEK, Slice(priority="P3"))["error_rate"] is None
    assert _rate(runtime, Period.week(date(2026, 11, 16), "Asia/Shanghai"))["error_rate"] is None


def test_a_day_recorded_again_replaces_it_and_zero_is_a_count(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        lead, day = _lead(d), date(2026, 11, 23)
        first = _record(d, "app", day, 1000, 15, by=lead)
        again = _record(d, "app", day, 1200, 0, by=lead)
        same = _record(d, "app", day, 1200, 0, by=lead)
    assert (first.before, again.before, same.changed) == (None, (1000, 15), False)
    monday = Period.day(date(2026, 11, 23), "Asia/Shanghai")
    assert _rate(runtime, monday)["error_rate"] == {"rate": 0.0, "errors": 0, "volume": 1200}
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        _record(d, "app", day, 0, None, by=None)
    assert _rate(runtime, monday)["error_rate"] == {"rate": None, "errors": 0, "volume": 0}


@pytest.mark.parametrize(
    ("text", "value"),
    [("1250", 1250), ("1,250", 1250), ("１２５０", 1250), ("0", 0), ("1_000_000_000", 10**9)],
)
def test_counts_people_write(text: str, value: int) -> None:
    assert parse_count(text, field="volume") == value


@pytest.mark.parametrize(
    "text", ["-5", "1.5", "12,50", "1000000001", "9" * 300, "😀", "一千", "", "1e3", "٣"]
)
def test_counts_refused(text: str) -> None:
    with pytest.raises(UsageError):
        parse_count(text, field="volume")


@pytest.fixture
def store(db_url: str) -> str:
    """A migrated, empty store (SQLite and PostgreSQL) for the `sqmsbot` command to work on."""
    return db_url


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "volumes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_import_reports_each_refused_row_and_imports_the_rest_once(tmp_path: Path, store: str) -> None:
    path = _csv(
        tmp_path,
        "service,day,volume,errors\n"
        "app,2025-03-03,1000,15\n"
        "app,2025-03-04,500,\n"
        "Billing,2025-03-03,200,1\n"  # a service by its name
        "app,2025-03-05,-5,\n"
        "nowhere,2025-03-05,10,\n"
        "app,2999-01-01,10,\n"
        "app,2025-03-06,10,20\n"
        "app,03/07/2025,10,\n"
        "app,2025-03-03,999,\n",
    )
    done = sqmsbot(tmp_path, "kpi", "volumes", "import", str(path), store=store)
    assert done.returncode == 1, done.stderr
    assert done.stdout.strip() == "volumes.csv: 3 days added, 0 replaced, 0 unchanged, 6 rows refused."
    lines = done.stderr.splitlines()
    assert lines[2].startswith("line 7, day: 2999-01-01 has not begun yet (today is ")  # the machine's today
    assert lines[:2] + lines[3:] == [
        "line 5, volume: The volume must be a whole number from 0 to 1,000,000,000, not “-5”.",
        "line 6, service: There is no service “nowhere”. Services: hotline, store, delivery, app, billing",
        "line 8, errors: There cannot be more errors (20) than deliveries (10).",
        "line 9, day: “03/07/2025” is not a day: write it like 2026-11-23 (or today, yesterday).",
        "line 10, day: This service and day are already given on line 2; the first one is kept.",
    ]
    again = sqmsbot(tmp_path, "kpi", "volumes", "import", str(path), store=store)
    assert again.stdout.strip() == "volumes.csv: 0 days added, 0 replaced, 3 unchanged, 6 rows refused."
    report = sqmsbot(
        tmp_path,
        "kpi",
        "--department",
        "it",
        "--from",
        "2025-03-03",
        "--to",
        "2025-03-04",
        "--json",
        store=store,
    )
    assert json.loads(report.stdout)["error_rate"] == {"rate": 0.01, "errors": 15, "volume": 1500}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("service,day\napp,2025-03-03\n", "missing: volume"),
        ("service,day,volume,error\napp,2025-03-03,5,1\n", "unknown: error"),
        ("", "missing: service, day, volume"),
    ],
)
def test_a_file_without_the_right_header_is_refused_whole(
    tmp_path: Path, store: str, text: str, said: str
) -> None:
    done = sqmsbot(tmp_path, "kpi", "volumes", "import", str(_csv(tmp_path, text)), store=store)
    assert done.returncode == 2 and said in done.stderr and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_the_import_in_chinese_and_a_missing_file(tmp_path: Path, store: str) -> None:
    path = _csv(tmp_path, "service,day,volume\napp,2025-03-03,abc\n")
    done = sqmsbot(tmp_path, "kpi", "volumes", "import", str(path), store=store, lang="zh_CN.UTF-8")
    assert done.stdout.strip() == "volumes.csv：新增 0 天，替换 0 天，未变 0 天，拒绝 1 行。"
    assert (
        done.stderr.strip() == "第 2 行，volume 列：服务量必须是 0 到 1,000,000,000 之间的整数，而不是“abc”。"
    )
    missing = sqmsbot(tmp_path, "kpi", "volumes", "import", str(tmp_path / "nope.csv"), store=store)
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr


def test_the_table_shows_the_error_rate_only_when_volumes_are_recorded(tmp_path: Path, store: str) -> None:
    db = Database(store)
    with db.transaction() as session:
        d = desk(session, load_org_config(EXAMPLE_ORG_FILE))
        _record(d, "app", date(2025, 3, 3), 400, 3, by=None)
    db.dispose()
    with_volume = sqmsbot(
        tmp_path, "kpi", "--department", "it", "--from", "2025-03-03", "--to", "2025-03-03", store=store
    )
    error_rate = next(line for line in with_volume.stdout.splitlines() if line.startswith("Error rate"))
    assert error_rate.split()[-3:] == ["0.75%", "—", "—"]
    assert "Service volume" in with_volume.stdout and "Satisfied customers" not in with_volume.stdout
    without = sqmsbot(
        tmp_path, "kpi", "--department", "ops", "--from", "2025-03-03", "--to", "2025-03-03", store=store
    )
    assert without.returncode == 0 and "Error rate" not in without.stdout
