"""`sqmsbot sla due`: the commitment calculator support staff use when a customer asks "by when?".

Either an ad-hoc calendar (time zone, working hours, holidays country, business hours to add) or a
policy of the organisation file (service, priority, target). Prints the due instant in ISO 8601 with its
offset, in the calendar's time zone, or one JSON object for scripts. Bad input ends with one line
naming the problem and exit status 2, like the rest of the `sqmsbot` command.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer

from sqmsbot.config import ConfigError, Settings, load_org_config
from sqmsbot.config_sla import PRIORITIES, TARGETS, parse_duration
from sqmsbot.domain.calendar import BusinessCalendar, add_business_time

sla_app = typer.Typer(help="Service commitments: compute due times.", no_args_is_help=True)


def _fail(problem: str) -> NoReturn:
    typer.echo(f"sqmsbot sla due: {problem}", err=True)
    raise typer.Exit(2)


def _start(text: str, timezone: str | None) -> datetime:
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"--start {text!r} is not an ISO 8601 instant such as 2026-02-13T17:00:00+08:00")
    if start.tzinfo is None:
        if timezone is None:
            _fail("--start has no UTC offset; add one (…+08:00) or give --timezone")
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
        _fail("--service and --priority go together")
    result: dict[str, object]
    if service is not None and priority is not None:
        if workday or holidays or always_open or business_hours is not None or duration is not None:
            _fail(
                "a policy brings its own calendar and target: "
                "drop --workday, --holidays, --24x7, --business-hours and --duration"
            )
        calendar, amount, zone, result = _from_policy(service, priority.upper(), target)
    else:
        calendar, amount, zone, result = _ad_hoc(
            timezone, holidays, workday, always_open, business_hours, duration
        )
    begin = _start(start, timezone or zone)
    try:
        instant = add_business_time(calendar, start=begin, duration=amount)
    except ValueError as exc:
        _fail(str(exc))
    assert instant is not None  # no pauses: the clock always runs out
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


def _ad_hoc(
    timezone: str | None,
    holidays: str | None,
    workday: list[str] | None,
    always_open: bool,
    business_hours: float | None,
    duration: str | None,
) -> tuple[BusinessCalendar, timedelta, str, dict[str, object]]:
    if timezone is None:
        _fail("--timezone is required with an ad-hoc calendar (or use --service and --priority)")
    if (business_hours is None) == (duration is None):
        _fail("give the time to add: --business-hours N or --duration 4h")
    if not always_open and not workday:
        _fail("give the working hours (--workday 09:00-18:00) or --24x7")
    try:
        calendar = BusinessCalendar.from_spec(
            timezone=timezone,
            hours=None if always_open else workday,
            holidays_country=holidays,
            always_open=always_open,
        )
        if business_hours is not None:
            if business_hours < 0:
                raise ValueError(f"--business-hours must not be negative, got {business_hours:g}")
            amount = timedelta(hours=business_hours)
        else:
            day = timedelta(days=1) if always_open else _day_length(calendar)
            amount = parse_duration(duration or "", day=day)
    except ValueError as exc:
        _fail(str(exc))
    return (
        calendar,
        amount,
        timezone,
        {"calendar": {"hours": workday, "holidays": holidays, "24x7": always_open}},
    )


def _day_length(calendar: BusinessCalendar) -> timedelta:
    spans = next((spans for spans in calendar.weekly if spans), ())
    return timedelta(minutes=sum(span.end - span.start for span in spans))


def _from_policy(
    service: str, priority: str, target: str
) -> tuple[BusinessCalendar, timedelta, str, dict[str, object]]:
    settings = Settings()
    try:
        org = load_org_config(settings.org_file)
    except ConfigError as exc:
        _fail(str(exc))
    if org.service(service) is None:
        _fail(f"there is no service {service!r}; services: {', '.join(org.service_by_key)}")
    if priority not in PRIORITIES:
        _fail(f"--priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    if target not in TARGETS:
        _fail(f"--target must be one of {', '.join(TARGETS)}, not {target!r}")
    policy = org.sla.policy_for(service, priority)
    if policy is None:
        _fail(f"no commitment applies to {service} {priority} (is [sla] configured in {settings.org_file}?)")
    amount = org.sla.target_duration(policy, target)
    if amount is None:
        _fail(f"the {policy.key} policy sets no {target} target")
    calendar = org.sla.calendar(policy.calendar)
    info: dict[str, object] = {"policy": policy.key, "target": target, "calendar": policy.calendar}
    return calendar.calendar, amount, calendar.timezone, info
