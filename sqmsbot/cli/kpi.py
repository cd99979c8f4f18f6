"""`sqmsbot kpi`: a period's KPIs (DESIGN §8) in the terminal, or as JSON for scripts.

Dates are local days of the department's time zone (the organisation's without --department), both
--from and --to included, as a manager reads "from the 1st to the 30th". The figures are those of
`sqmsbot.domain.kpi`, computed by the database; the previous period of the same length and the
organisation's targets stand beside them. Bad input ends with one line naming the problem, in the
terminal's language, and exit status 2, like the rest of the `sqmsbot` command.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from typing import Annotated, Any, NoReturn

import typer

from sqmsbot.cli.common import migrated_runtime, store_errors, terminal_t
from sqmsbot.cmd.names import fold
from sqmsbot.domain.kpi import KpiReport, Period, Slice, compute, timezone_for
from sqmsbot.i18n import Translator


def _fail(key: str, **args: Any) -> NoReturn:
    t = terminal_t()
    typer.echo(t("kpi_cli.failed", problem=t(key, **args)), err=True)
    raise typer.Exit(2)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(fold(text).strip())
    except ValueError:
        _fail("kpi_cli.bad_date", option=option, value=text[:40])


def kpi_command(
    from_date: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (local).")],
    to_date: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (local), included.")],
    department: Annotated[
        str | None, typer.Option(help="Only this department's incidents, in its time zone.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")] = False,
) -> None:
    """Print the KPIs of the days from --from to --to (both included), beside the period before."""
    first, last = _date(from_date, "--from"), _date(to_date, "--to")
    if last < first:
        _fail("kpi_cli.backwards", first=first.isoformat(), last=last.isoformat())
    runtime = migrated_runtime()
    org = runtime.org
    if department is not None and org.department(department) is None:
        _fail("kpi_cli.unknown_department", value=department[:40], choices=", ".join(org.department_by_key))
    period = Period.range(first, last, timezone_for(org, department))
    with store_errors(runtime.db.url), runtime.db.transaction() as session:
        report = compute(
            session, period=period, slice=Slice(department=department), org=org, now=runtime.clock.now()
        )
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    t = terminal_t()
    dept = org.department(department) if department else None
    name = dept.name.get(t.locale) if dept is not None else org.name
    typer.echo(t("kpi_cli.heading", name=name, first=first, last=last, tz=period.tz))
    for line in table(report, t):
        typer.echo(line)


def _hours(value: Any) -> str:
    return "—" if value is None else f"{value:.2f} h"


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _count(value: Any) -> str:
    return "—" if value is None else str(value)


# (label key, format, where the figure is in the report's JSON, the target's key in `targets`)
LINES: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    ("kpi_cli.label.reported", "count", ("reported",), None),
    ("kpi_cli.label.resolved", "count", ("resolved",), None),
    ("kpi_cli.label.mtta_mean", "hours", ("mtta_hours", "mean"), "mtta_hours"),
    ("kpi_cli.label.mtta_median", "hours", ("mtta_hours", "median"), None),
    ("kpi_cli.label.mtta_p90", "hours", ("mtta_hours", "p90"), None),
    ("kpi_cli.label.mttr_mean", "hours", ("mttr_hours", "mean"), "mttr_hours"),
    ("kpi_cli.label.mttr_median", "hours", ("mttr_hours", "median"), None),
    ("kpi_cli.label.mttr_p90", "hours", ("mttr_hours", "p90"), None),
    ("kpi_cli.label.fcr_rate", "percent", ("fcr_rate",), "fcr_rate"),
    ("kpi_cli.label.reopen_rate", "percent", ("reopen_rate",), "reopen_rate"),
    ("kpi_cli.label.sla_acknowledge", "percent", ("sla", "acknowledge", "attainment"), "sla_attainment"),
    (
        "kpi_cli.label.sla_first_response",
        "percent",
        ("sla", "first_response", "attainment"),
        "sla_attainment",
    ),
    ("kpi_cli.label.sla_resolve", "percent", ("sla", "resolve", "attainment"), "sla_attainment"),
    ("kpi_cli.label.backlog", "count", ("backlog",), None),
    ("kpi_cli.label.aged", "count", ("aged",), None),
)
COLUMNS = ("kpi_cli.col.kpi", "kpi_cli.col.current", "kpi_cli.col.previous", "kpi_cli.col.target")


def _at(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def table(report: KpiReport, t: Translator) -> list[str]:
    """The report as aligned lines: KPI, this period, previous period, target."""
    shown = {"count": _count, "hours": _hours, "percent": _percent}
    data, targets = report.as_json(), report.targets_json()
    body = [
        [
            t(label),
            shown[kind](_at(data, path)),
            shown[kind](_at(data["previous"], path)),
            shown[kind](targets.get(target) if target else None),
        ]
        for label, kind, path, target in LINES
    ]
    grid = [[t(key) for key in COLUMNS], *body]
    widths = [max(_width(row[i]) for row in grid) for i in range(4)]
    return [
        "  ".join(_pad(cell, widths[i], right=i > 0) for i, cell in enumerate(row)).rstrip() for row in grid
    ]
