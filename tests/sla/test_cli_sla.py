"""`sqmsbot sla due`, the commitment calculator, driven the way support staff and scripts call it."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from sqmsbot.cli.sla import sla_app
from sqmsbot.config import EXAMPLE_ORG_FILE

# Mounted under a parent the way sqmsbot/cli/root.py registers it, so the words are the real ones.
app = typer.Typer()
app.add_typer(sla_app, name="sla")
ACCEPTANCE = [
    "sla",
    "due",
    "--start",
    "2026-02-13T17:00:00+08:00",
    "--timezone",
    "Asia/Shanghai",
    "--holidays",
    "CN",
    "--workday",
    "09:00-18:00",
    "--business-hours",
    "9",
]


def run(*args: str, lang: str = "C.UTF-8") -> tuple[int, str, str]:
    """Run with the example organisation configured (unconfigured, the CLI says it stands in for one)."""
    env = {
        "SQMS_CONFIG": str(EXAMPLE_ORG_FILE),
        "LANG": lang,
        "LANGUAGE": "",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_acceptance_friday_evening_before_spring_festival_is_due_on_the_makeup_saturday() -> None:
    # 1 h on Friday 17–18, then 8 h on Saturday 14 February 2026, an official makeup working day.
    assert run(*ACCEPTANCE) == (0, "2026-02-14T17:00:00+08:00\n", "")


def test_json_for_scripts() -> None:
    code, out, _ = run(*ACCEPTANCE, "--json")
    assert code == 0
    assert json.loads(out) == {
        "calendar": {"hours": ["09:00-18:00"], "holidays": "CN", "24x7": False},
        "start": "2026-02-13T17:00:00+08:00",
        "due": "2026-02-14T17:00:00+08:00",
        "timezone": "Asia/Shanghai",
        "business_seconds": 9 * 3600,
    }


def test_the_answer_is_shown_in_the_given_time_zone_and_naive_starts_are_read_there() -> None:
    code, out, _ = run(
        "sla", "due", "--start", "2026-11-23T09:00", "--timezone", "Europe/Berlin",
        "--workday", "09:00-17:00", "--duration", "1d",
    )  # fmt: skip
    assert (code, out) == (0, "2026-11-23T17:00:00+01:00\n")  # one working day (8 h) from Monday 09:00


def test_several_spans_a_day_and_round_the_clock() -> None:
    code, out, _ = run(
        "sla", "due", "--start", "2026-11-23T11:00:00+08:00", "--timezone", "Asia/Shanghai",
        "--workday", "09:00-12:00", "--workday", "13:00-18:00", "--business-hours", "2",
    )  # fmt: skip
    assert (code, out) == (0, "2026-11-23T14:00:00+08:00\n")
    code, out, _ = run(
        "sla", "due", "--start", "2026-11-28T22:00:00+08:00", "--timezone", "Asia/Shanghai",
        "--24x7", "--duration", "4h",
    )  # fmt: skip
    assert (code, out) == (0, "2026-11-29T02:00:00+08:00\n")


def test_a_policy_of_the_organisation_file() -> None:
    base = ["sla", "due", "--start", "2026-11-23T09:00:00+08:00", "--service", "hotline"]
    assert run(*base, "--priority", "P2")[1] == "2026-11-23T14:00:00+08:00\n"
    assert run(*base, "--priority", "p2", "--target", "acknowledge")[1] == "2026-11-23T09:10:00+08:00\n"
    code, out, _ = run(*base, "--priority", "P3", "--json")
    assert (
        code == 0 and json.loads(out)["policy"] == "*/P3" and json.loads(out)["due"].startswith("2026-11-25")
    )


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--start", "yesterday", "--timezone", "Asia/Shanghai", "--workday", "09:00-18:00",
          "--business-hours", "1"], "is not an ISO 8601 instant"),
        (["--start", "2026-11-23T09:00", "--workday", "09:00-18:00", "--business-hours", "1"],
         "--timezone is required"),
        (["--start", "2026-11-23T09:00+08:00", "--timezone", "Mars/Olympus", "--workday", "09:00-18:00",
          "--business-hours", "1"], "unknown time zone 'Mars/Olympus'"),
        (["--start", "2026-11-23T09:00+08:00", "--timezone", "Asia/Shanghai", "--workday", "18:00-09:00",
          "--business-hours", "1"], "ends before it starts"),
        (["--start", "2026-11-23T09:00+08:00", "--timezone", "Asia/Shanghai", "--holidays", "XX",
          "--workday", "09:00-18:00", "--business-hours", "1"], "not a country code"),
        (["--start", "2026-11-23T09:00+08:00", "--timezone", "Asia/Shanghai", "--workday", "09:00-18:00"],
         "give the time to add"),
        (["--start", "2026-11-23T09:00+08:00", "--timezone", "Asia/Shanghai", "--workday", "09:00-18:00",
          "--business-hours", "-2"], "must not be negative"),
        (["--start", "2026-11-23T09:00+08:00", "--timezone", "Asia/Shanghai", "--business-hours", "1"],
         "give the working hours"),
        (["--start", "2026-11-23T09:00+08:00", "--service", "hotline"], "go together"),
        (["--start", "2026-11-23T09:00+08:00", "--service", "spa", "--priority", "P2"], "no service 'spa'"),
        (["--start", "2026-11-23T09:00+08:00", "--service", "hotline", "--priority", "P7"], "P1, P2, P3, P4"),
        (["--start", "2026-11-23T09:00+08:00", "--service", "billing", "--priority", "P4", "--target",
          "first_response"], "sets no first_response target"),
        (["--start", "2026-11-23T09:00+08:00", "--service", "hotline", "--priority", "P2", "--workday",
          "09:00-18:00"], "a policy brings its own calendar"),
    ],
)  # fmt: skip
def test_bad_input_is_named_with_exit_status_2(args: list[str], problem: str) -> None:
    code, out, err = run("sla", "due", *args)
    assert code == 2 and out == "", err
    assert err.startswith("sqmsbot sla due: ") and problem in err, err
    assert "Traceback" not in err


AD_HOC = ["sla", "due", "--start", "2026-11-23T09:00+08:00", "--timezone", "Asia/Shanghai"]


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        (["--business-hours", "inf"], "--business-hours must be a number of hours, not inf"),
        (["--business-hours", "nan"], "--business-hours must be a number of hours, not nan"),
        (["--business-hours", "1e7"], "--business-hours 1e+07 is more than 8760 hours (a year)"),
        (["--business-hours", "1e300"], "is more than 8760 hours"),
        (["--business-hours", "-1"], "--business-hours must not be negative, got -1"),
        (["--business-hours", "0"], "--business-hours must be more than 0"),
        (["--duration", "0m"], "--duration must be more than 0"),
        (["--duration", "99999999d"], "--duration 99999999d is more than 8760 hours (a year)"),
        (["--duration", "-4h"], "--duration -4h is not a duration such as 30m, 4h, 1d or 2h30m"),
    ],
    ids=[
        "inf",
        "nan",
        "1e7",
        "1e300",
        "negative",
        "zero",
        "zero-duration",
        "huge-duration",
        "minus-duration",
    ],
)
def test_an_impossible_amount_is_refused_at_once(amount: list[str], problem: str) -> None:
    """Not a traceback (inf), not a minute-long walk through the calendar (1e7): one line, exit 2."""
    code, out, err = run(*AD_HOC, "--workday", "09:00-18:00", *amount)
    assert (code, out) == (2, ""), err
    assert err.startswith("sqmsbot sla due: ") and problem in err and len(err.splitlines()) == 1, err


def test_business_time_that_never_runs_out_in_a_sparse_calendar_is_refused() -> None:
    # A minute a day: 8000 business hours would be 1300 years of working days.
    code, _, err = run(*AD_HOC, "--workday", "09:00-09:01", "--business-hours", "8000")
    assert code == 2 and "does not run out within 10 years in this calendar" in err, err
    assert run(*AD_HOC, "--workday", "09:00-09:01", "--business-hours", "1")[:2] == (
        0,
        "2027-02-12T09:01:00+08:00\n",  # sixty working minutes: sixty working days, holidays skipped
    )


@pytest.mark.parametrize(
    ("args", "chinese"),
    [
        (["--workday", "09:00-18:00", "--business-hours", "inf"], "必须是小时数，而不是 inf"),
        (["--workday", "09:00-18:00", "--business-hours", "0"], "--business-hours 必须大于 0"),
        (["--workday", "09:00-18:00", "--duration", "1e7h"], "--duration 1e7h 不是有效的时长"),
        (["--workday", "18:00-09:00", "--business-hours", "1"], "的结束时间早于开始时间"),
        (["--workday", "09:00-18:00", "--holidays", "XX", "--business-hours", "1"], "国家代码"),
        (["--business-hours", "1"], "请给出工作时间（--workday 09:00-18:00）或 --24x7"),
    ],
    ids=["inf", "zero", "bad-duration", "backwards-workday", "bad-country", "no-hours"],
)  # fmt: skip
def test_errors_are_in_the_terminal_language(args: list[str], chinese: str) -> None:
    code, out, err = run(*AD_HOC, *args, lang="zh_CN.UTF-8")
    assert (code, out) == (2, ""), err
    assert err.startswith("sqmsbot sla due：") and chinese in err, err


def test_a_policy_named_as_people_write_it() -> None:
    """The service's Chinese name and a full-width priority, as a Chinese keyboard types them."""
    base = ["sla", "due", "--start", "2026-11-23T09:00:00+08:00"]
    assert run(*base, "--service", "服务热线", "--priority", "Ｐ２")[:2] == (0, "2026-11-23T14:00:00+08:00\n")
    code, _, err = run(*base, "--service", "没有", "--priority", "P2", lang="zh_CN.UTF-8")
    assert code == 2 and err.startswith("sqmsbot sla due：没有“没有”这项服务；服务有：hotline"), err
