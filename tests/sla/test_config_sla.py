"""The [sla] section: commitments that could never be computed stop the bot at start-up, naming the key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sqmsbot.config import EXAMPLE_ORG_FILE, ConfigError, load_org_config
from sqmsbot.config_sla import parse_duration

HEAD = EXAMPLE_ORG_FILE.read_text(encoding="utf-8").split("# Service commitments (服务承诺)")[0]
CALENDARS = """
[sla.calendars.office]
timezone = "Asia/Shanghai"
hours = ["09:00-12:00", "13:00-18:00"]
holidays = "CN"
"""


def _policies(*priorities: str) -> str:
    return "".join(
        f"""
[[sla.policies]]
service = "*"
priority = "{p}"
calendar = "office"
resolve = "1d"
"""
        for p in priorities
    )


DEFAULTS = _policies("P1", "P2", "P3", "P4")


def _load(tmp_path: Path, sla: str) -> object:
    path = tmp_path / "sqmsbot.toml"
    path.write_text(HEAD + sla, encoding="utf-8")
    return load_org_config(path)


def _refused(tmp_path: Path, sla: str) -> str:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, sla)
    return str(refused.value)


def test_the_shipped_example_has_commitments_for_every_priority() -> None:
    org = load_org_config(EXAMPLE_ORG_FILE)
    for priority in ("P1", "P2", "P3", "P4"):
        assert org.sla.policy_for("billing", priority) is not None
    assert org.sla.policy_for("hotline", "P2").key == "hotline/P2"  # type: ignore[union-attr]
    assert org.sla.policy_for("hotline", "P3").key == "*/P3"  # type: ignore[union-attr]
    p1 = org.sla.policy_for("app", "P1")
    assert p1 is not None and org.sla.calendar(p1.calendar).always_open
    assert p1.remedy is not None and "抵用金" in p1.remedy.get("zh_CN")


def test_an_empty_section_means_no_commitments(tmp_path: Path) -> None:
    org = _load(tmp_path, "[sla]\n")
    assert org.sla.policy_for("hotline", "P1") is None  # type: ignore[attr-defined]


def test_a_calendar_that_is_not_defined_is_named(tmp_path: Path) -> None:
    text = _refused(tmp_path, CALENDARS + DEFAULTS.replace('calendar = "office"', 'calendar = "ofice"', 1))
    assert "sla.policies[0].calendar: calendar 'ofice' is not defined (calendars: office)" in text


def test_a_service_that_does_not_exist_is_named(tmp_path: Path) -> None:
    extra = '\n[[sla.policies]]\nservice = "hotlien"\npriority = "P2"\ncalendar = "office"\nresolve = "4h"\n'
    text = _refused(tmp_path, CALENDARS + DEFAULTS + extra)
    assert "sla.policies[4].service: service 'hotlien' is not one of" in text


def test_the_default_policy_must_cover_every_priority(tmp_path: Path) -> None:
    text = _refused(tmp_path, CALENDARS + _policies("P1", "P2", "P3"))
    assert 'sla.policies: the default policy (service = "*") is missing for P4' in text


def test_a_policy_given_twice_is_named(tmp_path: Path) -> None:
    text = _refused(tmp_path, CALENDARS + DEFAULTS + _policies("P1"))
    assert "sla.policies[4]: */P1 is given twice (also sla.policies[0])" in text


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        ('resolve = "1d"', "sla.policies.0.resolve", "is not a duration"),
        ('resolve = "1d"\nwarn = [0.5, 1.5]', "sla.policies.0.warn", "fractions of the target"),
        (
            'resolve = "1d"\nescalation = [{ role = "boss", after = "1h" }]',
            "sla.policies.0.escalation",
            "role",
        ),
        (
            'resolve = "1d"\nescalation = [{ role = "lead", after = "soon" }]',
            "sla.policies.0.escalation",
            "soon",
        ),
        ('resolve = "1d"\nwhen = "now"', "sla.policies.0.when", "Extra inputs"),
    ],
)
def test_bad_values_name_their_key(tmp_path: Path, change: str, where: str, problem: str) -> None:
    policies = DEFAULTS.replace('resolve = "1d"', change, 1)
    if "is not a duration" in problem:
        policies = DEFAULTS.replace('resolve = "1d"', 'resolve = "one day"', 1)
    text = _refused(tmp_path, CALENDARS + policies)
    key = where.replace(".0.", "[0].")
    assert key in text and problem in text, text


def test_a_policy_without_any_target_is_refused(tmp_path: Path) -> None:
    text = _refused(tmp_path, CALENDARS + DEFAULTS.replace('resolve = "1d"\n', "", 1))
    assert "sla.policies[0]: a policy needs at least one of acknowledge, first_response, resolve" in text


def test_a_calendar_with_a_bad_span_or_zone_is_named(tmp_path: Path) -> None:
    text = _refused(tmp_path, CALENDARS.replace("13:00-18:00", "18:00-13:00") + DEFAULTS)
    assert "sla.calendars.office" in text and "ends before it starts" in text
    text = _refused(tmp_path, CALENDARS.replace("Asia/Shanghai", "Asia/Shanghia") + DEFAULTS)
    assert "sla.calendars.office" in text and "unknown time zone 'Asia/Shanghia'" in text


def test_durations_count_working_days() -> None:
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("2h30m") == timedelta(hours=2, minutes=30)
    assert parse_duration("1d", day=timedelta(hours=8)) == timedelta(hours=8)
    assert parse_duration("1d4h", day=timedelta(hours=8)) == timedelta(hours=12)
    for bad in ("", "4", "h", "-1h", "1w"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_a_day_is_the_calendars_working_day() -> None:
    org = load_org_config(EXAMPLE_ORG_FILE)
    p3 = org.sla.policy_for("store", "P3")
    p1 = org.sla.policy_for("store", "P1")
    assert p3 is not None and p1 is not None
    assert org.sla.target_duration(p3, "resolve") == timedelta(hours=24)  # 3d × 8h (lunch is not work)
    assert org.sla.target_duration(p1, "resolve") == timedelta(hours=4)
    assert org.sla.target_duration(org.sla.policy_for("store", "P4"), "first_response") is None  # type: ignore[arg-type]
