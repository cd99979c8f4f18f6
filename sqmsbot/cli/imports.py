"""`sqmsbot import tickets`: historical tickets from a CSV export, so the KPIs start with real history.

The work is sqmsbot.importing's; this module reads the options, shows a progress bar on a terminal
(nothing on a pipe or in CI logs), and says what happened in the terminal's language: the counts,
the rows that were rejected (line, column, problem) as a table, the departments to add to the
organisation file, the people created and the values no map knew. `--json` prints the same as one
object for scripts.

Exit status: 0 when every row was imported (or would be, with `--dry-run`), 1 when some rows were
rejected (the others are imported), 2 when the command cannot run at all (a bad option, a file that
is missing, not CSV text or lacks a required column, dates written both day-first and month-first,
a mapping file that does not check, a store that cannot be reached); then nothing is written.

Mounted by `sqmsbot.cli.root` (`app.add_typer(import_app, name="import")`).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from sqmsbot.cli.common import migrated_runtime, store_errors, terminal_t
from sqmsbot.i18n import Translator
from sqmsbot.importing import (
    FORMATS,
    IMPORT_PLATFORM,
    DateFormat,
    ImportOptions,
    ImportReport,
    Problem,
    Refused,
    import_tickets,
)

import_app = typer.Typer(
    help="Import historical tickets from another system's CSV export.", no_args_is_help=True
)

DATE_FORMATS = ("auto", "dayfirst", "monthfirst")
SHOWN_PROBLEMS = 50
SHOWN_UNMAPPED = 10
SHOWN_IDS = 10
# Each kind a problem or refusal may have, and the sentence that says it (the catalog test reads
# these keys as written).
PROBLEMS = {
    "empty": "import_cli.problem.empty",
    "bad_date": "import_cli.problem.bad_date",
    "bad_priority": "import_cli.problem.bad_priority",
    "bad_status": "import_cli.problem.bad_status",
    "bad_number": "import_cli.problem.bad_number",
    "bad_flag": "import_cli.problem.bad_flag",
    "too_long": "import_cli.problem.too_long",
    "not_text": "import_cli.problem.not_text",
    "field_count": "import_cli.problem.field_count",
    "unreadable": "import_cli.problem.unreadable",
    "before_report": "import_cli.problem.before_report",
    "before_resolution": "import_cli.problem.before_resolution",
    "no_resolution_time": "import_cli.problem.no_resolution_time",
    "duplicate_id": "import_cli.problem.duplicate_id",
}
REFUSALS = {
    "file_missing": "import_cli.refused.file_missing",
    "not_readable": "import_cli.refused.not_readable",
    "unknown_encoding": "import_cli.refused.unknown_encoding",
    "not_text": "import_cli.refused.not_text",
    "empty_file": "import_cli.refused.empty_file",
    "missing_columns": "import_cli.refused.missing_columns",
    "map_missing": "import_cli.refused.map_missing",
    "bad_map": "import_cli.refused.bad_map",
    "mixed_dates": "import_cli.refused.mixed_dates",
}
FIELDS_SHOWN = {
    "category": "import_cli.field.category",
    "source": "import_cli.field.source",
    "service": "import_cli.field.service",
    "priority": "import_cli.field.priority",
}
ORDERS = {"dayfirst": "import_cli.order.dayfirst", "monthfirst": "import_cli.order.monthfirst"}
INSTANT_ARGS = ("reported", "resolved")


def _fail(key: str, **args: Any) -> NoReturn:
    """A usage error: the problem and the usage, in the terminal's language; exit 2, nothing written."""
    t = terminal_t()
    typer.echo(t("import_cli.failed", problem=t(key, **args)), err=True)
    typer.echo(t("import_cli.usage"), err=True)
    raise typer.Exit(2)


