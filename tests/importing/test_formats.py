"""Jira, Zendesk and the generic columns, each from a small export (fixtures/), on SQLite and
PostgreSQL: what an admin would find stored, field by field, and what the command says."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sqmsbot.db import Database
from sqmsbot.models import Incident
from tests.importing.helpers import FIXTURES, run_import


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def _stored(db: Database) -> dict[str, dict[str, Any]]:
    with db.transaction() as session:
        return {
            i.external_id or "": {
                "system": i.external_system,
                "title": i.title,
                "description": i.description,
                "priority": i.priority,
                "status": i.status,
                "department": i.department,
                "service": i.service,
                "category": i.category,
                "source": i.source,
                "customer": i.customer_ref,
                "reporter": i.reporter.display_name,
                "assignee": i.assignee.display_name if i.assignee else None,
                "reported": i.reported_at,
                "acknowledged": i.acknowledged_at,
                "waiting": i.waiting_since,
                "resolved": i.resolved_at,
                "closed": i.closed_at,
                "fcr": i.first_contact_resolution,
                "reopens": i.reopen_count,
                "events": [(e.kind, e.at, e.to_value) for e in sorted(i.events, key=lambda e: e.id)],
            }
            for i in session.scalars(select(Incident))
        }


def _copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(FIXTURES / name, tmp_path / name))


def test_generic_columns_chinese_and_emoji_included(tmp_path: Path, db_url: str, db: Database) -> None:
    done = run_import(tmp_path, db_url, _copy(tmp_path, "generic.csv"), "generic", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert (report["new"], report["problem_count"], report["date_format"]) == (4, 0, "dayfirst")
    stored = _stored(db)
    assert stored["G-1"] | {"events": None} == {
        "system": "generic",
        "title": "客户重复扣款 💳",
        "description": None,
        "priority": "P2",
        "status": "closed",
        "department": "finance",  # the department of the service its Chinese name names
        "service": "billing",
        "category": "method",  # 法
        "source": "complaint",
        "customer": None,
        "reporter": "赵敏",
        "assignee": "王伟",
        "reported": utc("2026-10-05 01:00"),
        "acknowledged": utc("2026-10-05 01:10"),
        "waiting": None,
        "resolved": utc("2026-10-05 03:00"),
        "closed": utc("2026-10-06 01:00"),
        "fcr": True,
        "reopens": 0,
        "events": None,
    }
    assert stored["G-1"]["events"] == [
        ("reported", utc("2026-10-05 01:00"), "new"),
        ("acknowledged", utc("2026-10-05 01:10"), "acknowledged"),
        ("resolved", utc("2026-10-05 03:00"), "resolved:fcr"),
        ("closed", utc("2026-10-06 01:00"), "closed"),
    ]
    assert (stored["G-2"]["title"], stored["G-2"]["status"], stored["G-2"]["department"]) == (
        "App crashes at checkout 🚨",
        "new",
        "it",
    )
    assert stored["G-2"]["source"] == "kpi-alert" and stored["G-2"]["acknowledged"] is None
    # Day-first (13/10), `p3`, the department's first service, a reopen that rules out FCR.
    assert {
        k: stored["G-3"][k] for k in ("reported", "priority", "service", "category", "reopens", "fcr")
    } == {
        "reported": utc("2026-10-13 04:00"),
        "priority": "P3",
        "service": "hotline",
        "category": None,
        "reopens": 1,
        "fcr": False,
    }
    assert stored["G-3"]["title"] == "Wrong address, again"
    # Waiting since it was last known to be worked on (the file has no update time).
    assert (stored["G-4"]["status"], stored["G-4"]["waiting"]) == ("waiting", utc("2026-10-14 00:05"))
    assert stored["G-4"]["source"] == "mystery-shopper"


def test_jira_one_row_per_issue(tmp_path: Path, db_url: str, db: Database) -> None:
    mapping = tmp_path / "jira.toml"
    mapping.write_text('[departments]\n"Customer Support" = "ops"\n', encoding="utf-8")
    done = run_import(tmp_path, db_url, _copy(tmp_path, "jira.csv"), "jira", "--map", str(mapping))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "New: 3 · unchanged: 0" in done.stdout and "New departments" not in done.stdout
    stored = _stored(db)
    done_issue = stored["SUP-101"]
    assert (
        done_issue["status"],
        done_issue["priority"],
        done_issue["department"],
        done_issue["service"],
    ) == (
        "resolved",
        "P2",
        "ops",
        "app",  # the second Component/s column: the first non-empty one
    )
    assert done_issue["reported"] == utc("2026-10-01 01:05")  # 01/Oct/26 9:05 AM in Shanghai
    assert done_issue["resolved"] == utc("2026-10-01 08:30")
    assert done_issue["acknowledged"] is None  # Jira does not say: MTTA is not invented
    assert done_issue["description"] == "The button is grey.\nCustomers cannot pay."
    assert [kind for kind, _, _ in done_issue["events"]] == ["reported", "resolved"]
    in_progress = stored["SUP-102"]
    assert (in_progress["status"], in_progress["priority"], in_progress["service"]) == (
        "acknowledged",
        "P3",
        "billing",
    )
    waiting = stored["SUP-103"]
    assert (waiting["status"], waiting["priority"], waiting["waiting"]) == (
        "waiting",
        "P4",
        utc("2026-10-04 01:00"),
    )
    assert waiting["acknowledged"] is None  # not dated by the file: not invented


def test_jira_without_a_map_names_the_new_department(tmp_path: Path, db_url: str) -> None:
    done = run_import(tmp_path, db_url, _copy(tmp_path, "jira.csv"), "jira")
    assert done.returncode == 0, done.stdout
    assert "  customer-support — “Customer Support”, 3 tickets" in done.stdout
    assert '[[departments]]\nkey = "customer-support"\nname = "Customer Support"' in done.stdout


def test_zendesk_month_first_and_offsets(tmp_path: Path, db_url: str, db: Database) -> None:
    done = run_import(tmp_path, db_url, _copy(tmp_path, "zendesk.csv"), "zendesk", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert (report["date_format"], report["new"]) == ("monthfirst", 3)
    assert report["new_departments"] == [{"key": "support-tier-2", "name": "Support Tier 2", "tickets": 1}]
    assert {"field": "priority", "value": "", "used": "P3", "tickets": 1} in report["unmapped"]
    stored = _stored(db)
    solved = stored["501"]
    assert (solved["status"], solved["priority"], solved["department"], solved["source"]) == (
        "resolved",
        "P1",
        "it",
        "complaint",
    )
    assert (solved["reported"], solved["resolved"], solved["customer"]) == (
        utc("2026-10-13 01:00"),
        utc("2026-10-13 02:00"),
        "Customer 77",
    )
    open_ticket = stored["502"]
    assert (open_ticket["status"], open_ticket["priority"], open_ticket["assignee"]) == (
        "acknowledged",
        "P3",
        None,
    )
    closed = stored["503"]
    assert (closed["reported"], closed["resolved"], closed["closed"]) == (
        utc("2026-10-15 00:00"),  # written with its own offset
        utc("2026-10-15 04:00"),
        utc("2026-10-20 01:00"),  # closed when last updated (Zendesk has no closing time)
    )
    assert (closed["reopens"], closed["fcr"]) == (1, False)
