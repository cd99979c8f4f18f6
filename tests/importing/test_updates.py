"""A newer export of the same tickets updates what changed (and only that); an imported incident
someone has since worked on in chat is kept as they left it — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from sqmsbot.clock import ManualClock
from sqmsbot.models import Incident
from sqmsbot.runtime import Runtime
from tests.commands import as_
from tests.conftest import Transcript
from tests.importing.helpers import row, run_import, write

OPENED = {"opened_at": "1/3/2016 09:00"}
OLDER = [
    row("INC1", **OPENED, sys_updated_at="1/3/2016 09:00"),
    row("INC1", **OPENED, incident_state="Active", sys_mod_count="1", sys_updated_at="1/3/2016 09:20"),
    row("INC2", **OPENED, sys_updated_at="1/3/2016 09:00"),
]
RESOLVED = {"resolved_at": "1/3/2016 11:00"}
NEWER = [
    row("INC1", **OPENED, **RESOLVED, sys_updated_at="1/3/2016 09:00"),
    row(
        "INC1",
        **OPENED,
        **RESOLVED,
        incident_state="Active",
        sys_mod_count="1",
        sys_updated_at="1/3/2016 09:20",
    ),
    row(
        "INC1",
        **OPENED,
        **RESOLVED,
        incident_state="Resolved",
        sys_mod_count="2",
        sys_updated_at="1/3/2016 11:00",
    ),
    row("INC2", **OPENED, sys_updated_at="1/3/2016 09:00"),
]


def _incident(runtime: Runtime, number: str) -> Incident:
    with runtime.db.transaction() as session:
        incident = session.scalars(select(Incident).where(Incident.external_id == number)).one()
        _ = incident.events, incident.targets
        return incident


def test_a_newer_export_updates_what_changed(tmp_path: Path, runtime: Runtime, db_url: str) -> None:
    assert run_import(tmp_path, db_url, write(tmp_path / "older.csv", OLDER), "servicenow").returncode == 0
    older = _incident(runtime, "INC1")
    assert older.status == "acknowledged" and older.resolved_at is None
    done = run_import(tmp_path, db_url, write(tmp_path / "newer.csv", NEWER), "servicenow")
    assert done.returncode == 0, done.stdout
    assert "New: 0 · unchanged: 1 · updated: 1 · kept (worked on in chat since imported): 0" in done.stdout
    newer = _incident(runtime, "INC1")
    assert newer.id == older.id and newer.version == older.version + 1
    assert (newer.status, newer.resolved_at) == ("resolved", datetime(2016, 3, 1, 3, 0, tzinfo=UTC))
    assert [e.kind for e in sorted(newer.events, key=lambda e: e.id)] == [
        "reported",
        "acknowledged",
        "resolved",
    ]
    resolve = next(t for t in newer.targets if t.target == "resolve")
    assert resolve.met_at == newer.resolved_at
    assert _incident(runtime, "INC2").version == 1  # untouched
    again = run_import(tmp_path, db_url, tmp_path / "newer.csv", "servicenow")
    assert "New: 0 · unchanged: 2 · updated: 0" in again.stdout


def test_an_incident_worked_on_in_chat_is_kept(
    tmp_path: Path, runtime: Runtime, db_url: str, clock: ManualClock
) -> None:
    assert run_import(tmp_path, db_url, write(tmp_path / "older.csv", OLDER), "servicenow").returncode == 0
    number = _incident(runtime, "INC1").id
    console = Transcript(runtime)
    screen = as_(console, "lin quality quality", f'/incident note SQ-{number} "Called the customer back"')
    assert screen.reply.startswith(f"✅ Note added to SQ-{number}"), screen.text
    worked = _incident(runtime, "INC1")
    done = run_import(tmp_path, db_url, write(tmp_path / "newer.csv", NEWER), "servicenow")
    assert done.returncode == 0, done.stdout
    assert "New: 0 · unchanged: 1 · updated: 0 · kept (worked on in chat since imported): 1" in done.stdout
    kept = _incident(runtime, "INC1")
    assert (kept.version, kept.status, kept.resolved_at) == (worked.version, "acknowledged", None)
    assert [e.kind for e in sorted(kept.events, key=lambda e: e.id)][-1] == "note"