@import_app.command("tickets")
def tickets(
    file: Annotated[Path, typer.Argument(help="The CSV export.", show_default=False, metavar="FILE.csv")],
    fmt: Annotated[str, typer.Option("--format", help="servicenow, jira, zendesk or generic.")],
    mapping: Annotated[
        Path | None, typer.Option("--map", help="A TOML file of your column names and values.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count; write nothing.")] = False,
    timezone: Annotated[
        str | None, typer.Option(help="Zone of timestamps without an offset (default: the organisation's).")
    ] = None,
    date_format: Annotated[str, typer.Option(help="dayfirst, monthfirst or auto.")] = "auto",
    encoding: Annotated[str, typer.Option(help="The file's text encoding.")] = "utf-8-sig",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")] = False,
) -> None:
    """Import historical tickets from a CSV export (re-importing the same file changes nothing)."""
    name = fmt.strip().lower()
    if name not in FORMATS:
        _fail("import_cli.bad_format", value=fmt[:40], choices=", ".join(FORMATS))
    if date_format not in DATE_FORMATS:
        _fail("import_cli.bad_date_format", value=date_format[:40], choices=", ".join(DATE_FORMATS))
    runtime = migrated_runtime()
    zone = timezone or runtime.org.timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        _fail("import_cli.bad_timezone", value=zone[:60])
    options = ImportOptions(
        path=file,
        format=name,
        timezone=zone,
        date_format=cast(DateFormat, date_format),  # one of DATE_FORMATS (checked above)
        dry_run=dry_run,
        map_path=mapping,
        encoding=encoding,
    )
    t = terminal_t()
    try:
        with store_errors(runtime.db.url), _progress() as progress:
            report = import_tickets(
                db=runtime.db,
                org=runtime.org,
                options=options,
                now=runtime.clock.now(),
                progress=progress,
            )
    except Refused as refused:
        _fail(REFUSALS[refused.kind], **{name: _safe(value) for name, value in refused.args_.items()})
    if as_json:
        typer.echo(json.dumps({"file": str(file), **report.as_json()}, ensure_ascii=False, indent=2))
    else:
        for line in summary(report, file=file, t=t):
            typer.echo(line)
    if not report.complete:
        raise typer.Exit(1)


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on standard error when it is a terminal; nothing otherwise (CI logs stay clean)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=True
    ) as bar:
        task = bar.add_task("import", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _safe(value: Any) -> Any:
    """What the file said, fit for a terminal: a control character (an escape sequence in a hostile
    export) or an undecodable byte is shown as `�`, never sent to the terminal as it is."""
    if not isinstance(value, str):
        return value
    return "".join(ch if ch.isprintable() and not "\udc80" <= ch <= "\udcff" else "\ufffd" for ch in value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _local(value: Any, zone: str) -> Any:
    """An ISO instant of a problem, as a local reading in the import's zone."""
    try:
        return datetime.fromisoformat(str(value)).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def problem_text(problem: Problem, t: Translator, zone: str) -> str:
    args = {name: _safe(value) for name, value in problem.args.items()}
    for name in INSTANT_ARGS:
        if name in args:
            args[name] = _local(args[name], zone)
    value = problem.value
    if problem.kind in ("before_report", "before_resolution"):
        value = _local(value, zone)
    return t(PROBLEMS[problem.kind], value=_safe(value or ""), **args)


def problem_table(report: ImportReport, t: Translator) -> list[str]:
    rows = [
        [str(p.line), _safe(p.column or "—"), problem_text(p, t, report.timezone)]
        for p in report.problems[:SHOWN_PROBLEMS]
    ]
    grid = [[t("import_cli.col.line"), t("import_cli.col.column"), t("import_cli.col.problem")], *rows]
    widths = [max(_width(row[i]) for row in grid) for i in range(2)]
    return ["  ".join([_pad(row[0], widths[0]), _pad(row[1], widths[1]), row[2]]).rstrip() for row in grid]


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def summary(report: ImportReport, *, file: Path, t: Translator) -> list[str]:
    """What the import did (or, dry, would do), as lines for the terminal."""
    order = t(ORDERS[report.date_order])
    heading = "import_cli.heading_dry" if report.dry_run else "import_cli.heading"
    lines = [
        t(heading, file=file, format=report.format, order=order, tz=report.timezone),
        t("import_cli.read", rows=report.rows, tickets=report.tickets),
        t(
            "import_cli.counts_dry" if report.dry_run else "import_cli.counts",
            new=report.new,
            unchanged=report.unchanged,
            updated=report.updated,
            kept=report.kept,
        ),
    ]
    if report.problem_count:
        lines += ["", t("import_cli.rejected", rows=report.rejected_rows, problems=report.problem_count)]
        if report.rejected_tickets:
            ids = ", ".join(report.rejected_ids[:SHOWN_IDS])
            more = "" if report.rejected_tickets <= SHOWN_IDS else " …"
            lines.append(t("import_cli.rejected_tickets", tickets=report.rejected_tickets, ids=ids + more))
        lines += problem_table(report, t)
        if report.problem_count > SHOWN_PROBLEMS:
            lines.append(t("import_cli.more_problems", n=report.problem_count - SHOWN_PROBLEMS))
    if report.new_departments:
        lines += ["", t("import_cli.new_departments")]
        for department in report.new_departments.values():
            tickets = report.department_tickets[department.key]
            lines.append(
                "  "
                + t(
                    "import_cli.new_department",
                    dept=department.key,
                    name=_safe(department.name),
                    tickets=tickets,
                )
            )
        lines += ["", t("import_cli.paste")]
        for department in report.new_departments.values():
            key, name = _toml(department.key), _toml(department.name)  # JSON escapes control characters
            lines += ["[[departments]]", f"key = {key}", f"name = {name}", ""]
            lines += ["[[services]]", f"key = {key}", f"name = {name}", f"department = {key}", ""]
        lines.pop()
    if report.new_people:
        lines += ["", t("import_cli.people", n=report.new_people, platform=IMPORT_PLATFORM)]
    if report.unmapped:
        lines += ["", t("import_cli.unmapped")]
        for (field, value, used), n in report.unmapped.most_common(SHOWN_UNMAPPED):
            shown = _safe(value) or t("import_cli.empty_value")
            outcome = used or t("import_cli.uncategorised")
            lines.append(
                "  "
                + t("import_cli.unmapped_line", field=t(FIELDS_SHOWN[field]), value=shown, used=outcome, n=n)
            )
        rest = len(report.unmapped) - SHOWN_UNMAPPED
        if rest > 0 or report.unmapped_other:
            lines.append("  " + t("import_cli.unmapped_more", n=max(rest, 0) + report.unmapped_other))
    if report.dry_run:
        lines += ["", t("import_cli.dry_run")]
    elif report.new or report.updated:
        lines += ["", t("import_cli.backfill_hint")]  # business times are written by the backfill
    return lines
