"""Engine, sessions and the unit of work.

SQLite is the embedded default (WAL so the outbox worker can read while a command writes; foreign
keys on, which SQLite leaves off). PostgreSQL works through psycopg 3 with the same code.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

# The stores sqmsbot is tested on, and the one driver of each that it ships (DESIGN §2, §8).
SUPPORTED_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}
CONNECT_TIMEOUT = 10  # seconds to reach PostgreSQL
TCP_USER_TIMEOUT_MS = 30_000  # a connection whose sent data stays unacknowledged this long is dead


class UnsupportedStore(ValueError):
    """A URL for a database (or driver) sqmsbot does not run on, e.g. `mysql://…`.

    Raised before any driver is imported, so a MySQL URL is one readable refusal rather than a
    missing-module trace from deep inside SQLAlchemy.
    """

    def __init__(self, url: str, *, backend: str) -> None:
        super().__init__(f"unsupported store {backend!r}: sqmsbot runs on SQLite or PostgreSQL (psycopg)")
        self.url = url
        self.backend = backend


def check_supported(url: str) -> None:
    """Refuse, with UnsupportedStore, a URL whose database or driver is not one sqmsbot runs on."""
    parsed = make_url(normalise_url(url))
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if SUPPORTED_DRIVERS.get(backend) != driver:
        raise UnsupportedStore(url, backend=parsed.drivername)


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `postgresql://`) and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Timeouts:
    """How long PostgreSQL may make a unit of work wait (seconds), enforced by the server itself.

    Without them a lock held elsewhere (a migration, a `LOCK TABLE`, a stuck transaction) holds a
    request, a worker round or a scheduled job for as long as it lasts; with them the wait ends in an
    error that the caller already handles (a busy reply, a retried round). Keepalives notice a peer
    that vanished without closing the connection.
    """

    statement: float = 30.0  # 0: no limit (migrations)
    lock: float = 5.0


def make_engine(url: str, *, timeouts: Timeouts | None = None, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    check_supported(url)
    parsed = make_url(url)
    # Statement parameters are what people typed: never in an exception's text, so never in a log.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = postgres_connect_args(parsed, timeouts)
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def postgres_connect_args(parsed: URL, timeouts: Timeouts | None = None) -> dict[str, Any]:
    """libpq options for every PostgreSQL connection; what the URL's query already says wins.

    A host that drops packets would otherwise hold the first command for the OS's TCP timeout
    (minutes) before "cannot use the store". The server-side timeouts are added to the URL's own
    `options` (a test's `-csearch_path=…`), which a plain `connect_args` entry would replace.
    """
    timeouts = timeouts or Timeouts()
    args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        args["connect_timeout"] = CONNECT_TIMEOUT
    if "keepalives" not in parsed.query:
        args |= {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
    if "tcp_user_timeout" not in parsed.query:  # data sent and never acknowledged: a black-holed path
        args["tcp_user_timeout"] = TCP_USER_TIMEOUT_MS
    given = parsed.query.get("options", "")
    options = " ".join(given) if isinstance(given, tuple) else given
    if "statement_timeout" not in options:
        options += f" -c statement_timeout={int(timeouts.statement * 1000)}"
    if "lock_timeout" not in options:
        options += f" -c lock_timeout={int(timeouts.lock * 1000)}"
    if "jit" not in options:
        # JIT compiles the KPI engine's aggregates for longer than they take to run (bench/digest.py:
        # 168 of 253 ms for one report); the bot's statements are short, so it never pays off.
        options += " -c jit=off"
    args["options"] = options.strip()
    return args


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def insert_unless_taken(model: Any, *, dialect: str, unique: list[str]) -> postgresql.Insert | sqlite.Insert:
    """`INSERT … ON CONFLICT (unique) DO NOTHING`, which both stores spell alike: the database, not a
    prior SELECT, decides who gets a key when two processes race for it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=unique)


UNIT_OF_WORK = "sqmsbot.db.unit_of_work"
"""Set in the `Session.info` of every session a `Database` hands out (see `on_unit_of_work`)."""
SessionListener = Callable[[Session], None]
_listeners: list[tuple[str, SessionListener]] = []
_databases: weakref.WeakSet[Database] = weakref.WeakSet()


def on_unit_of_work(event_name: str, listener: SessionListener) -> None:
    """Run `listener` on this session event (`before_commit`, `after_rollback`…) of every unit of work
    the app's `Database`s hand out, those that exist and those made later.

    This is how a layer above hooks into the commit (the outbox writes its queued rows as the last
    statement) without this module importing it, and without listening on every `Session` of the
    process: a session made elsewhere (a test's, a library's) is left alone.
    """
    if (event_name, listener) in _listeners:
        return
    _listeners.append((event_name, listener))
    for database in list(_databases):
        event.listen(database.sessions, event_name, listener)


class Database:
    """Owns the engine; hands out units of work."""

    def __init__(self, url: str, *, timeouts: Timeouts | None = None, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.timeouts = timeouts or Timeouts()
        self.engine = make_engine(self.url, timeouts=self.timeouts, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={UNIT_OF_WORK: True})
        for event_name, listener in _listeners:
            event.listen(self.sessions, event_name, listener)
        _databases.add(self)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits once at the end, rolls everything back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
