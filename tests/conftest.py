"""Shared fixtures: a migrated store on SQLite and PostgreSQL, a runtime with a manual clock, a console.

Every test that takes `runtime` (or `db_url`) runs once per database. PostgreSQL runs when
SQMS_TEST_DATABASE_URL is set (`.ci/run` sets it for the machine's server).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, make_url, text

from sqmsbot.clock import ManualClock
from sqmsbot.config import EXAMPLE_ORG_FILE, Settings, load_org_config
from sqmsbot.db import Database, normalise_url
from sqmsbot.migrate import upgrade
from sqmsbot.models import Base
from sqmsbot.platforms.console import Console
from sqmsbot.runtime import Runtime

# Monday 2026-11-23 09:00 in Shanghai: a working morning.
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
PG_ENV = "SQMS_TEST_DATABASE_URL"
NO_PG = f"{PG_ENV} is not set: the PostgreSQL run of the store tests happens in CI (.ci/run sets it)"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test: migrations run once, every test starts clean."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str]:
    """A schema of this test session's own, so parallel runs against one server never collide."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(NO_PG)
    base = make_url(normalise_url(url))
    # the pid alone may repeat across containers sharing one server: a random part as well
    schema = f"sqmsbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    upgrade(scoped)
    yield scoped
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "sqmsbot.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("_postgres_url")
    _truncate_postgres(url)
    yield url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def runtime(db_url: str, clock: ManualClock) -> Iterator[Runtime]:
    settings = Settings(database_url=db_url, config=EXAMPLE_ORG_FILE)
    rt = Runtime(settings=settings, org=load_org_config(EXAMPLE_ORG_FILE), db=Database(db_url), clock=clock)
    yield rt
    rt.db.dispose()


def served_on(runtime: Runtime, *platforms: str) -> Runtime:
    """The same runtime (store, clock, organisation) serving these platforms, as SQMS_PLATFORMS would
    set them: where its notifications go."""
    settings = runtime.settings.model_copy(update={"platforms_setting": ",".join(platforms)})
    return dataclasses.replace(runtime, settings=settings)


class Transcript:
    """Types lines into a console as a person would and returns what the screen shows."""

    def __init__(self, runtime: Runtime) -> None:
        self.lines: list[str] = []
        self.console = Console(runtime, write=self.lines.append)

    def __call__(self, *typed: str) -> str:
        start = len(self.lines)
        for line in typed:
            self.lines.append(self.console.prompt + line)
            self.console.handle(line)
        return "\n".join(self.lines[start:])


@pytest.fixture
def transcript(runtime: Runtime) -> Transcript:
    return Transcript(runtime)


def table_counts(runtime: Runtime) -> dict[str, int]:
    """Rows per table: to prove that a refused command wrote nothing."""
    meta = MetaData()
    meta.reflect(runtime.db.engine)
    with runtime.db.engine.connect() as conn:
        return {
            name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in sorted(meta.tables)
            if name != "alembic_version"
        }


@pytest.fixture
def counts(runtime: Runtime) -> object:
    return lambda: table_counts(runtime)


__all__ = ["START", "Database", "Transcript", "served_on", "table_counts"]
