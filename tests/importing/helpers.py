"""What the import tests share: running the command, and proving that nothing was written."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from sqlalchemy import MetaData, text

from sqmsbot.db import Database
from tests.importing.generate import HEADER
from tests.test_cli import sqmsbot

FIXTURES = Path(__file__).parent / "fixtures"
ORG = FIXTURES / "org.toml"


def run_import(
    tmp_path: Path, store: str, path: Path, fmt: str, *extra: str, lang: str = "C.UTF-8"
) -> subprocess.CompletedProcess[str]:
    """`sqmsbot import tickets PATH --format FMT …` on `store`, with the tests' organisation file."""
    shown = str(path.relative_to(tmp_path)) if path.is_relative_to(tmp_path) else str(path)
    return sqmsbot(
        tmp_path, "import", "tickets", shown, "--format", fmt, *extra, store=store, config=ORG, lang=lang
    )


def table_counts(db: Database) -> dict[str, int]:
    """Rows per table: to prove that a refused or dry import wrote nothing."""
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.connect() as conn:
        return {
            name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in sorted(meta.tables)
            if name != "alembic_version"
        }


BASE_ROW = dict.fromkeys(HEADER, "?") | {
    "incident_state": "New",
    "active": "true",
    "reassignment_count": "0",
    "reopen_count": "0",
    "sys_mod_count": "0",
    "caller_id": "Caller 1",
    "opened_by": "Opened by 1",
    "opened_at": "29/2/2016 01:16",
    "sys_updated_at": "29/2/2016 01:16",
    "contact_type": "Phone",
    "category": "Category 5",
    "u_symptom": "Symptom 1",
    "priority": "3 - Moderate",
    "assignment_group": "Group 70",
}


def row(number: str, **values: str) -> list[str]:
    """One ServiceNow event-log row: a New update of ticket `number` unless `values` say otherwise."""
    return [(BASE_ROW | {"number": number} | values)[name] for name in HEADER]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
