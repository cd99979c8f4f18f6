"""A large import's batches written by a child process give the store exactly what writing them in
this process gives; and a failure there is raised here, not hung on — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from sqmsbot.config import load_org_config
from sqmsbot.db import Database
from sqmsbot.importing import ImportOptions, import_tickets
from sqmsbot.migrate import upgrade
from tests.importing.generate import event_log
from tests.importing.helpers import ORG

NOW = datetime(2026, 12, 1, tzinfo=UTC)


INCIDENT_COLUMNS = (
    "external_id, status, priority, department, service, reported_at, acknowledged_at, resolved_at, "
    "closed_at, reopen_count, first_contact_resolution"
)
QUERIES = {
    "incidents": f"SELECT {', '.join('i.' + c for c in INCIDENT_COLUMNS.split(', '))}, p.platform_user_id "
    "FROM incidents i JOIN people p ON p.id = i.reporter_id ORDER BY i.external_id",
    "events": "SELECT i.external_id, e.kind, e.at, e.from_value, e.to_value, e.note FROM incident_events e "
    "JOIN incidents i ON i.id = e.incident_id ORDER BY i.external_id, e.id",
    "clocks": "SELECT i.external_id, t.target, t.due_at, t.met_at, t.breached_at FROM incident_targets t "
    "JOIN incidents i ON i.id = t.incident_id ORDER BY i.external_id, t.target",
    "people": "SELECT platform_user_id FROM people ORDER BY 1",
}


def _contents(db: Database) -> dict[str, Any]:
    """What an import writes, without the ids the store gave."""
    with db.engine.connect() as conn:
        return {name: conn.execute(text(query)).all() for name, query in QUERIES.items()}


def _run(db: Database, path: Path, *, parallel: bool, dry_run: bool = False) -> Any:
    options = ImportOptions(
        path=path,
        format="servicenow",
        timezone="Asia/Shanghai",
        parallel=parallel,
        dry_run=dry_run,
        batch=150,
    )
    return import_tickets(db=db, org=load_org_config(ORG), options=options, now=NOW)


def test_a_writer_process_writes_what_this_process_writes(tmp_path: Path, db_url: str) -> None:
    path = event_log(tickets=600, seed=5).write(tmp_path / "log.csv")
    db = Database(db_url)
    try:
        report = _run(db, path, parallel=True)
        assert (report.new, report.unchanged, report.problem_count) == (600, 0, 0)
        assert report.new_people > 0
        by_child = _contents(db)
        again = _run(db, path, parallel=True, dry_run=True)
        assert (again.new, again.unchanged, again.new_people) == (0, 600, 0)
        with db.engine.begin() as conn:
            for table in ("incident_targets", "incident_events", "incidents", "people"):
                conn.execute(text(f"DELETE FROM {table}"))
        here = _run(db, path, parallel=False)
        assert (here.new, here.new_people) == (report.new, report.new_people)
        assert _contents(db) == by_child
    finally:
        db.dispose()


def test_a_failure_in_the_writer_process_is_raised_here(tmp_path: Path) -> None:
    """On a store of its own (a table is dropped to make the writes fail): the mechanism is the same
    whatever the database."""
    url = f"sqlite:///{tmp_path / 'broken.db'}"
    upgrade(url)
    path = event_log(tickets=400, seed=5).write(tmp_path / "log.csv")
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE incident_targets"))
        with pytest.raises(SQLAlchemyError, match="incident_targets"):
            _run(db, path, parallel=True)
    finally:
        db.dispose()
