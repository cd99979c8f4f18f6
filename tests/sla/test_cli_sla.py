"""`sqmsbot sla due`, the commitment calculator, driven the way support staff and scripts call it."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from sqmsbot.cli_sla import sla_app

# Mounted under a parent the way sqmsbot/cli.py registers it, so the words are the real ones.
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


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
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
