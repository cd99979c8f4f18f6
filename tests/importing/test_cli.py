"""`sqmsbot import tickets` as an operator meets it: refusals said in one line with the usage, in the
terminal's language, exit status 2 and nothing written; a progress bar only on a terminal; the help."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqmsbot.db import Database
from tests.importing.helpers import ORG, row, run_import, table_counts, write
from tests.test_cli import SQMSBOT, sqmsbot


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("--format", "remedy"),
            "sqmsbot import tickets: “remedy” is not a format; formats: servicenow, jira, ",
        ),
        (
            ("--format", "jira", "--date-format", "yearfirst"),
            "--date-format “yearfirst” is not one of auto, ",
        ),
        (("--format", "jira", "--timezone", "Mars/Olympus"), "--timezone “Mars/Olympus” is not a time zone"),
        (("--format", "jira", "--timezone", "../../etc/passwd"), "is not a time zone"),
    ],
)
def test_bad_options_are_one_line_with_the_usage(
    tmp_path: Path, db_url: str, db: Database, args: tuple[str, ...], said: str
) -> None:
    path = write(tmp_path / "log.csv", [row("INC1")])
    before = table_counts(db)
    done = sqmsbot(tmp_path, "import", "tickets", path.name, *args, store=db_url, config=ORG)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert (
        len(lines) == 2 and said in lines[0] and lines[1].startswith("Usage: sqmsbot import tickets FILE.csv")
    )
    assert done.stdout == "" and table_counts(db) == before


def test_a_missing_file_in_chinese(tmp_path: Path, db_url: str) -> None:
    done = run_import(tmp_path, db_url, tmp_path / "无此文件.csv", "servicenow", lang="zh_CN.UTF-8")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "sqmsbot import tickets：文件 无此文件.csv 不存在",
        "用法：sqmsbot import tickets 文件.csv --format servicenow|jira|zendesk|generic [--map 映射.toml] "
        "[--dry-run] [--timezone 时区] [--date-format auto|dayfirst|monthfirst] [--encoding 编码] [--json]",
    ]


def test_a_directory_is_not_a_file(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "exports").mkdir()
    done = run_import(tmp_path, db_url, tmp_path / "exports", "servicenow")
    assert done.returncode == 2 and "exports cannot be read (not a file)" in done.stderr


def test_a_progress_bar_on_a_terminal_only(tmp_path: Path, db_url: str) -> None:
    path = write(tmp_path / "log.csv", [row(f"INC{n}") for n in range(50)])
    piped = run_import(tmp_path, db_url, path, "servicenow", "--dry-run")
    assert piped.returncode == 0 and piped.stderr == ""
    parent, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQMS_", "LC_"))}
    env |= {"SQMS_DATABASE_URL": db_url, "SQMS_CONFIG": str(ORG), "LANG": "C.UTF-8", "COLUMNS": "80"}
    process = subprocess.run(
        [str(SQMSBOT), "import", "tickets", path.name, "--format", "servicenow", "--dry-run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=child,
        timeout=120,
        check=False,
    )
    os.close(child)
    shown = b""
    try:
        while chunk := os.read(parent, 4096):
            shown += chunk
    except OSError:  # the terminal's other end is closed: everything was read
        pass
    os.close(parent)
    assert process.returncode == 0
    assert b"50/50" in shown or "━".encode() in shown  # the bar, drawn on the terminal
    assert b"Would be new: 50" in process.stdout  # the report itself stays on standard output


def test_the_help_names_the_formats_and_the_exit_statuses(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "import", "tickets", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "ServiceNow (an incident event log with one row per update" in text
    assert "Exit status: 0 when every row was imported, 1 when some were rejected, 2 when" in text
    zh = sqmsbot(tmp_path, "import", "--help", lang="zh_CN.UTF-8")
    assert "从其他系统导入数据" in zh.stdout


def test_what_a_hostile_file_says_never_reaches_the_terminal_as_it_is(tmp_path: Path, db_url: str) -> None:
    """Escape sequences in an export (a value, a group's name) are shown as `�`, not sent to the
    terminal to recolour it or move its cursor."""
    path = write(
        tmp_path / "hostile.csv",
        [
            row("INC1", priority="\x1b[31m9 - red\x1b[0m"),
            row("INC2", assignment_group="Evil\x1b]0;pwned\x07 Group"),
        ],
    )
    done = run_import(tmp_path, db_url, path, "servicenow")
    assert done.returncode == 1
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "“�[31m9 - red�[0m” is not a priority of this format" in done.stdout
    assert "— “Evil�]0;pwned� Group”, 1 ticket" in done.stdout
