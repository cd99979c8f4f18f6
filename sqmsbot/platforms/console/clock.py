"""The console's `:clock`: move the sandbox's time forward and watch the scheduled jobs do their work.

`:clock` shows the time; `:clock +90m`, `:clock +2d`, `:clock +1d2h` or `:clock 2026-11-24T09:00`
(the organisation's time zone unless an offset is given) moves it forward and runs, in order, every
job period that falls due in between — through the same claims as the real scheduler, so a period the
console ran is never run again by a bot sharing its store — then delivers what the jobs sent.
Time never moves backwards: stored events would otherwise come before the ones that caused them.
For the same reason the clock outlives the console: each move is kept in the store
(`stored_values["console_clock"]`), and a console opened later on that store starts from it, or from
the real now if that is later, so a second session never stamps events before the first one's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqmsbot.clock import ManualClock
from sqmsbot.db import Database
from sqmsbot.i18n import Translator
from sqmsbot.models import StoredValue
from sqmsbot.outbox import OutboxWorker
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import Outcome, run_due
from sqmsbot.timefmt import local

# One `:clock` runs at most a month of periods: a minute-by-minute job is 44 640 of them already.
MAX_SPAN = timedelta(days=31)
SPAN = re.compile(r"^\+((?:\d{1,5}[wdhm])+)$")
UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
CLOCK_KEY = "console_clock"  # a stored value, not a catalog key


def _instant(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:  # a clock that cannot be read is no clock: the next move overwrites it
        return None


def stored_clock(db: Database) -> datetime | None:
    """Where an earlier console on this store left its clock, if one moved it."""
    with db.transaction() as session:
        row = session.get(StoredValue, CLOCK_KEY)
        return _instant(row.value if row is not None else None)


def keep_clock(db: Database, instant: datetime) -> None:
    """Remember the console's time for the next console on this store; it never moves back."""
    with db.transaction() as session:
        row = session.get(StoredValue, CLOCK_KEY, with_for_update=True)
        if row is None:
            session.add(StoredValue(key=CLOCK_KEY, value=instant.isoformat(), updated_at=instant))
            return
        before = _instant(row.value)
        if before is None or before < instant:
            row.value, row.updated_at = instant.isoformat(), instant


def starting_clock(db: Database, now: datetime) -> ManualClock:
    """The console's clock at start: the later of the real now and where the last console left it."""
    stored = stored_clock(db)
    return ManualClock(max(now, stored) if stored is not None else now)


def parse_target(text: str, *, now: datetime, timezone: str) -> datetime:
    """`+90m`, `+1d2h`, or an ISO date-time (naive ones in `timezone`); ValueError when neither."""
    span = SPAN.match(text)
    if span:
        parts = re.findall(r"(\d+)([wdhm])", span.group(1))
        return now + sum((int(n) * UNITS[unit] for n, unit in parts), timedelta())
    target = datetime.fromisoformat(text)
    return target if target.tzinfo else target.replace(tzinfo=ZoneInfo(timezone))


def clock_command(
    runtime: Runtime,
    clock: ManualClock,
    worker: OutboxWorker,
    t: Translator,
    write: Callable[[str], None],
    rest: str,
) -> None:
    """Handle one `:clock` line: show the time, or move it and run the jobs that fall due."""
    zone = runtime.org.timezone
    now = clock.now()
    rest = rest.strip()
    if not rest:
        write(t("clock.now", time=local(now, zone)))
        return
    try:
        target = parse_target(rest, now=now, timezone=zone)
    except ValueError:
        write(t("clock.usage"))
        return
    if target < now:
        write(t("clock.backwards", time=local(now, zone)))
        return
    if target - now > MAX_SPAN:
        write(t("clock.too_far", days=MAX_SPAN.days))
        return
    outcomes = run_due(runtime, now, target)
    keep_clock(runtime.db, clock.now())
    write(t("clock.moved", time=local(clock.now(), zone)))
    for line in summary(outcomes, t, zone):
        write(line)
    worker.drain(rounds=1000)


def summary(outcomes: list[Outcome], t: Callable[..., str], zone: str) -> list[str]:
    """One line per job (how many periods ran, the last one's time), and one per failure."""
    if not outcomes:
        return [t("clock.nothing")]
    lines = []
    done = ("finished", "idle")  # an idle period ran its check and found nothing to do
    ran = Counter(o.due.job.name for o in outcomes if o.status in done)
    elsewhere = Counter(o.due.job.name for o in outcomes if o.status in ("skipped", "lost"))
    for name in dict.fromkeys(o.due.job.name for o in outcomes):
        if ran[name]:
            last = max(o.due.scheduled_at for o in outcomes if o.due.job.name == name and o.status in done)
            lines.append(t("clock.ran", job=name, count=ran[name], time=local(last, zone)))
        if elsewhere[name]:
            lines.append(t("clock.elsewhere", job=name, count=elsewhere[name]))
    for failed in (o for o in outcomes if o.status == "failed"):
        lines.append(t("clock.failed", period=failed.due.period_key, error=failed.error or ""))
    return lines
