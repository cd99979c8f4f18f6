"""Alembic environment: the URL comes from Settings (or the caller), the target is the ORM metadata."""

from __future__ import annotations

from alembic import context

from sqmsbot.config import Settings
from sqmsbot.db import Timeouts, make_engine, normalise_url
from sqmsbot.models import Base

config = context.config
MIGRATION_TIMEOUTS = Timeouts(statement=0, lock=60)
target_metadata = Base.metadata


def _url() -> str:
    return normalise_url(config.get_main_option("sqlalchemy.url") or Settings().database_url)


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # A data migration may take as long as it takes (no statement timeout), but waits for another
    # session's lock only so long: a deploy stuck behind a forgotten transaction says so.
    engine = make_engine(_url(), timeouts=MIGRATION_TIMEOUTS)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
