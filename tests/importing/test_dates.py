"""Timestamps as exports write them, read as the instants they name: the shapes, the day/month order,
the zone of naive readings (DST included), and what is not a timestamp."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sqmsbot.importing.dates import DateReader, evidence

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "order", "instant"),
    [
        ("29/2/2016 01:16", "dayfirst", "2016-02-28 17:16"),  # the UCI event log
        ("2/29/2016 01:16", "monthfirst", "2016-02-28 17:16"),
        ("3/4/2016 09:00", "dayfirst", "2016-04-03 01:00"),
        ("3/4/2016 09:00", "monthfirst", "2016-03-04 01:00"),
        ("2016-02-29 01:16", "monthfirst", "2016-02-28 17:16"),  # ISO is never ambiguous
        ("2016-02-29T01:16:30.5", "dayfirst", "2016-02-28 17:16:30.500000"),
        ("2026-11-23T09:00:00+08:00", "dayfirst", "2026-11-23 01:00"),
        ("2026-11-23 09:00:00 +0000", "dayfirst", "2026-11-23 09:00"),
        ("2026-11-23T09:00:00Z", "dayfirst", "2026-11-23 09:00"),
        ("23/Nov/26 9:05 AM", "monthfirst", "2026-11-23 01:05"),  # Jira
        ("23/Nov/26 12:05 AM", "dayfirst", "2026-11-22 16:05"),
        ("11/23/2026 9:05 PM", "monthfirst", "2026-11-23 13:05"),
        ("2026年11月23日 09:05", "dayfirst", "2026-11-23 01:05"),
        ("２０２６－１１－２３　０９：０５", "dayfirst", "2026-11-23 01:05"),  # full width
        ("23.11.2026", "dayfirst", "2026-11-22 16:00"),  # a day without a time: its midnight
        ("  2026-11-23 09:05  ", "dayfirst", "2026-11-23 01:05"),
    ],
)
def test_shapes(text: str, order: str, instant: str) -> None:
    read = DateReader(order=order, zone=SHANGHAI)  # type: ignore[arg-type]
    assert read(text) == utc(instant)


@pytest.mark.parametrize(
    "text",
    [
        "31/2/2016 10:00",
        "29/2/2015 10:00",
        "2016-13-01",
        "yesterday",
        "10:00",
        "",
        "13/13/2016",
        "1/1/16 13:00 PM",
        "25:00 1/1/2016",
        "2016-01-01 24:00",
        "1/1/1066 10:00",
        "🕘",
    ],
)
def test_not_timestamps(text: str) -> None:
    assert DateReader(order="dayfirst", zone=SHANGHAI)(text) is None


def test_naive_readings_on_a_dst_change() -> None:
    """Berlin: 2026-03-29 02:30 never happens (read an hour later, 03:30 summer time: the gap moves
    it forward), 2026-10-25 02:30 happens twice (read as its first occurrence, summer time)."""
    read = DateReader(order="dayfirst", zone=ZoneInfo("Europe/Berlin"))
    assert read("29/3/2026 01:59") == utc("2026-03-29 00:59")
    assert read("29/3/2026 03:00") == utc("2026-03-29 01:00")
    assert read("29/3/2026 02:30") == utc("2026-03-29 01:30")
    assert read("25/10/2026 02:30") == utc("2026-10-25 00:30")
    assert read("25/10/2026 03:30") == utc("2026-10-25 02:30")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("29/2/2016 01:16", "dayfirst"),
        ("2/29/2016 01:16", "monthfirst"),
        ("12/11/2016", None),
        ("2016-02-29 01:16", None),
        ("23/Nov/26 9:05 AM", None),
        ("?", None),
    ],
)
def test_what_one_value_proves(text: str, said: str | None) -> None:
    assert evidence(text) == said
