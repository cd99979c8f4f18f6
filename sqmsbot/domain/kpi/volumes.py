"""Service volumes: how often each service was delivered on a day, the base of the error rate (§8).

Who records them: the leads, managers and admins of the department that owns the service (they run
it and know its numbers), and the quality team for any service. A day is a local date of that
department; a day not yet begun there cannot be recorded, today can (and recorded again in the
evening: recording a day again replaces it, so the last count stands). Volumes and errors are whole
numbers from 0 to `MAX_COUNT`, and a day cannot have more errors than deliveries.

`errors` is optional: when a team counts its failed deliveries it gives the count; when it does not,
the error rate counts the incidents reported against the service that day instead (see
sqmsbot.domain.kpi.queries). A count of 0 is a count (a day without errors), not "not counted".

The same rules hold for `/kpi volume` in chat and `sqmsbot kpi volumes import FILE.csv`; the file
import reports each refused row (line, column, problem) and writes the others; a row recorded with
the same figures already changes nothing, so importing a file twice writes nothing the second time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain.incident_workflow import is_quality
from sqmsbot.domain.kpi.period import local_midnight, supported, timezone_for
from sqmsbot.errors import Forbidden, NotFound, SqmsError, UsageError
from sqmsbot.models import Person, ServiceVolume

MAX_COUNT = 1_000_000_000
"""A billion deliveries of one service in one day is more than any organisation has: a typo."""
RECORDING_ROLES = ("lead", "manager", "admin")
COLUMNS = ("service", "day", "volume", "errors")
REQUIRED_COLUMNS = ("service", "day", "volume")
DAY_WORDS = {"today": 0, "今天": 0, "yesterday": 1, "昨天": 1}
# 1250, 1,250 or 1_250 (thousands grouped by three), after full-width digits became ASCII.
COUNT = re.compile(r"[0-9]{1,10}|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:_[0-9]{3})+")


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def parse_count(text: str, *, field: str) -> int:
    """`1250`, `1,250`, `１２５０` → 1250; a UsageError naming the field for anything else."""
    folded = _folded(text)
    if not folded:
        raise UsageError("errors.empty_field", field=field)
    if not COUNT.fullmatch(folded) or int(folded.replace(",", "").replace("_", "")) > MAX_COUNT:
        raise UsageError("kpi_inputs.bad_count", field=field, value=_clip(text), max=f"{MAX_COUNT:,}")
    return int(folded.replace(",", "").replace("_", ""))


def parse_day(text: str, *, today: date) -> date:
    """`2026-11-23`, `today`, `yesterday` (`今天`, `昨天`) → a date; the future is refused by `record`."""
    folded = _folded(text).lower()
    if folded in DAY_WORDS:
        return today - timedelta(days=DAY_WORDS[folded])
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", folded):
            raise ValueError(folded)
        day = date.fromisoformat(folded)
        if not supported(day):
            raise ValueError(folded)
        return day
    except ValueError:
        raise UsageError("kpi_inputs.bad_day", field="day", value=_clip(text)) from None


def local_today(org: OrgConfig, *, service: str, now: datetime) -> date:
    """Today in the time zone of the department that owns `service` (the organisation's if unknown)."""
    svc = org.service(service)
    tz = timezone_for(org, svc.department if svc else None)
    return _local_date(now, tz)


def _local_date(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def service_of_department(org: OrgConfig, *, department: str) -> str:
    """The one service a department owns: `/kpi volume ops …` names it by its department. A department
    with several (or none) is refused with its services, so that nothing is recorded against a guess."""
    owned = [service.key for service in org.services if service.department == department]
    if not owned:
        raise UsageError(
            "kpi_inputs.department_no_service", department=department, choices=", ".join(org.service_by_key)
        )
    if len(owned) != 1:
        raise UsageError(
            "kpi_inputs.department_services",
            department=department,
            services=", ".join(owned),
            choices=", ".join(org.service_by_key),
        )
    return owned[0]


def may_record(person: Person, *, department: str) -> bool:
    """Leads, managers and admins of the owning department, and quality anywhere."""
    return is_quality(person) or (person.department == department and person.role in RECORDING_ROLES)


@dataclass(frozen=True)
class Recorded:
    """What `record` did: the row as it stands, what it replaced (None: a new day), and whether
    anything changed at all."""

    row: ServiceVolume
    before: tuple[int, int | None] | None
    changed: bool


def record(
    session: Session,
    *,
    org: OrgConfig,
    actor: Person | None,
    service: str,
    day: date,
    volume: int,
    errors: int | None,
    now: datetime,
) -> Recorded:
    """Record (or replace) one service's volume and errors on one local day. `actor` None: a file
    imported by an operator, who needs no role in chat."""
    svc = org.service(service)
    if svc is None:
        raise NotFound("errors.unknown_service", service=service[:40], choices=", ".join(org.service_by_key))
    if actor is not None and not may_record(actor, department=svc.department):
        raise Forbidden("kpi_inputs.volume_forbidden", department=svc.department)
    for name, value in (("volume", volume), ("errors", errors)):
        if value is not None and not 0 <= value <= MAX_COUNT:
            raise UsageError("kpi_inputs.bad_count", field=name, value=str(value), max=f"{MAX_COUNT:,}")
    if errors is not None and errors > volume:
        raise UsageError("kpi_inputs.errors_above_volume", field="errors", errors=errors, volume=volume)
    tz = timezone_for(org, svc.department)
    today = _local_date(now, tz)
    if day > today:
        raise UsageError("kpi_inputs.future_day", field="day", day=day.isoformat(), today=today.isoformat())
    row = session.get(ServiceVolume, (service, day))
    if row is not None and (row.volume, row.errors) == (volume, errors):
        return Recorded(row=row, before=(row.volume, row.errors), changed=False)
    before = None if row is None else (row.volume, row.errors)
    if row is None:
        row = ServiceVolume(service=service, day=day)
        session.add(row)
    row.department = svc.department
    row.volume, row.errors = volume, errors
    row.starts_at, row.ends_at = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    row.recorded_by = actor
    row.recorded_at = now
    session.flush()
    return Recorded(row=row, before=before, changed=True)


@dataclass(frozen=True)
class RowProblem:
    """A refused row of an imported file: its line (the header is line 1), the column, and why (a
    catalog key and its arguments, said in the reader's language by whoever shows it)."""

    line: int
    column: str
    key: str
    args: dict[str, Any]


@dataclass
class ImportReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def check_columns(header: Iterable[str]) -> None:
    """A file's header must have service, day and volume, may have errors, and nothing else (a
    misspelt `error` column would silently count nothing)."""
    names = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        raise UsageError(
            "kpi_inputs.import_columns",
            missing=", ".join(missing) or "—",
            unknown=", ".join(unknown) or "—",
            columns=", ".join(COLUMNS),
        )


def import_rows(
    session: Session,
    *,
    org: OrgConfig,
    rows: Iterable[tuple[int, Mapping[str | None, Any]]],
    now: datetime,
    service_named: Callable[[str], str] = str.strip,
) -> ImportReport:
    """Record each (line, row) of a file; a refused row is reported and the others are written.

    `service_named` turns what the file says into a service key (the command layer resolves names in
    either language); a (service, day) given twice keeps the first and reports the second.
    """
    report = ImportReport()
    seen: dict[tuple[str, date], int] = {}
    for line, raw in rows:
        cells = {key.strip().lower(): str(value or "").strip() for key, value in raw.items() if key}
        try:
            if None in raw:  # csv.DictReader keeps cells beyond the header under None
                raise UsageError("kpi_inputs.import_cells", field="", columns=", ".join(COLUMNS))
            service = service_named(cells.get("service", ""))
            if org.service(service) is None:
                raise NotFound(
                    "errors.unknown_service",
                    field="service",
                    service=_clip(cells.get("service", "")),
                    choices=", ".join(org.service_by_key),
                )
            today = local_today(org, service=service, now=now)
            day = parse_day(cells.get("day", ""), today=today)
            volume = parse_count(cells.get("volume", ""), field="volume")
            errors = parse_count(cells["errors"], field="errors") if cells.get("errors") else None
            if (service, day) in seen:
                raise UsageError("kpi_inputs.import_repeated", field="day", first=seen[(service, day)])
            done = record(
                session, org=org, actor=None, service=service, day=day, volume=volume, errors=errors, now=now
            )
        except SqmsError as problem:
            column = str(problem.args_.get("field", "service"))
            report.problems.append(RowProblem(line=line, column=column, key=problem.key, args=problem.args_))
            continue
        seen[(service, day)] = line
        if not done.changed:
            report.unchanged += 1
        elif done.before is None:
            report.added += 1
        else:
            report.replaced += 1
    return report
