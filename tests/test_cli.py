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
    tmp_path: Path,
    *args: str,
    stdin: str = "",
    config: Path | None = EXAMPLE_ORG_FILE,
    store: str | None = None,
    lang: str = "C.UTF-8",
    extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the command as a new user would; `config=None` leaves SQMS_CONFIG unset; `extra`: more
    environment (platform settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQMS_", "SLACK_", "LARK_", "LC_"))}
    env.update(
        SQMS_DATABASE_URL=store or f"sqlite:///{tmp_path / 'store.db'}",
        PYTHONIOENCODING="utf-8",
        COLUMNS="120",
        LANG=lang,
        LANGUAGE="",
    )
    if config is not None:
        env["SQMS_CONFIG"] = str(config)
    env.update(extra or {})
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


@pytest.mark.parametrize("args", [("console",), ("run",), ("check-config",), ("jobs", "list")])
def test_sqms_config_naming_a_missing_file_stops_with_the_file_named(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    """A typo in SQMS_CONFIG must not quietly run the example company (its channels, its commitments)."""
    done = sqmsbot(tmp_path, *args, stdin="/sq me\n", config=tmp_path / "typo.toml")
    assert done.returncode == 2, done.stdout
    assert done.stderr == (
        f"sqmsbot: SQMS_CONFIG names {tmp_path / 'typo.toml'}, which does not exist; "
        "fix the path, or unset SQMS_CONFIG to use ./sqmsbot.toml.\n"
    )
    assert done.stdout == ""  # nothing ran: no answer to /sq me


def test_only_no_configuration_at_all_falls_back_to_the_example_and_says_so(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "console", stdin="/sq me\n", config=None)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"sqmsbot: no SQMS_CONFIG and no ./sqmsbot.toml here; using the example organisation "
        f"{EXAMPLE_ORG_FILE} (copy it to sqmsbot.toml and edit it)."
    ]
    assert "me · role: admin" in done.stdout  # console:me is an admin in the example
    # With ./sqmsbot.toml in the working directory, that file is used, silently.
    (tmp_path / "sqmsbot.toml").write_text(EXAMPLE_ORG_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    local = sqmsbot(tmp_path, "console", stdin="/sq me\n", config=None)
    assert (local.returncode, local.stderr) == (0, "")
    assert "me · role: admin" in local.stdout


STORE_COMMANDS = [("db", "upgrade"), ("run",), ("console",), ("db", "tables"), ("jobs", "run", "sla_watch"),
                  ("scheduler",)]  # fmt: skip


@pytest.mark.parametrize("args", STORE_COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("store", "shown", "reason"),
    [
        ("mysql://sqms:s3cret@db/sqms", "mysql://sqms:***@db/sqms", "mysql is not supported; use SQLite"),
        ("postgresql+psycopg2://sqms:s3cret@db/sqms", "postgresql+psycopg2://sqms:***@db/sqms",
         "postgresql+psycopg2 is not supported"),
        ("postgresql+psycopg://sqms:s3cret@127.0.0.1:1/sqms", "postgresql+psycopg://sqms:***@127.0.0.1:1/sqms",
         "Connection refused"),
    ],
    ids=["mysql", "another-driver", "closed-port"],
)  # fmt: skip
def test_a_store_that_is_unsupported_or_unreachable_is_one_clear_line(
    tmp_path: Path, args: tuple[str, ...], store: str, shown: str, reason: str
) -> None:
    done = sqmsbot(tmp_path, *args, store=store)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"sqmsbot: cannot use the store {shown} (SQMS_DATABASE_URL): ")
    assert reason in done.stderr and "s3cret" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("command", "env", "said"),
    [
        ("run", {"SQMS_PLATFORMS": "bad name"}, "is neither a platform name nor name=module:Factory"),
        ("run", {"SQMS_PLATFORMS": "slack, teams"}, "no adapter serves the platform teams"),
        ("run", {"SQMS_PLATFORMS": "x=nomodule:Adapter"}, "could not be loaded (ModuleNotFoundError"),
        ("run", {"SQMS_PLATFORMS": "x=sqmsbot.platforms.console.adapter:ConsoleAdapter"}, "makes 'console'"),
        ("run", {"SQMS_PLATFORMS": "slack"}, "slack is to be served (SQMS_PLATFORMS), but SLACK_BOT_TOKEN"),
        ("run", {"LARK_APP_ID": "cli_1", "LARK_APP_SECRET": "s"}, "the Lark adapter is not in this version"),
        ("serve", {}, "sqmsbot serve needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"),
        (
            "serve",
            {"SQMS_PLATFORMS": "console", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
            "sqmsbot serve needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
        ),
    ],
)
def test_platforms_that_cannot_be_served_stop_start_up_in_one_clear_line(
    tmp_path: Path, command: str, env: dict[str, str], said: str
) -> None:
    done = sqmsbot(tmp_path, command, extra=env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and said in done.stderr, done.stderr
    assert not (tmp_path / "store.db").exists() or command == "serve"  # refused before the store is touched


def test_platform_errors_follow_the_terminal_language(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "run", extra={"SQMS_PLATFORMS": "slack, teams"}, lang="zh_CN.UTF-8")
    assert done.returncode == 2
    assert "SQMS_PLATFORMS 中的平台 teams 没有对应的适配器" in done.stderr, done.stderr


def test_store_errors_follow_the_terminal_language(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "db", "upgrade", store="mysql://u@db/sqms", lang="zh_CN.UTF-8")
    assert done.returncode == 2
    assert done.stderr.startswith(
        "sqmsbot：无法使用数据库 mysql://u@db/sqms（SQMS_DATABASE_URL）：不支持 mysql"
    )


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


def test_help_and_usage_follow_the_terminal_language(tmp_path: Path) -> None:
    top = sqmsbot(tmp_path, "--help", lang="zh_CN.UTF-8")
    assert top.returncode == 0
    for words in (
        "用法：sqmsbot",
        "选项",
        "命令",
        "显示本帮助并退出。",
        "在终端中输入聊天命令。",
        "管理数据库",
    ):
        assert words in top.stdout, words
    assert "Show this message" not in top.stdout and "Usage:" not in top.stdout
    due = sqmsbot(tmp_path, "sla", "due", "--help", lang="zh_CN.UTF-8")
    assert "用法：sqmsbot sla due" in due.stdout and "计时开始的时刻" in due.stdout and "[必填]" in due.stdout
    missing = sqmsbot(tmp_path, "sla", "due", lang="zh_CN.UTF-8")  # no --start: the usage, in Chinese
    assert missing.returncode == 2 and "用法：sqmsbot sla due" in missing.stderr
    assert "输入 'sqmsbot sla due --help' 查看帮助。" in missing.stderr
    english = sqmsbot(tmp_path, "sla", "due", "--help")
    assert "Usage: sqmsbot sla due" in english.stdout and "When the clock starts" in english.stdout
