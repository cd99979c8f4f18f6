"""`sqmsbot kpi` as a script or a manager runs it: a real process on a real store (SQLite and
PostgreSQL), the JSON of the hand-computed day, the table in the terminal's language, and refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.db import Database
from tests.kpi.scenario import desk, one_day
from tests.kpi.test_engine import ONE_DAY
from tests.test_cli import sqmsbot


@pytest.fixture
def store(db_url: str) -> str:
    """The store (migrated by the `db_url` fixture) holding the five incidents of Monday 2026-11-23."""
    db = Database(db_url)
    with db.transaction() as session:
        one_day(desk(session, load_org_config(EXAMPLE_ORG_FILE)))
    db.dispose()
    return db_url


def _as_range(report: dict[str, Any]) -> dict[str, Any]:
    """The CLI reads --from/--to as a range of days: the same figures, `kind` says so."""
    previous = {**report["previous"], "period": {**report["previous"]["period"], "kind": "range"}}
    return {**report, "period": {**report["period"], "kind": "range"}, "previous": previous}


def test_the_json_is_the_hand_computed_report(tmp_path: Path, store: str) -> None:
    """Run after the day (the clock is the machine's): the backlog is the one at the day's end, which
    for this day is the same as in the evening (C and D)."""
    done = sqmsbot(tmp_path, "kpi", "--from", "2026-11-23", "--to", "2026-11-23", "--json", store=store)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == _as_range(ONE_DAY)
    it = sqmsbot(
        tmp_path,
        "kpi",
        "--department",
        "it",
        "--from",
        "2026-11-23",
        "--to",
        "2026-11-23",
        "--json",
        store=store,
    )
    assert json.loads(it.stdout)["reported"] == 5 and json.loads(it.stdout)["slice"] == {"department": "it"}
    ops = sqmsbot(
        tmp_path,
        "kpi",
        "--department",
        "ops",
        "--from",
        "2026-11-23",
        "--to",
        "2026-11-23",
        "--json",
        store=store,
    )
    assert json.loads(ops.stdout)["reported"] == 0


def test_the_table_is_in_the_terminals_language(tmp_path: Path, store: str) -> None:
    en = sqmsbot(
        tmp_path, "kpi", "--department", "it", "--from", "2026-11-23", "--to", "2026-11-23", store=store
    )
    assert en.returncode == 0, en.stderr
    lines = en.stdout.splitlines()
    assert lines[0] == "IT: 2026-11-23 … 2026-11-23 (Asia/Shanghai)"
    assert lines[1].split() == ["KPI", "This", "period", "Previous", "Target"]
    assert "Time to resolve, p90" in en.stdout and "2.80 h" in en.stdout
    assert next(line for line in lines if line.startswith("SLA met: resolve")).split()[-3:] == [
        "60.0%",
        "—",
        "95.0%",
    ]
    zh = sqmsbot(
        tmp_path,
        "kpi",
        "--department",
        "it",
        "--from",
        "2026-11-23",
        "--to",
        "2026-11-23",
        store=store,
        lang="zh_CN.UTF-8",
    )
    assert zh.stdout.splitlines()[0] == "信息技术部：2026-11-23 … 2026-11-23（Asia/Shanghai）"
    assert "首次接触解决率" in zh.stdout and "33.3%" in zh.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("--from", "2026-11-31", "--to", "2026-12-01"),
            "--from 2026-11-31 is not a date such as 2026-11-23",
        ),
        (("--from", "2026-12-01", "--to", "yesterday"), "--to yesterday is not a date"),
        (("--from", "2026-12-02", "--to", "2026-12-01"), "--to 2026-12-01 is before --from 2026-12-02"),
        (
            ("--from", "2026-12-01", "--to", "2026-12-01", "--department", "nope"),
            "there is no department 'nope'",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    done = sqmsbot(tmp_path, "kpi", *args)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_a_refusal_in_chinese(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "kpi", "--from", "2026-12-02", "--to", "2026-12-01", lang="zh_CN.UTF-8")
    assert done.returncode == 2
    assert done.stderr.strip() == "sqmsbot kpi：--to 2026-12-01 早于 --from 2026-12-02"


def test_the_help_says_the_last_day_is_included(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "kpi", "--help")
    assert done.returncode == 0
    assert "both included" in " ".join(done.stdout.split())
