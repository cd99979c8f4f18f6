"""`sqmsbot kpi`: a period's KPIs (DESIGN §8) in the terminal, or as JSON for scripts; and what the
KPIs need besides incidents.

Dates are local days of the department's time zone (the organisation's without --department), both
--from and --to included, as a manager reads "from the 1st to the 30th". The figures are those of
`sqmsbot.domain.kpi`, computed by the database; the previous period of the same length and the
organisation's targets stand beside them. Bad input ends with one line naming the problem, in the
terminal's language, and exit status 2, like the rest of the `sqmsbot` command.

- `sqmsbot kpi volumes import FILE.csv`: service volumes per day (columns service, day, volume and
  optionally errors), with the rules of `/kpi volume` (sqmsbot.domain.kpi.volumes). Each refused row
  is reported (line, column, problem) on standard error and the others are written; exit status 1
  when any row was refused. Importing the same file again changes nothing.
- `sqmsbot kpi backfill`: the business time to acknowledge and to resolve of incidents that have none
  yet (worked before it was recorded, or imported); in batches, each committed on its own, and safe
  to run again (sqmsbot.domain.kpi.business).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from sqmsbot.cli.common import migrated_runtime, store_errors, terminal_t
from sqmsbot.cmd.names import find_service, fold
from sqmsbot.cmd.wording import labelled
from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi import KpiReport, Period, Slice, compute, timezone_for
from sqmsbot.domain.kpi.business import backfill
from sqmsbot.domain.kpi.volumes import ImportReport, check_columns, import_rows
from sqmsbot.errors import SqmsError
from sqmsbot.i18n import Translator
from sqmsbot.presenters.figures import at_path

kpi_app = typer.Typer(add_completion=False)
volumes_app = typer.Typer(help="Service volumes per day: the error rate's base.", add_completion=False)
kpi_app.add_typer(volumes_app, name="volumes")
BACKFILL_COMMIT = 2000
"""Incidents written per transaction by `sqmsbot kpi backfill`."""


def _fail(key: str, **args: Any) -> NoReturn:
    t = terminal_t()
    typer.echo(t("kpi_cli.failed", problem=t(key, **args)), err=True)
    raise typer.Exit(2)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(fold(text).strip())
    except ValueError:
        _fail("kpi_cli.bad_date", option=option, value=text[:40])


@kpi_app.callback(invoke_without_command=True)
def kpi_command(
    ctx: typer.Context,
    from_date: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (local).")] = None,
    to_date: Annotated[
        str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (local), included.")
    ] = None,
    department: Annotated[
        str | None, typer.Option(help="Only this department's incidents, in its time zone.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")] = False,
) -> None:
    """Print the KPIs of the days from --from to --to (both included), beside the period before."""
    if ctx.invoked_subcommand is not None:
        return
    if from_date is None or to_date is None:
        _fail("kpi_inputs.cli.dates_required")
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


def _fine_percent(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _score(value: Any) -> str:
    return "—" if value is None else f"{value:.2f} / 5"


# (label key, format, where the figure is in the report's JSON, the target's key in `targets`)
LINES: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    ("kpi_cli.label.reported", "count", ("reported",), None),
    ("kpi_cli.label.resolved", "count", ("resolved",), None),
    ("kpi_cli.label.mtta_mean", "hours", ("mtta_hours", "mean"), "mtta_hours"),
    ("kpi_cli.label.mtta_median", "hours", ("mtta_hours", "median"), None),
    ("kpi_cli.label.mtta_p90", "hours", ("mtta_hours", "p90"), None),
    ("kpi_inputs.label.mtta_business_mean", "hours", ("mtta_hours_business", "mean"), None),
    ("kpi_inputs.label.mtta_business_median", "hours", ("mtta_hours_business", "median"), None),
    ("kpi_inputs.label.mtta_business_p90", "hours", ("mtta_hours_business", "p90"), None),
    ("kpi_cli.label.mttr_mean", "hours", ("mttr_hours", "mean"), "mttr_hours"),
    ("kpi_cli.label.mttr_median", "hours", ("mttr_hours", "median"), None),
    ("kpi_cli.label.mttr_p90", "hours", ("mttr_hours", "p90"), None),
    ("kpi_inputs.label.mttr_business_mean", "hours", ("mttr_hours_business", "mean"), None),
    ("kpi_inputs.label.mttr_business_median", "hours", ("mttr_hours_business", "median"), None),
    ("kpi_inputs.label.mttr_business_p90", "hours", ("mttr_hours_business", "p90"), None),
    ("kpi_cli.label.fcr_rate", "percent", ("fcr_rate",), "fcr_rate"),
    ("kpi_cli.label.reopen_rate", "percent", ("reopen_rate",), "reopen_rate"),
    ("kpi_inputs.label.error_rate", "fine_percent", ("error_rate", "rate"), "error_rate"),
    ("kpi_inputs.label.errors", "count", ("error_rate", "errors"), None),
    ("kpi_inputs.label.volume", "count", ("error_rate", "volume"), None),
    ("kpi_inputs.label.csat_share", "percent", ("csat", "share"), "csat"),
    ("kpi_inputs.label.csat_mean", "score", ("csat", "mean"), None),
    ("kpi_inputs.label.csat_n", "count", ("csat", "n"), None),
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
# Business time, the error rate and CSAT need more than incidents: their rows are left out when neither
# period has them (a team that records no volumes is not shown empty rows).
OPTIONAL_PREFIX = "kpi_inputs.label."


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def table(report: KpiReport, t: Translator) -> list[str]:
    """The report as aligned lines: KPI, this period, previous period, target."""
    shown = {
        "count": _count,
        "hours": _hours,
        "percent": _percent,
        "fine_percent": _fine_percent,
        "score": _score,
    }
    data, targets = report.as_json(), report.targets_json()
    body = [
        [
            t(label),
            shown[kind](at_path(data, path)),
            shown[kind](at_path(data["previous"], path)),
            shown[kind](targets.get(target) if target else None),
        ]
        for label, kind, path, target in LINES
        if not label.startswith(OPTIONAL_PREFIX)
        or at_path(data, path) is not None
        or at_path(data["previous"], path) is not None
    ]
    grid = [[t(key) for key in COLUMNS], *body]
    widths = [max(_width(row[i]) for row in grid) for i in range(4)]
    return [
        "  ".join(_pad(cell, widths[i], right=i > 0) for i, cell in enumerate(row)).rstrip() for row in grid
    ]


@volumes_app.command("import")
def import_volumes(
    file: Annotated[Path, typer.Argument(help="A CSV file: service,day,volume[,errors], with that header.")],
) -> None:
    """Record service volumes per day from a CSV file; each refused row is reported."""
    t = terminal_t()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _fail("kpi_inputs.cli.unreadable", path=str(file), reason=str(exc).splitlines()[0][:200])
    reader = csv.DictReader(text.splitlines())
    try:
        check_columns(reader.fieldnames or [])
    except SqmsError as problem:
        _fail(problem.key, **problem.args_)
    runtime = migrated_runtime()
    org = runtime.org

    def named(word: str) -> str:
        return find_service(org, word) or fold(word).lower()

    with store_errors(runtime.db.url), runtime.db.transaction() as session:
        report = import_rows(
            session,
            org=org,
            rows=((reader.line_num, row) for row in reader),
            now=runtime.clock.now(),
            service_named=named,
        )
    _import_report(report, t=t, path=file, org=org)
    if report.problems:
        raise typer.Exit(1)


def _import_report(report: ImportReport, *, t: Translator, path: Path, org: OrgConfig) -> None:
    typer.echo(
        t(
            "kpi_inputs.cli.imported",
            path=path.name,
            added=report.added,
            replaced=report.replaced,
            unchanged=report.unchanged,
            refused=len(report.problems),
        )
    )
    for problem in report.problems:
        reason = t(problem.key, **labelled(problem.args, t=t, org=org))
        key = "kpi_inputs.cli.row_column" if problem.column else "kpi_inputs.cli.row"
        typer.echo(t(key, line=problem.line, column=problem.column, problem=reason), err=True)


@kpi_app.command("backfill")
def backfill_command() -> None:
    """Write the business time to acknowledge and to resolve of incidents that have none yet."""
    runtime = migrated_runtime()
    total = 0
    with store_errors(runtime.db.url):
        while True:
            with runtime.db.transaction() as session:
                written = backfill(session, org=runtime.org, limit=BACKFILL_COMMIT)
            total += written
            if written < BACKFILL_COMMIT:
                break
    typer.echo(terminal_t()("kpi_inputs.cli.backfilled", count=total))
