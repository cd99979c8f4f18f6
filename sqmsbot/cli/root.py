"""The `sqmsbot` command's root: run the bot, serve HTTP, open the console, manage the store.

It builds the top-level typer app and mounts the sub-apps (`db` here; `jobs`, `scheduler`, `sla`
and `outbox` from their modules), then `main` puts the help in the terminal's language
(`sqmsbot.cli.help`). Only this module imports the sub-apps; what they share with it is in
`sqmsbot.cli.common`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
import typer.main
from sqlalchemy import func, inspect, select

from sqmsbot.cli.common import make_runtime, org_file, shown_url, store_errors, terminal_t
from sqmsbot.cli.help import localise
from sqmsbot.cli.imports import import_app
from sqmsbot.cli.jobs import jobs_app, scheduler_command
from sqmsbot.cli.kpi import kpi_app
from sqmsbot.cli.outbox import outbox_app
from sqmsbot.cli.sla import sla_app
from sqmsbot.config import ConfigError, Settings, load_org_config
from sqmsbot.db import check_supported
from sqmsbot.i18n import Translator
from sqmsbot.migrate import upgrade
from sqmsbot.platforms.adapter import Adapter, MissingCredentials
from sqmsbot.platforms.registry import BUILT_IN, UnknownPlatform, load_adapters
from sqmsbot.runtime import Runtime
from sqmsbot.supervisor import GaveUp

app = typer.Typer(
    help="sqmsbot — service quality management in chat (Slack, Lark, and a console).",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Manage the store (SQLite by default, PostgreSQL via SQMS_DATABASE_URL).")
app.add_typer(db_app, name="db")
app.add_typer(jobs_app, name="jobs")
app.add_typer(sla_app, name="sla")
app.command("scheduler")(scheduler_command)
app.add_typer(outbox_app, name="outbox")
app.add_typer(kpi_app, name="kpi")
app.add_typer(import_app, name="import")


def _store_is_empty(runtime: Runtime) -> bool:
    from sqmsbot.models import Incident, Person

    with runtime.db.transaction() as session:
        return not (
            session.scalar(select(func.count(Person.id))) or session.scalar(select(func.count(Incident.id)))
        )


@app.command()
def run() -> None:
    """Run the bot on every platform whose credentials are set (or SQMS_PLATFORMS names): Slack over
    Socket Mode with SLACK_BOT_TOKEN + SLACK_APP_TOKEN, over HTTP with SLACK_BOT_TOKEN +
    SLACK_SIGNING_SECRET (see `serve`); with none, the console."""
    runtime = make_runtime()
    adapters = _adapters(runtime)
    with store_errors(runtime.db.url):
        upgrade(runtime.db.url)
    transports = {adapter.transport for adapter in adapters}
    if transports == {"none"}:  # the console alone: a person types in the foreground
        _console(runtime, demo=False)
        return
    from sqmsbot.serving import serve_connections, serve_http

    try:  # the scheduled jobs run in the supervised worker process, beside the queues
        if "http" in transports:
            port = runtime.settings.port
            serve_http(runtime, adapters, host="0.0.0.0", port=port, connections=True)
        else:
            serve_connections(runtime, adapters)
    except GaveUp as exc:  # logged at CRITICAL already; the exit code tells the supervisor
        raise typer.Exit(1) from exc


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
) -> None:
    """HTTP mode: every served platform's endpoints (Slack: POST /slack/events, signed by Slack) and
    GET /healthz, served by uvicorn.

    Slack needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; point the Slack app's request URLs at
    https://<your host>/slack/events. A supervised worker process works the requests, sends the
    messages and runs the scheduled jobs; /healthz answers 503 when it or the store is not working.
    """
    runtime = make_runtime()
    adapters = _adapters(runtime)
    if "http" not in {adapter.transport for adapter in adapters} and not (
        "slack" in runtime.platforms and runtime.settings.slack_signing_secret
    ):
        typer.echo(terminal_t()("cli.serve_needs_slack"), err=True)
        raise typer.Exit(2)
    with store_errors(runtime.db.url):
        upgrade(runtime.db.url)
    from sqmsbot.serving import serve_http
    from sqmsbot.web import NoHttpPlatform

    try:
        serve_http(runtime, adapters, host=host, port=port)
    except NoHttpPlatform as exc:
        typer.echo(terminal_t()("cli.serve_needs_slack"), err=True)
        raise typer.Exit(2) from exc
    except GaveUp as exc:
        raise typer.Exit(1) from exc


def _adapters(runtime: Runtime) -> list[Adapter]:
    """The served platforms' adapters; a platform no adapter serves, or one that cannot be loaded,
    stops start-up, named."""
    settings, t = runtime.settings, terminal_t()
    if settings.lark_credentials and "lark" not in settings.platform_names:
        if settings.platform_names == ("console",) and not settings.explicit_platforms:
            typer.echo(t("cli.lark_not_yet"), err=True)  # a Lark deployment must not quietly be a console
            raise typer.Exit(2)
        typer.echo(t("cli.lark_ignored"), err=True)
    try:
        return load_adapters(settings)
    except (ImportError, AttributeError) as exc:  # SQMS_PLATFORMS names a factory that is not there
        typer.echo(t("cli.adapter_not_loaded", problem=f"{type(exc).__name__}: {exc}"), err=True)
        raise typer.Exit(2) from exc
    except MissingCredentials as exc:
        typer.echo(
            terminal_t()("cli.platform_needs_credentials", platform=exc.platform, what=exc.what), err=True
        )
        raise typer.Exit(2) from exc
    except UnknownPlatform as exc:
        if exc.name == "lark":
            typer.echo(t("cli.lark_not_yet"), err=True)
        else:
            typer.echo(t("cli.unknown_platform", name=exc.name, known=", ".join(BUILT_IN)), err=True)
        raise typer.Exit(2) from exc
    except ValueError as exc:  # a factory that makes another platform than it is named for
        typer.echo(t("cli.adapter_not_loaded", problem=str(exc)), err=True)
        raise typer.Exit(2) from exc


@app.command()
def console(
    demo: Annotated[
        bool, typer.Option("--demo", help="Seed a demo organisation with 90 days of history first.")
    ] = False,
) -> None:
    """Type chat commands in a terminal. Reads commands from standard input when it is not a terminal.

    Chat commands as in chat, e.g. /incident report P2 billing "Customer charged twice" cust=C-1042

    Console-only lines:
    :as NAME [ROLE] [DEPT]  act as that person (created on first use);
    :in #channel  post from that channel;
    :help  list these;
    :quit  leave.
    """
    _console(make_runtime(), demo=demo)


def _console(runtime: Runtime, *, demo: bool) -> None:
    with store_errors(runtime.db.url):
        _open_console(runtime, demo=demo)


def _open_console(runtime: Runtime, *, demo: bool) -> None:
    from sqmsbot.demo import seed_demo
    from sqmsbot.logs import log_to_file
    from sqmsbot.platforms.console import run_console

    log_to_file()  # the console shows what people would see; the bot's log lines go to var/sqmsbot.log

    upgrade(runtime.db.url)
    t = Translator(runtime.org.default_locale)  # nobody has chosen a language yet
    if not demo and sys.stdin.isatty() and _store_is_empty(runtime):
        typer.echo(t("console.demo_question"), nl=False)  # input()'s own prompt may go to stderr
        answer = input().strip().lower()
        demo = answer in ("", "y", "yes", "是", "好")
    if demo:
        if _store_is_empty(runtime):
            summary = seed_demo(runtime)
            typer.echo(
                t(
                    "console.demo_seeded",
                    people=summary.people,
                    incidents=summary.incidents,
                    days=summary.days,
                )
            )
        else:
            typer.echo(t("console.demo_exists"))
    run_console(runtime)


@db_app.command("upgrade")
def db_upgrade(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing when all is well.")] = False,
) -> None:
    """Apply every migration to the store in SQMS_DATABASE_URL (default: var/sqmsbot.db)."""
    settings = Settings()
    with store_errors(settings.database_url):
        check_supported(settings.database_url)  # before Alembic, whose trace would bury the reason
        upgrade(settings.database_url)
    if not quiet:
        typer.echo(terminal_t()("cli.store_ready", url=shown_url(settings.database_url)))


@db_app.command("tables")
def db_tables() -> None:
    """List the store's tables, to check what a URL points at."""
    runtime = make_runtime()
    with store_errors(runtime.db.url):
        names = sorted(inspect(runtime.db.engine).get_table_names())
    for name in names:
        typer.echo(name)


@app.command("check-config")
def check_config(
    path: Annotated[Path | None, typer.Argument(help="The organisation file (default: SQMS_CONFIG).")] = None,
) -> None:
    """Validate an organisation file and say what is wrong with it, if anything."""
    target = path or org_file(Settings())
    try:
        org = load_org_config(target)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        terminal_t()(
            "cli.config_ok", path=target, departments=len(org.departments), services=len(org.services)
        )
    )


def main() -> None:
    """The console script: help and usage in the terminal's language (see sqmsbot.cli.help)."""
    command = typer.main.get_command(app)
    localise(command, terminal_t())
    command(prog_name="sqmsbot")
