"""What every part of the `sqmsbot` command shares: the terminal's translator, store errors said in
one readable line, the organisation file to load, and the runtime (on a migrated store or not).

It imports no other module of the command: `root` and the sub-apps import it, never the reverse, so
the package has no import cycle (pyproject.toml's import contracts hold it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from sqmsbot.config import LOCAL_ORG_FILE, ConfigError, Settings, load_org_config
from sqmsbot.db import Database, UnsupportedStore
from sqmsbot.i18n import Translator, terminal_translator
from sqmsbot.migrate import upgrade
from sqmsbot.runtime import Runtime, store_timeouts


def terminal_t() -> Translator:
    """The terminal's language (LANG=zh_CN.UTF-8 → Chinese) for what the command itself says."""
    return terminal_translator()


def shown_url(url: str) -> str:
    """A store URL fit to print: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


@contextmanager
def store_errors(url: str) -> Iterator[None]:
    """A store that cannot be opened or reached ends the command with one readable line, not a trace."""
    try:
        yield
    except UnsupportedStore as exc:
        typer.echo(terminal_t()("cli.store_unsupported", url=shown_url(url), backend=exc.backend), err=True)
        raise typer.Exit(2) from exc
    except (SQLAlchemyError, OSError, ImportError) as exc:  # ImportError: a driver that is not installed
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        typer.echo(terminal_t()("cli.store_unreachable", url=shown_url(url), reason=reason), err=True)
        raise typer.Exit(2) from exc


def org_file(settings: Settings) -> Path:
    """The organisation file to load, said out loud when it is the example; a missing SQMS_CONFIG stops.

    Someone who sets SQMS_CONFIG means that file: running on the example company instead would post
    to the wrong channels with the wrong commitments, so it is an error (exit 2). Only when nothing is
    configured (no SQMS_CONFIG, no ./sqmsbot.toml) does the shipped example stand in, with one line.
    """
    if settings.config is not None and not settings.config.is_file():
        typer.echo(terminal_t()("cli.config_missing", path=settings.config), err=True)
        raise typer.Exit(2)
    if settings.uses_example:
        typer.echo(
            terminal_t()("cli.example_in_use", path=LOCAL_ORG_FILE, example=settings.org_file), err=True
        )
    return settings.org_file


def make_runtime() -> Runtime:
    """Settings, logging, the organisation file and the store, each problem said in one line (exit 2).

    The store is opened, not migrated: a command that only looks (`db tables`, `jobs list`) leaves it
    as it is; `migrated_runtime` is for the commands that work on it.
    """
    try:
        settings = Settings()
    except ValidationError as exc:  # a malformed SQMS_* variable: named, without a traceback
        problems = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        typer.echo(f"sqmsbot: {problems}", err=True)
        raise typer.Exit(2) from exc
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    path = org_file(settings)
    try:
        org = load_org_config(path)
    except ConfigError as exc:
        typer.echo(f"sqmsbot: {exc}", err=True)
        raise typer.Exit(2) from exc
    with store_errors(settings.database_url):
        db = Database(settings.database_url, timeouts=store_timeouts(settings))
        return Runtime(settings=settings, org=org, db=db)


def migrated_runtime() -> Runtime:
    """The command's runtime after the store's migrations ran, for a command that works on the store."""
    runtime = make_runtime()
    with store_errors(runtime.db.url):
        upgrade(runtime.db.url)
    return runtime
