"""`sqmsbot sla due`: the commitment calculator support staff use when a customer asks "by when?".

Either an ad-hoc calendar (time zone, working hours, holidays country, business hours to add) or a
policy of the organisation file (service, priority, target). Prints the due instant in ISO 8601 with its
offset, in the calendar's time zone, or one JSON object for scripts. Bad input ends with one line
naming the problem, in the terminal's language, and exit status 2, like the rest of the `sqmsbot`
command. Amounts are bounded (more than nothing, at most a year of hours, due within ten years), so
a typo such as `--business-hours 1e7` is refused at once instead of walking the calendar for minutes.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_tables
import typer

from sqmsbot.calendar import BusinessCalendar, WorkingSpan, add_business_time, business_time_between
from sqmsbot.cli.common import org_file, terminal_t
from sqmsbot.cmd.names import fold, service_key
from sqmsbot.config import ConfigError, Settings, load_org_config
from sqmsbot.config_sla import TARGETS, parse_duration
from sqmsbot.vocabulary import PRIORITIES

sla_app = typer.Typer(help="Service commitments: compute due times.", no_args_is_help=True)

MAX_HOURS = 24 * 365  # a year of round-the-clock hours: far beyond any service commitment
HORIZON = timedelta(days=3653)  # the due time must fall within ten years of the start
SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _fail(key: str, **args: Any) -> NoReturn:
    t = terminal_t()
    typer.echo(t("sla_due.failed", problem=t(key, **args)), err=True)
    raise typer.Exit(2)


def _fail_with(problem: str) -> NoReturn:
    """A problem the calendar or the organisation file put in words (the file, key and value named)."""
    typer.echo(terminal_t()("sla_due.failed", problem=problem), err=True)
    raise typer.Exit(2)


def _start(text: str, timezone: str | None) -> datetime:
    try:
        start = datetime.fromisoformat(fold(text))
    except ValueError:
        _fail("sla_due.bad_start", value=text)
    if start.tzinfo is None:
        if timezone is None:
            _fail("sla_due.naive_start")
        start = start.replace(tzinfo=ZoneInfo(timezone))
    return start


@sla_app.command("due")
def due(
    start: Annotated[str, typer.Option(help="When the clock starts, e.g. 2026-02-13T17:00:00+08:00.")],
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone of the calendar (and of the answer).")
    ] = None,
    holidays: Annotated[
        str | None, typer.Option(help="Country code for public holidays and makeup workdays, e.g. CN.")
    ] = None,
    workday: Annotated[
        list[str] | None,
        typer.Option(help="Working hours Monday–Friday, e.g. 09:00-18:00 (repeat for several spans)."),
    ] = None,
    always_open: Annotated[bool, typer.Option("--24x7", help="Count every hour (no working hours).")] = False,
    business_hours: Annotated[
        float | None, typer.Option(help="Business hours to add (with an ad-hoc calendar).")
    ] = None,
    duration: Annotated[
        str | None, typer.Option(help="Business time to add instead, e.g. 30m, 4h, 1d (a working day).")
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="Use the organisation's policy for this service…")
    ] = None,
    priority: Annotated[str | None, typer.Option(help="…and this priority (P1–P4).")] = None,
    target: Annotated[str, typer.Option(help="acknowledge, first_response or resolve.")] = "resolve",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")] = False,
) -> None:
    """Print the instant a commitment falls due, counted in business time from --start."""
    if (service is None) != (priority is None):
        _fail("sla_due.together")
    result: dict[str, object]
    if timezone is not None:
        _check_timezone(timezone)
    if service is not None and priority is not None:
        if workday or holidays or always_open or business_hours is not None or duration is not None:
            _fail("sla_due.policy_calendar")
        calendar, amount, zone, result = _from_policy(service, fold(priority).upper(), target)
    else:
        calendar, amount, zone, result = _ad_hoc(
            timezone, holidays, workday, always_open, business_hours, duration
        )
    begin = _start(start, timezone or zone)
    instant = _due(calendar, begin, amount)
    shown = instant.astimezone(ZoneInfo(timezone or zone)).isoformat()
    if not as_json:
        typer.echo(shown)
        return
    result |= {
        "start": begin.isoformat(),
        "due": shown,
        "timezone": timezone or zone,
        "business_seconds": int(amount.total_seconds()),
    }
    typer.echo(json.dumps(result, ensure_ascii=False))


def _due(calendar: BusinessCalendar, begin: datetime, amount: timedelta) -> datetime:
    """The due instant; refused when it lies beyond the horizon (a sparse calendar and a large amount)."""
    try:
        if amount > timedelta(days=31):  # only large amounts can be far away: look before walking
            available = business_time_between(calendar, start=begin, end=begin + HORIZON)
            if amount > available:
                _fail("sla_due.too_far", years=HORIZON.days // 365)
        instant = add_business_time(calendar, start=begin, duration=amount)
    except (ValueError, OverflowError) as exc:
        _fail_with(str(exc))
    assert instant is not None  # no pauses: the clock always runs out
    return instant


def _check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        _fail("sla_due.unknown_timezone", value=timezone)


def _hours(value: float) -> timedelta:
    """Business hours as typed: a finite number more than zero, at most a year of hours."""
    if math.isnan(value) or math.isinf(value):
        _fail("sla_due.hours_not_a_number", value=f"{value:g}")
    if value < 0:
        _fail("sla_due.hours_negative", value=f"{value:g}")
    if value == 0:
        _fail("sla_due.hours_zero")
    if value > MAX_HOURS:
        _fail("sla_due.hours_too_many", value=f"{value:g}", max=MAX_HOURS)
    return timedelta(hours=value)


def _duration(text: str, day: timedelta) -> timedelta:
    try:
        amount = parse_duration(fold(text), day=day)
    except ValueError:
        _fail("sla_due.bad_duration", value=text)
    except OverflowError:
        _fail("sla_due.duration_too_long", value=text, max=MAX_HOURS)
    if amount <= timedelta(0):
        _fail("sla_due.duration_zero")
    if amount > timedelta(hours=MAX_HOURS):
        _fail("sla_due.duration_too_long", value=text, max=MAX_HOURS)
    return amount


def _spans(workday: list[str]) -> list[str]:
    for text in workday:
        span = SPAN.match(fold(text))
        if span is None:
            _fail("sla_due.bad_workday", value=text)
        h1, m1, h2, m2 = (int(g) for g in span.groups())
        if (h1, m1) >= (h2, m2):
            _fail("sla_due.workday_backwards", value=text)
        try:
            WorkingSpan.parse(fold(text))
        except ValueError:
            _fail("sla_due.bad_workday", value=text)
    return [fold(text) for text in workday]


def _ad_hoc(
    timezone: str | None,
    country: str | None,
    workday: list[str] | None,
    always_open: bool,
    business_hours: float | None,
    duration: str | None,
) -> tuple[BusinessCalendar, timedelta, str, dict[str, object]]:
    if timezone is None:
        _fail("sla_due.timezone_required")
    if (business_hours is None) == (duration is None):
        _fail("sla_due.amount_required")
    if not always_open and not workday:
        _fail("sla_due.hours_required")
    if country is not None and fold(country).upper() not in holiday_tables.list_supported_countries():
        _fail("sla_due.unknown_country", value=country)
    hours = None if always_open else _spans(workday or [])
    try:
        calendar = BusinessCalendar.from_spec(
            timezone=timezone,
            hours=hours,
            holidays_country=fold(country) if country else None,
            always_open=always_open,
        )
    except ValueError as exc:
        _fail_with(str(exc))
    if business_hours is not None:
        amount = _hours(business_hours)
    else:
        amount = _duration(duration or "", timedelta(days=1) if always_open else _day_length(calendar))
    return (
        calendar,
        amount,
        timezone,
        {"calendar": {"hours": workday, "holidays": country, "24x7": always_open}},
    )


def _day_length(calendar: BusinessCalendar) -> timedelta:
    spans = next((spans for spans in calendar.weekly if spans), ())
    return timedelta(minutes=sum(span.end - span.start for span in spans))


def _from_policy(
    service: str, priority: str, target: str
) -> tuple[BusinessCalendar, timedelta, str, dict[str, object]]:
    settings = Settings()
    path = org_file(settings)
    try:
        org = load_org_config(path)
    except ConfigError as exc:
        _fail_with(str(exc))
    key = service_key(org, service)
    if org.service(key) is None:
        _fail("sla_due.unknown_service", value=service, choices=", ".join(org.service_by_key))
    if priority not in PRIORITIES:
        _fail("sla_due.bad_priority", value=priority, choices=", ".join(PRIORITIES))
    if target not in TARGETS:
        _fail("sla_due.bad_target", value=target, choices=", ".join(TARGETS))
    policy = org.sla.policy_for(key, priority)
    if policy is None:
        _fail("sla_due.no_policy", service=key, priority=priority, path=path)
    amount = org.sla.target_duration(policy, target)
    if amount is None:
        _fail("sla_due.no_target", policy=policy.key, target=target)
    calendar = org.sla.calendar(policy.calendar)
    info: dict[str, object] = {"policy": policy.key, "target": target, "calendar": policy.calendar}
    return calendar.calendar, amount, calendar.timezone, info
