"""The `sqmsbot` command as a new user meets it: a real process, real standard input, a real store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from sqmsbot.config import EXAMPLE_ORG_FILE
from sqmsbot.models import Base

SQMSBOT = Path(sys.executable).parent / "sqmsbot"
MODEL_TABLES = {table.name for table in Base.metadata.sorted_tables}


def sqmsbot(
    tmp_path: Path, *args: str, stdin: str = "", config: Path = EXAMPLE_ORG_FILE, store: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQMS_", "SLACK_", "LARK_"))}
    env.update(
        SQMS_DATABASE_URL=store or f"sqlite:///{tmp_path / 'store.db'}",
        SQMS_CONFIG=str(config),
        PYTHONIOENCODING="utf-8",
        COLUMNS="120",
    )
    return subprocess.run(
        [str(SQMSBOT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_the_console_runs_a_transcript_from_standard_input(tmp_path: Path) -> None:
    lines = [
        ":as zhao member finance",
        ":as me",
        '/incident report P2 billing "Customer charged twice" cust=C-1042',
        ":as zhao",
        "/incident ack SQ-1",
        "/incident close SQ-1",
        "/sq lang zh_CN",
        "/incident show SQ-1",
    ]
    done = sqmsbot(tmp_path, "console", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in [
        'me@#ops> /incident report P2 billing "Customer charged twice" cust=C-1042',
        "✅ Reported SQ-1.",
        "[#finance] SQ-1 · P2 · New · Customer charged twice",
        "zhao@#ops> /incident ack SQ-1",
        "SQ-1 acknowledged.",
        "[#finance ↳] SQ-1 · ",
        "zhao · acknowledged it",
        "⚠️ Only a resolved incident can be closed (status: Acknowledged); resolve it first.",
        "好的，以后我会用简体中文回复你。",
        "时间线",
    ]:
        assert expected in out, expected
    # Every typed line is echoed with its prompt, in order, before what it caused.
    prompts = [line for line in out.splitlines() if re.match(r"^\w+@#\w+> ", line)]
    assert [p.split("> ", 1)[1] for p in prompts] == lines
    assert "Traceback" not in done.stderr


def test_db_upgrade_creates_the_tables(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert f"Store is up to date: sqlite:///{tmp_path / 'store.db'}" in done.stdout
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        assert set(inspect(engine).get_table_names()) == MODEL_TABLES | {"alembic_version"}
    finally:
        engine.dispose()


def test_a_store_that_cannot_be_reached_is_one_line_without_the_password(tmp_path: Path) -> None:
    unreachable = "postgresql+psycopg://sqms:s3cret@127.0.0.1:9/sqms"  # port 9: nothing listens
    for args in (("db", "upgrade"), ("console",)):
        done = sqmsbot(tmp_path, *args, store=unreachable)
        assert done.returncode == 2, args
        assert "sqmsbot: cannot use the store postgresql+psycopg://sqms:***@127.0.0.1:9/sqms" in done.stderr
        assert "s3cret" not in done.stderr + done.stdout
        assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE_ORG_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "sqmsbot.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            'department = "logistics"',
            'department = "shipping"',
            "services[2].department",
            "'shipping', which is not one of finance, it, logistics, ops, quality",
        ),
        (
            'timezone = "Asia/Shanghai"     #',
            'timezone = "Asia/Shang_hai"  #',
            "timezone",
            "unknown time zone",
        ),
        ('ref_prefix = "SQ"', 'ref_prefix = "SQ', "line 8", "not valid TOML"),
    ],
    ids=["unknown-department", "bad-time-zone", "invalid-toml"],
)
def test_a_bad_organisation_file_stops_start_up_naming_file_key_and_problem(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    path = _broken(tmp_path, old, new)
    done = sqmsbot(tmp_path, "console", stdin="/sq help\n", config=path)
    assert done.returncode == 2
    assert str(path) in done.stderr
    assert key in done.stderr and problem in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert "sqmsbot commands" not in done.stdout  # it never got as far as answering


def test_check_config_says_what_is_wrong_or_that_all_is_well(tmp_path: Path) -> None:
    bad = _broken(tmp_path, 'key = "it"', 'key = "ops"')
    done = sqmsbot(tmp_path, "check-config", str(bad))
    assert done.returncode == 2
    assert f"{bad}: invalid organisation file" in done.stderr
    assert "departments[2].key: 'ops' is used twice (also departments[0])" in done.stderr
    good = sqmsbot(tmp_path, "check-config", str(EXAMPLE_ORG_FILE))
    assert good.returncode == 0
    assert "OK — 5 departments, 5 services." in good.stdout


def test_a_missing_organisation_file_is_named_and_the_example_used(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "console", stdin="/sq me\n", config=tmp_path / "typo.toml")
    assert done.returncode == 0, done.stderr
    assert f"{tmp_path / 'typo.toml'} does not exist; using the example organisation" in done.stderr
    assert "me · role: admin" in done.stdout  # console:me is an admin in the example


def test_the_demo_seeds_people_and_ninety_days_of_incidents(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "console", "--demo", stdin="/incident list all\n/sq people\n")
    assert done.returncode == 0, done.stderr
    seeded = re.search(
        r"Demo organisation seeded: (\d+) people, (\d+) incidents over (\d+) days\.", done.stdout
    )
    assert seeded, done.stdout[:500]
    people, incidents, days = map(int, seeded.groups())
    assert people >= 10 and days == 90 and incidents >= 90 * 2
    listed = re.search(r"Page 1 of (\d+) · (\d+) in all\.", done.stdout)
    assert listed and int(listed.group(2)) == incidents
    assert len(re.findall(r"^SQ-\d+ · P[1-4] · ", done.stdout, re.MULTILINE)) == 10
    for role in ("manager", "lead", "member", "quality"):
        assert f" · {role} · " in done.stdout, role

    again = sqmsbot(tmp_path, "console", "--demo", stdin="")
    assert again.returncode == 0
    assert "only seeded into an empty store" in again.stdout


def test_help_explains_usage(tmp_path: Path) -> None:
    top = sqmsbot(tmp_path, "--help")
    assert top.returncode == 0
    for word in ("Usage: sqmsbot", "console", "run", "db", "check-config"):
        assert word in top.stdout, word
    console = sqmsbot(tmp_path, "console", "--help")
    assert console.returncode == 0
    for word in ("Usage: sqmsbot console", "--demo", ":as NAME", ":in #channel", ":quit"):
        assert word in console.stdout, word
