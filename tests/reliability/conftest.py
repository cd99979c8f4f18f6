"""Fixtures for the runtime-under-faults suite (issue 9): the fake Slack, a store on each database,
and a TCP proxy in front of PostgreSQL that a test breaks on cue (see ``tcp_proxy``).

``store_url`` is the shared ``db_url`` under the suite's own name: a migrated SQLite file, and the
session's own PostgreSQL schema (emptied for each test) when SQMS_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url

from sqmsbot.db import normalise_url
from tests.conftest import NO_PG, PG_ENV
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.reliability.tcp_proxy import TcpProxy


@pytest.fixture
def store_url(db_url: str) -> str:
    """A migrated, empty store: once on SQLite, once on PostgreSQL (skipped there without it)."""
    return db_url


@pytest.fixture
def pg_url() -> str:
    """SQMS_TEST_DATABASE_URL as a SQLAlchemy psycopg URL; skips the test when it is not set."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(NO_PG)
    return normalise_url(url)


@pytest.fixture
def pg_proxy(pg_url: str) -> Iterator[TcpProxy]:
    """A started TcpProxy in front of the PostgreSQL server of SQMS_TEST_DATABASE_URL."""
    target = make_url(pg_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        yield proxy
