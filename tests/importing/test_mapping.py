"""`--map mapping.toml`: an organisation's own column names and values, for any format; a mapping
file that does not check is refused with the key named, before anything is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import select

from sqmsbot.db import Database
from sqmsbot.importing.mapping import Category
from sqmsbot.models import Incident
from sqmsbot.vocabulary import CATEGORIES
from tests.importing.helpers import run_import, table_counts

EXPORT = """\
Ticket #,Short description,Opened,Sev,Queue,Channel,Cause,State,Product,Fixed on
T-1,Card declined twice,2026-10-05 09:00,Sev 1,Queue North,Walk-in,Staff,Parked,,
T-2,Late delivery,2026-10-05 10:00,Sev 3,Queue South,Letter,Tools,Fixed,,2026-10-06 10:00
T-3,Wrong invoice,2026-10-05 11:00,Sev 2,Queue North,Letter,,Fixed,Invoices,2026-10-05 12:00
"""
MAPPING = """\
[columns]
external_id = "Ticket #"
title = "Short description"
reported_at = ["Opened at", "Opened"]
priority = "Sev"
department = "Queue"
source = "Channel"
category = "Cause"
status = "State"
service = "Product"
resolved_at = "Fixed on"

[priority]
"Sev 1" = "P1"
"SEV 2" = "P2"
"sev 3" = "P3"

[status]
Parked = "waiting"
Fixed = "resolved"

[source]
"Walk-in" = "complaint"

[category]
Staff = "man"
Tools = ""

[departments]
"Queue North" = "ops"
"Queue South" = "it"

[services.group]
"Queue South" = "app"

[services.value]
Invoices = "billing"
"""


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def test_columns_and_values_named_by_the_map(tmp_path: Path, db_url: str, db: Database) -> None:
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    done = run_import(tmp_path, db_url, export, "generic", "--map", str(mapping))
    assert done.returncode == 0, done.stdout + done.stderr
    # "Letter" is no channel the format or the map knows: the format's default, said.
    assert "  source “Letter” → complaint (2 tickets)" in done.stdout
    with db.transaction() as session:
        stored = {
            i.external_id: (i.priority, i.status, i.department, i.service, i.category, i.source, i.title)
            for i in session.scalars(select(Incident))
        }
    assert stored == {
        "T-1": ("P1", "waiting", "ops", "hotline", "man", "complaint", "Card declined twice"),
        "T-2": ("P3", "resolved", "it", "app", None, "complaint", "Late delivery"),
        "T-3": ("P2", "resolved", "ops", "billing", None, "complaint", "Wrong invoice"),
    }


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (
            '[departments]\n"Queue North" = "North Queue!"\n',
            "departments.Queue North: String should match pattern",
        ),
        ('[services.group]\n"Queue North" = "nope"\n', "services.group.Queue North: 'nope' is not a service"),
        ('[priority]\n"Sev 1" = "P9"\n', "priority.Sev 1: Input should be 'P1', 'P2', 'P3' or 'P4'"),
        ("[colour]\nred = 1\n", "colour: Extra inputs are not permitted"),
        ('[columns]\nheadline = "Title"\n', "columns.headline: not a field"),
        ("[columns\n", "cannot be used: "),
    ],
)
def test_a_mapping_file_that_does_not_check_is_refused(
    tmp_path: Path, db_url: str, db: Database, content: str, said: str
) -> None:
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(content, encoding="utf-8")
    before = table_counts(db)
    done = run_import(tmp_path, db_url, export, "generic", "--map", str(mapping))
    assert done.returncode == 2
    assert f"sqmsbot import tickets: the mapping file {mapping} cannot be used: " in done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
    assert table_counts(db) == before


def test_a_missing_mapping_file(tmp_path: Path, db_url: str) -> None:
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    done = run_import(tmp_path, db_url, export, "generic", "--map", "nope.toml", lang="zh_CN.UTF-8")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "sqmsbot import tickets：映射文件 nope.toml 不存在"


def test_the_map_spells_the_six_categories() -> None:
    assert set(get_args(Category)) == {"", *CATEGORIES}
