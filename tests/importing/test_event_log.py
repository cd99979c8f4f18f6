"""Acceptance (issue 11, point 2): a generated ServiceNow event log imported by `sqmsbot import
tickets`, then `sqmsbot kpi --json`, gives the figures computed by hand from what happened to each
ticket — on SQLite and PostgreSQL, through the real command in a real process. Importing the same
file again changes nothing; a dry run writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sqmsbot.db import Database
from sqmsbot.models import Incident, IncidentEvent, Person
from tests.importing.expected import kpis
from tests.importing.generate import EventLog, event_log
from tests.importing.helpers import ORG, run_import, table_counts
from tests.test_cli import sqmsbot

GROUPS = Path(__file__).parent / "fixtures" / "groups.toml"
ZONE = ZoneInfo("Asia/Shanghai")
KEYS = (
    "reported",
    "resolved",
    "mtta_hours",
    "mttr_hours",
    "fcr_rate",
    "reopen_rate",
    "sla",
    "backlog",
    "aged",
)


@pytest.fixture(scope="module")
def log() -> EventLog:
    """300 tickets of October 2026 (Shanghai), some rows interleaved; the export taken on 10 November."""
    return event_log(tickets=300, seed=7, interleave=0.2)


def _local_day(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZONE).astimezone(UTC)


def _kpi(tmp_path: Path, store: str, first: str, last: str, *extra: str) -> dict[str, Any]:
    done = sqmsbot(tmp_path, "kpi", "--from", first, "--to", last, "--json", *extra, store=store, config=ORG)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return {key: report[key] for key in KEYS}


def _import(tmp_path: Path, store: str, path: Path, *extra: str) -> Any:
    return run_import(tmp_path, store, path, "servicenow", "--map", str(GROUPS), *extra)


def test_the_generated_log_has_what_the_test_needs(log: EventLog) -> None:
    """Not vacuous: reopens, waits, open and never-acknowledged tickets, interleaved rows, `?`."""
    truths = log.truths
    assert sum(bool(t.reopens) for t in truths) >= 10
    assert sum(bool(t.waits) for t in truths) >= 30
    assert sum(t.history[-1][0] in ("new", "acknowledged", "waiting") for t in truths) >= 10
    assert sum(t.acknowledged_at is None for t in truths) >= 5
    numbers = [row[0] for row in log.rows]
    assert (
        sum(numbers[i] != numbers[i + 1] and numbers[i] in numbers[i + 2 :] for i in range(len(numbers) - 2))
        >= 10
    )
    assert any("?" in row for row in log.rows)
    assert any(
        int(row[log.header.index("opened_at")].split("/")[0]) > 12 for row in log.rows
    )  # day-first shows


def test_import_then_kpi_gives_the_hand_computed_figures(tmp_path: Path, db_url: str, log: EventLog) -> None:
    path = log.write(tmp_path / "incident_event_log.csv")
    done = _import(tmp_path, db_url, path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""  # no progress bar on a pipe
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "Imported incident_event_log.csv (servicenow; dates day-first, times without an offset read in "
        "Asia/Shanghai)."
    )
    assert lines[1] == f"Rows: {len(log.rows)} · tickets: 300."
    assert lines[2] == "New: 300 · unchanged: 0 · updated: 0 · kept (worked on in chat since imported): 0"
    assert any(line.startswith("  group-12 — “Group 12”, ") for line in lines)  # the unmapped group

    now = datetime.now(UTC)
    for first, last, department in (
        ("2026-10-01", "2026-10-31", None),
        ("2026-10-12", "2026-10-18", None),
        ("2026-10-01", "2026-10-31", "it"),
        ("2026-10-05", "2026-10-09", "ops"),
    ):
        start = _local_day(date.fromisoformat(first))
        end = _local_day(date.fromisoformat(last) + timedelta(days=1))
        expected = kpis(log.truths, start=start, end=end, now=now, department=department)
        extra = ("--department", department) if department else ()
        assert _kpi(tmp_path, db_url, first, last, *extra) == expected, (first, last, department)
    assert expected["reported"] and expected["backlog"]  # the slices are not empty


def test_importing_again_changes_nothing(tmp_path: Path, db_url: str, log: EventLog) -> None:
    path = log.write(tmp_path / "log.csv")
    assert _import(tmp_path, db_url, path).returncode == 0
    db = Database(db_url)
    try:
        before = _snapshot(db)
        again = _import(tmp_path, db_url, path)
        assert again.returncode == 0, again.stdout
        assert (
            "New: 0 · unchanged: 300 · updated: 0 · kept (worked on in chat since imported): 0"
            in again.stdout
        )
        assert "People: " not in again.stdout  # nobody new
        assert _snapshot(db) == before
    finally:
        db.dispose()


def test_a_dry_run_writes_nothing_and_says_what_would_happen(
    tmp_path: Path, db_url: str, log: EventLog
) -> None:
    path = log.write(tmp_path / "log.csv")
    db = Database(db_url)
    try:
        before = _snapshot(db)
        dry = _import(tmp_path, db_url, path, "--dry-run")
        assert dry.returncode == 0, dry.stdout
        assert "Would be new: 300 · unchanged: 0" in dry.stdout
        assert (
            dry.stdout.splitlines()[-1]
            == "Dry run: nothing was written. Run it again without --dry-run to import."
        )
        assert _snapshot(db) == before
        assert _import(tmp_path, db_url, path).returncode == 0
        after = _import(tmp_path, db_url, path, "--dry-run", "--json")
        report = json.loads(after.stdout)
        assert (report["dry_run"], report["new"], report["unchanged"], report["new_people"]) == (
            True,
            0,
            300,
            0,
        )
    finally:
        db.dispose()


def test_what_is_stored_for_one_ticket(tmp_path: Path, db_url: str, log: EventLog) -> None:
    """A reopened ticket: its timeline runs forwards with the reopen on it, its people are `import`
    persons, and its group is the mapped department."""
    path = log.write(tmp_path / "log.csv")
    assert _import(tmp_path, db_url, path).returncode == 0
    truth = next(t for t in log.truths if t.reopens and t.waits and t.group == "Group 70")
    db = Database(db_url)
    try:
        with db.transaction() as session:
            incident = session.scalars(select(Incident).where(Incident.external_id == truth.number)).one()
            kinds = [(e.kind, e.at) for e in sorted(incident.events, key=lambda e: e.id)]
            assert (incident.external_system, incident.platform, incident.department) == (
                "servicenow",
                "import",
                "it",
            )
            assert incident.service == "app" and incident.reopen_count == len(truth.reopens)
            assert incident.reported_at == truth.reported_at
            assert incident.acknowledged_at == truth.acknowledged_at
            assert [at for kind, at in kinds if kind == "reopened"] == truth.reopens
            assert [at for kind, at in kinds if kind == "waiting"] == [start for start, _ in truth.waits]
            assert [at for _, at in kinds] == sorted(at for _, at in kinds)
            assert incident.reporter.platform == "import"
            assert (
                incident.reporter.platform_user_id
                == f"servicenow:{' '.join(truth.opened_by.lower().split())}"
            )
            assert incident.customer_ref == truth.caller
            assert not incident.first_contact_resolution
            assert {t.target for t in incident.targets} == {"acknowledge", "first_response", "resolve"} - (
                {"first_response"} if truth.priority == "P4" else set()
            )
            assert all(t.next_check_at is None and t.checkpoints == {} for t in incident.targets)
    finally:
        db.dispose()


def _snapshot(db: Database) -> tuple[Any, ...]:
    """Everything an import writes, to compare before and after."""
    with db.transaction() as session:
        incidents = session.execute(
            select(Incident.external_id, Incident.status, Incident.version, Incident.updated_at).order_by(
                Incident.external_id
            )
        ).all()
        events = session.scalar(select(func.count(IncidentEvent.id)))
        people = session.scalar(select(func.count(Person.id)))
    return tuple(incidents), events, people, table_counts(db)
