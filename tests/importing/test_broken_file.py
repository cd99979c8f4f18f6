"""A broken export: each bad row is reported (line, column, problem) and left out — with the rest of
its ticket, for an event log — while the good rows are imported; exit status 1. A file that cannot
be imported at all is refused with exit status 2 and nothing written. Chinese and emoji are text
like any other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from sqmsbot.db import Database
from sqmsbot.models import Incident
from tests.importing.generate import HEADER
from tests.importing.helpers import row, run_import, table_counts, write

SHAPES = "29/2/2016 01:16 or 2016-02-29 01:16"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


ROWS = [
    row("INC1"),  # line 2
    row("INC1", incident_state="Active", sys_mod_count="1", sys_updated_at="29/2/2016 02:00"),  # 3
    row("INC2", sys_updated_at="31/2/2016 10:00"),  # 4: no 31 February
    row("INC3", priority="9 - Whatever"),  # 5
    row(""),  # 6: no number
    row("INC4", sys_mod_count="x"),  # 7
    row("INC5", u_symptom="x" * 40_000),  # 8: too long a title
    row("INC6", u_symptom="客户投诉：扣款两次 💳😀", caller_id="客户 张三"),  # 9: text like any other
    row("INC7", incident_state="-100"),  # 10
    row("INC9")[:5],  # 11: a row cut short
    row("INC2", incident_state="Active", sys_mod_count="1", sys_updated_at="29/2/2016 03:00"),  # 12
    row("INC8", resolved_at="28/2/2016 10:00", incident_state="Resolved"),  # 13: resolved before opened
]


def test_each_bad_row_is_reported_and_the_good_ones_imported(
    tmp_path: Path, db_url: str, db: Database
) -> None:
    path = write(tmp_path / "broken.csv", ROWS)
    done = run_import(tmp_path, db_url, path, "servicenow")
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "New: 2 · unchanged: 0" in out  # INC1 and INC6
    assert "Rows rejected: 8 · problems: 8. The other rows are imported." in out
    left_out = "Tickets left out because one of their rows was rejected: 7 "
    assert left_out + "(INC3, INC4, INC5, INC7, INC9, INC2, INC8)" in out
    table = out[out.index("LINE  ") :].splitlines()
    assert table[0].split() == ["LINE", "COLUMN", "PROBLEM"]
    priorities = "1 - critical, 2 - high, 3 - moderate, 4 - low, 5 - planning, P1, P2, P3, P4"
    states = "new, active, in progress, on hold, resolved, closed, canceled, cancelled, awaiting …"
    assert [line.split(None, 2) for line in table[1:9]] == [
        ["4", "sys_updated_at", "“31/2/2016 10:00” is not a date and time such as " + SHAPES],
        ["5", "priority", f"“9 - Whatever” is not a priority of this format ({priorities})"],
        ["6", "number", "empty: the ticket needs a value here"],
        ["7", "sys_mod_count", "“x” is not a whole number"],
        ["8", "u_symptom", "40000 characters; at most 32768"],
        ["10", "incident_state", f"“-100” is not a state of this format ({states})"],
        ["11", "—", "5 fields, but the header has 36"],
        ["13", "resolved_at", "2016-02-28 10:00 is before the ticket was reported (2016-02-29 01:16)"],
    ]
    with db.transaction() as session:
        stored = {i.external_id: i for i in session.scalars(select(Incident))}
        assert set(stored) == {"INC1", "INC6"}
        assert (
            stored["INC6"].title == "客户投诉：扣款两次 💳😀" and stored["INC6"].customer_ref == "客户 张三"
        )
        assert stored["INC1"].status == "acknowledged"


def test_the_report_as_json(tmp_path: Path, db_url: str) -> None:
    path = write(tmp_path / "broken.csv", ROWS)
    done = run_import(tmp_path, db_url, path, "servicenow", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["problems"][0] == {
        "line": 4,
        "column": "sys_updated_at",
        "problem": "bad_date",
        "value": "31/2/2016 10:00",
    }
    assert report["problems"][4] == {
        "line": 8,
        "column": "u_symptom",
        "problem": "too_long",
        "value": None,
        "length": 40000,
        "limit": 32768,
    }
    assert (report["new"], report["rejected_rows"], report["rejected_tickets"]) == (2, 8, 7)
    assert report["rejected_ids"] == ["INC3", "INC4", "INC5", "INC7", "INC9", "INC2", "INC8"]


def test_the_problems_in_chinese(tmp_path: Path, db_url: str) -> None:
    path = write(tmp_path / "broken.csv", ROWS)
    done = run_import(tmp_path, db_url, path, "servicenow", lang="zh_CN.UTF-8")
    assert done.returncode == 1
    assert "拒收行数：8 · 问题数：8。其余各行照常导入。" in done.stdout
    assert "“-100”不是此格式的状态" in done.stdout
    assert "新增：2 · 未变：0" in done.stdout


@pytest.mark.parametrize(
    ("header", "said"),
    [
        (
            [name for name in HEADER if name != "number"],
            "the file has no column number, which this format needs; its columns: incident_state, active, ",
        ),
        (
            [name for name in HEADER if name not in ("priority", "sys_updated_at")],
            "the file has no column sys_updated_at, priority, which this format needs",
        ),
    ],
)
def test_a_file_without_a_required_column_is_refused(
    tmp_path: Path, db_url: str, db: Database, header: list[str], said: str
) -> None:
    path = write(
        tmp_path / "cut.csv",
        [[value for name, value in zip(HEADER, row("INC1"), strict=True) if name in header]],
        header,
    )
    before = table_counts(db)
    done = run_import(tmp_path, db_url, path, "servicenow")
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("Usage: sqmsbot import tickets FILE.csv --format ")
    assert done.stdout == "" and table_counts(db) == before


def test_dates_both_day_first_and_month_first_are_refused(tmp_path: Path, db_url: str, db: Database) -> None:
    path = write(tmp_path / "mixed.csv", [row("INC1"), row("INC2", opened_at="2/29/2016 01:16")])
    before = table_counts(db)
    done = run_import(tmp_path, db_url, path, "servicenow")
    assert done.returncode == 2
    both = (
        "dates are written both day-first (line 2: 29/2/2016 01:16) and month-first (line 3: 2/29/2016 01:16)"
    )
    assert both + "; say which with --date-format" in done.stderr
    assert table_counts(db) == before
    given = run_import(tmp_path, db_url, path, "servicenow", "--date-format", "dayfirst")
    assert given.returncode == 1  # told: INC2's month-first date is then simply not a date
    assert "“2/29/2016 01:16” is not a date and time" in given.stdout


@pytest.mark.parametrize(
    ("content", "encoding", "said"),
    [
        (b"", "utf-8", "is empty: not even a header line"),
        (b"x", "klingon", "“klingon” is not a text encoding"),
    ],
)
def test_files_that_cannot_be_read_at_all(
    tmp_path: Path, db_url: str, content: bytes, encoding: str, said: str
) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    done = run_import(tmp_path, db_url, path, "servicenow", "--encoding", encoding)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert said in done.stderr


def test_a_file_in_another_encoding(tmp_path: Path, db_url: str, db: Database) -> None:
    """A GB18030 export (what Chinese spreadsheets save) imports with --encoding; read as UTF-8, the
    rows whose bytes are not UTF-8 text are reported, and the others imported."""
    text = (
        "external_id,title,reported_at,priority\n"
        "C-1,客户投诉：扣款两次,2026-10-05 09:00,P2\n"
        "C-2,ok,2026-10-05 10:00,P3\n"
    )
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gb18030"))
    wrong = run_import(tmp_path, db_url, path, "generic")
    assert wrong.returncode == 1
    assert "bytes that are not text in the file's encoding (see --encoding)" in wrong.stdout
    assert "New: 1 · unchanged: 0" in wrong.stdout
    right = run_import(tmp_path, db_url, path, "generic", "--encoding", "gb18030")
    assert right.returncode == 0, right.stdout
    assert "New: 1 · unchanged: 1" in right.stdout
    with db.transaction() as session:
        assert (
            session.scalar(select(Incident.title).where(Incident.external_id == "C-1"))
            == "客户投诉：扣款两次"
        )
