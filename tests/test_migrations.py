"""The store's schema comes from the migrations, and the migrations agree with the models (issue 2).

`upgrade head` runs on an empty SQLite file and an empty PostgreSQL schema; afterwards Alembic's
autogenerate finds nothing to change, so a developer who edits a model without a migration is caught.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from sqmsbot.db import normalise_url
from sqmsbot.migrate import alembic_config, upgrade
from sqmsbot.models import Base
from tests.conftest import NO_PG, PG_ENV

MODEL_TABLES = {table.name for table in Base.metadata.sorted_tables}


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _current(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _assert_at_head_and_matching(url: str) -> None:
    assert _tables(url) == MODEL_TABLES | {"alembic_version"}
    assert _current(url) == _head()
    assert _diff(url) == []


def test_one_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "two migration heads: merge them"
    assert script.get_bases() == ["0001"]


def test_upgrade_an_empty_sqlite_file_and_the_models_agree(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'sqmsbot.db'}"  # the folder does not exist yet either
    upgrade(url)
    _assert_at_head_and_matching(url)
    upgrade(url)  # running it again on an up-to-date store is a no-op
    _assert_at_head_and_matching(url)


def test_downgrade_to_base_and_up_again_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sqmsbot.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    assert _tables(url) <= {"alembic_version"}
    assert _current(url) is None
    upgrade(url)
    _assert_at_head_and_matching(url)


def test_the_sqlite_store_keeps_foreign_keys_and_wal(tmp_path: Path) -> None:
    from sqmsbot.db import Database

    url = f"sqlite:///{tmp_path / 'sqmsbot.db'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        db.dispose()


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """An empty schema of its own (the shared test schema, `public`, is left alone): the URL puts it
    first on the search path, so the migrations and the comparison see only it."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(NO_PG)
    base_url = make_url(normalise_url(base))
    schema = f"sqmsbot_migrations_{os.getpid()}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base_url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_upgrade_an_empty_postgresql_schema_and_the_models_agree(empty_postgres: str) -> None:
    assert _tables(empty_postgres) == set()
    upgrade(empty_postgres)
    _assert_at_head_and_matching(empty_postgres)
    command.downgrade(alembic_config(empty_postgres), "base")
    assert _tables(empty_postgres) <= {"alembic_version"}
    upgrade(empty_postgres)
    _assert_at_head_and_matching(empty_postgres)


def test_a_model_change_without_a_migration_is_caught(tmp_path: Path) -> None:
    """The check above is not vacuous: a column the migrations lack shows up as a difference."""
    from sqlalchemy import Column, MetaData, String, Table

    url = f"sqlite:///{tmp_path / 'sqmsbot.db'}"
    upgrade(url)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    Table("people", changed, Column("nickname", String(40)), extend_existing=True)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, changed)
    finally:
        engine.dispose()
    assert [(d[0], d[3].name) for d in diff if isinstance(d, tuple)] == [("add_column", "nickname")]
