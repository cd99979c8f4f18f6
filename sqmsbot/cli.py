"""The `sqmsbot` command: run the bot, open the console, manage the store."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
import typer.main
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from sqmsbot.cli_help import localise
from sqmsbot.cli_jobs import jobs_app, scheduler_command
from sqmsbot.cli_outbox import outbox_app
from sqmsbot.cli_sla import sla_app
from sqmsbot.config import LOCAL_ORG_FILE, ConfigError, Settings, load_org_config
from sqmsbot.db import Database, UnsupportedStore, check_supported
from sqmsbot.i18n import Translator, terminal_translator
from sqmsbot.migrate import upgrade
from sqmsbot.runtime import Runtime, store_timeouts
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


def _t() -> Translator:
    """The terminal's language (LANG=zh_CN.UTF-8 → Chinese) for what the command itself says."""
    return terminal_translator()


def shown_url(url: str) -> str:
    """A store URL fit to print: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


@contextmanager
def _store(url: str) -> Iterator[None]:
    """A store that cannot be opened or reached ends the command with one readable line, not a trace."""
    try:
        yield
    except UnsupportedStore as exc:
        typer.echo(_t()("cli.store_unsupported", url=shown_url(url), backend=exc.backend), err=True)
        raise typer.Exit(2) from exc
    except (SQLAlchemyError, OSError, ImportError) as exc:  # ImportError: a driver that is not installed
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        typer.echo(_t()("cli.store_unreachable", url=shown_url(url), reason=reason), err=True)
        raise typer.Exit(2) from exc


def org_file(settings: Settings) -> Path:
    """The organisation file to load, said out loud when it is the example; a missing SQMS_CONFIG stops.

    Someone who sets SQMS_CONFIG means that file: running on the example company instead would post
    to the wrong channels with the wrong commitments, so it is an error (exit 2). Only when nothing is
    configured (no SQMS_CONFIG, no ./sqmsbot.toml) does the shipped example stand in, with one line.
    """
    if settings.config is not None and not settings.config.is_file():
        typer.echo(_t()("cli.config_missing", path=settings.config), err=True)
        raise typer.Exit(2)
    if settings.uses_example:
        typer.echo(_t()("cli.example_in_use", path=LOCAL_ORG_FILE, example=settings.org_file), err=True)
    return settings.org_file


def _runtime() -> Runtime:
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    path = org_file(settings)
    try:
        org = load_org_config(path)
    except ConfigError as exc:
        typer.echo(f"sqmsbot: {exc}", err=True)
        raise typer.Exit(2) from exc
    with _store(settings.database_url):
        db = Database(settings.database_url, timeouts=store_timeouts(settings))
        return Runtime(settings=settings, org=org, db=db)


def _store_is_empty(runtime: Runtime) -> bool:
    from sqmsbot.models import Incident, Person

    with runtime.db.transaction() as session:
        return not (
            session.scalar(select(func.count(Person.id))) or session.scalar(select(func.count(Incident.id)))
        )


@app.command()
def run() -> None:
    """Run the bot where its credentials point: Slack Socket Mode with SLACK_BOT_TOKEN + SLACK_APP_TOKEN,
    Slack HTTP mode with SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (see `serve`), else the console."""
    runtime = _runtime()
    platform = runtime.settings.platform
    with _store(runtime.db.url):
        upgrade(runtime.db.url)
    if platform == "slack":  # the scheduled jobs run in the supervised worker process, beside the queues
        if runtime.settings.slack_app_token:
            from sqmsbot.platforms.slack import run_socket_mode

            try:
                run_socket_mode(runtime)
            except GaveUp as exc:  # logged at CRITICAL already; the exit code tells the supervisor
                raise typer.Exit(1) from exc
        else:
            _serve(runtime, host="0.0.0.0", port=runtime.settings.port)
    elif platform == "lark":
        typer.echo(_t()("cli.lark_not_yet"), err=True)
        raise typer.Exit(2)
    else:
        _console(runtime, demo=False)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
) -> None:
    """HTTP mode: POST /slack/events (signed by Slack) and GET /healthz, served by uvicorn.

    Needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; point the Slack app's request URLs at
    https://<your host>/slack/events. A supervised worker process works the requests, sends the
    messages and runs the scheduled jobs; /healthz answers 503 when it or the store is not working.
    """
    runtime = _runtime()
    if not (runtime.settings.slack_bot_token and runtime.settings.slack_signing_secret):
        typer.echo(_t()("cli.serve_needs_slack"), err=True)
        raise typer.Exit(2)
    with _store(runtime.db.url):
        upgrade(runtime.db.url)
    _serve(runtime, host=host, port=port)


def _serve(runtime: Runtime, *, host: str, port: int) -> None:
    """uvicorn with the app, its supervised worker process and the scheduled jobs; exit code 1 when
    the worker process kept dying and was given up on, so whatever runs the server sees it fail."""
    import uvicorn

    from sqmsbot.web import create_web_app

    gave_up = threading.Event()
    server: uvicorn.Server | None = None

    def give_up() -> None:
        gave_up.set()
        if server is not None:
            server.should_exit = True  # uvicorn's own graceful shutdown, without a signal to re-raise

    web = create_web_app(runtime, scheduler=True, on_give_up=give_up)
    level = runtime.settings.log_level.lower()
    server = uvicorn.Server(uvicorn.Config(web, host=host, port=port, log_level=level))
    server.run()
    if gave_up.is_set():
        raise typer.Exit(1)


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
    _console(_runtime(), demo=demo)


def _console(runtime: Runtime, *, demo: bool) -> None:
    with _store(runtime.db.url):
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
    with _store(settings.database_url):
        check_supported(settings.database_url)  # before Alembic, whose trace would bury the reason
        upgrade(settings.database_url)
    if not quiet:
        typer.echo(_t()("cli.store_ready", url=shown_url(settings.database_url)))


@db_app.command("tables")
def db_tables() -> None:
    """List the store's tables, to check what a URL points at."""
    runtime = _runtime()
    with _store(runtime.db.url):
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
        _t()("cli.config_ok", path=target, departments=len(org.departments), services=len(org.services))
    )


def main() -> None:
    """The console script: help and usage in the terminal's language (see sqmsbot.cli_help)."""
    command = typer.main.get_command(app)
    localise(command, _t())
    command(prog_name="sqmsbot")
