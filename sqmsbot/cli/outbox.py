"""`sqmsbot outbox list|retry`: the notifications not sent yet, and bringing dead ones back.

A dead message is one nobody received: Slack refused it (a channel that does not exist, a bot not in
it) or it kept failing past the retry horizon. After fixing the cause an operator retries it; the
worker then sends it at once (looking first whether an attempt with an unknown outcome posted it).

Mounted by `sqmsbot.cli.root` (`app.add_typer(outbox_app, name="outbox")`). What it prints is in the
terminal's language, like the rest of the command (`sqmsbot.cli.common`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from sqmsbot.cli.common import migrated_runtime, store_errors, terminal_t
from sqmsbot.outbox import retry_dead, unsent_rows
from sqmsbot.timefmt import local

outbox_app = typer.Typer(
    help="The outbox: messages not sent yet, and the dead ones (list them, retry them).",
    no_args_is_help=True,
)
ERROR_WIDTH = 60
COLUMNS = (
    "outbox.col_id",
    "outbox.col_key",
    "outbox.col_target",
    "outbox.col_status",
    "outbox.col_attempts",
    "outbox.col_created",
    "outbox.col_error",
)
STATUSES = {
    "pending": "outbox.status.pending",
    "sending": "outbox.status.sending",
    "sent": "outbox.status.sent",
    "dead": "outbox.status.dead",
}


def _short(error: str | None) -> str:
    """The first line of the last error, cut to fit a terminal row."""
    if not error:
        return "-"
    line = error.strip().splitlines()[0] if error.strip() else "-"
    return line if len(line) <= ERROR_WIDTH else line[: ERROR_WIDTH - 1] + "…"


@outbox_app.command("list")
def list_rows(
    dead: Annotated[bool, typer.Option("--dead", help="Only the dead messages.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many, newest first.")] = 50,
) -> None:
    """Messages not sent yet (waiting, being sent, dead), newest first: id, key, target, status,
    attempts, last error and when it was queued."""
    runtime = migrated_runtime()
    t = terminal_t()
    zone = runtime.org.timezone
    with store_errors(runtime.db.url), runtime.db.transaction() as session:
        rows = [
            [
                str(row.id),
                row.dedupe_key,
                f"@{row.target}" if row.target_kind == "user" else row.target,
                t(STATUSES[row.status]) if row.status in STATUSES else row.status,
                str(row.attempts),
                local(row.created_at, zone),
                _short(row.last_error),
            ]
            for row in unsent_rows(session, dead_only=dead, limit=limit)
        ]
    if not rows:
        typer.echo(t("outbox.none_dead" if dead else "outbox.none"))
        return
    table = [[t(key) for key in COLUMNS], *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS) - 1)]
    for row in table:
        typer.echo("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]))


@outbox_app.command("retry")
def retry(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Ids of dead messages, as `sqmsbot outbox list --dead` shows.")
    ] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Retry every dead message.")] = False,
) -> None:
    """Send dead messages again, now: back in the queue with a fresh count of attempts (the last error
    stays until they are sent). Exit status 1 when an id named is not a dead message."""
    t = terminal_t()
    if bool(ids) == all_dead:
        typer.echo(t("outbox.ids_or_all"), err=True)
        raise typer.Exit(2)
    runtime = migrated_runtime()
    with store_errors(runtime.db.url), runtime.db.transaction() as session:
        before = retry_dead(session, ids=None if all_dead else ids, now=runtime.clock.now())
    if not before:
        typer.echo(t("outbox.nothing_dead"))
        return
    for row_id, status in before.items():
        if status == "dead":
            typer.echo(t("outbox.retried", id=row_id))
        elif status == "missing":
            typer.echo(t("outbox.missing", id=row_id), err=True)
        else:
            shown = t(STATUSES[status]) if status in STATUSES else status
            typer.echo(t("outbox.not_dead", id=row_id, status=shown), err=True)
    if any(status != "dead" for status in before.values()):
        raise typer.Exit(1)
