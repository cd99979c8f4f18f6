"""Where the inbound queue lives, and the one INSERT that an acknowledgement waits for.

On PostgreSQL the queue is the `inbound_requests` table of the store: row locks, so storing a request
never waits for a command's unit of work. On SQLite it is the same table in a file of its own beside
the store (`sqmsbot.db` → `sqmsbot.inbound.db`): SQLite has one writer per file, and a command's unit
of work holds it for about 10 ms of Python work (longer on a busy machine), so in one file every
acknowledgement would wait behind the very work it is meant not to wait for. Nothing needs both in one
transaction: a request is stored, later worked (in its own unit of work, deduplicated by request key),
then marked done.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from sqmsbot.clock import Clock
from sqmsbot.db import Database
from sqmsbot.models import InboundRequest, UTCDateTime

Wake = Callable[[], None]
_stores: weakref.WeakKeyDictionary[Database, Database] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()
_COLUMNS = "platform, request_key, kind, payload, status, attempts, next_attempt_at, created_at"
_INSERT = (
    f"INSERT INTO {InboundRequest.__tablename__} ({_COLUMNS})"
    " VALUES ({platform}, {key}, {kind}, {payload}, 'pending', 0, {now}, {now})"
    " ON CONFLICT (request_key) DO NOTHING"  # SQLite and PostgreSQL alike
)
_NAMES = ("platform", "key", "kind", "payload", "now")


def queue_store(db: Database) -> Database:
    """The database holding the inbound queue for the store `db`: `db` itself, or on SQLite its
    sibling file, whose one table is created on first use."""
    url = make_url(db.url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return db
    with _stores_lock:
        store = _stores.get(db)
        if store is None:
            path = Path(url.database)
            sibling = url.set(database=str(path.with_name(f"{path.stem}.inbound{path.suffix or '.db'}")))
            store = Database(sibling.render_as_string(hide_password=False))
            table = InboundRequest.metadata.tables[InboundRequest.__tablename__]
            try:
                table.create(store.engine, checkfirst=True)
            except OperationalError:  # the other process (server or worker) created it just now
                if not inspect(store.engine).has_table(table.name):
                    raise
            _stores[db] = store
        return store


class InboundQueue:
    """What listeners write to: one INSERT per request, a duplicate request key ignored.

    The INSERT is the acknowledgement's only real cost, so it skips the ORM and the connection pool:
    each thread that stores requests keeps a driver connection of its own (made by the engine, so
    with its settings) and runs one prepared statement; values go through the columns' own types,
    so they are stored exactly as the ORM stores them. A connection that fails is dropped and the
    insert tried once more on a new one (a restarted server); a second failure is raised, so the
    request is refused, not acknowledged.

    Inside `collecting()` (the HTTP app's requests) `put` only collects the row: the app stores the
    rows of all the requests of one turn of its event loop in one transaction before it answers any
    of them (`inbound.batch`).

    `wake` (optional) tells a waiting worker that there is work, so a reply does not wait for the
    worker's next poll; it must be cheap and must never block.
    """

    def __init__(
        self, db: Database, clock: Clock, *, wake: Wake | None = None, deadline: float | None = None
    ) -> None:
        self.db = queue_store(db)
        self.clock = clock
        self.wake = wake
        self.deadline = deadline
        dialect = self.db.engine.dialect
        style = "%({})s" if dialect.paramstyle == "pyformat" else ":{}"
        self._sql = _INSERT.format(**{name: style.format(name) for name in _NAMES})
        self._json = JSON().dialect_impl(dialect).bind_processor(dialect)
        self._time = UTCDateTime().bind_processor(dialect)
        self._errors: tuple[type[Exception], ...] = (dialect.loaded_dbapi.Error,)
        self._local = threading.local()
        self._open: dict[int, Any] = {}  # thread id → its driver connection, for `abort`
        self._open_lock = threading.Lock()
        self._aborts = 0

    def put(self, *, platform: str, key: str, kind: str, payload: dict[str, Any]) -> None:
        """Store one acknowledged request (nothing new when the key is already held: a retry)."""
        now = self.clock.now()
        row = {
            "platform": platform,
            "key": key,
            "kind": kind,
            "payload": self._json(payload) if self._json else payload,
            "now": self._time(now) if self._time else now,
        }
        collector = _collector.get()
        if collector is not None:
            collector.append((self, row))
        else:
            self.store([row])

    def store(self, rows: list[dict[str, Any]], *, abandoned: threading.Event | None = None) -> None:
        """Insert rows made by `put` in one transaction, then wake the worker. `abandoned` set (their
        requests were refused meanwhile: the store took too long) stops it before the insert is sent,
        so a refused request is not stored behind the person's back."""
        aborts = self._aborts
        try:
            self._insert(rows, abandoned)
        except self._errors:
            self._drop()
            if self._aborts != aborts:  # broken off on purpose: the store is not answering in time
                raise
            self._insert(rows, abandoned)
        if self.wake is not None:
            self.wake()

    def _insert(self, rows: list[dict[str, Any]], abandoned: threading.Event | None = None) -> None:
        connection = self._connection()
        if abandoned is not None and abandoned.is_set():
            raise Abandoned("the requests were refused while the store was being reached")
        cursor = connection.cursor()
        try:
            cursor.executemany(self._sql, rows)
            connection.commit()
        except BaseException:
            with contextlib.suppress(*self._errors):
                connection.rollback()
            raise
        finally:
            cursor.close()

    def _connection(self) -> Any:
        connection: Any = getattr(self._local, "connection", None)
        if connection is None:
            proxy = self.db.engine.raw_connection()
            proxy.detach()  # this thread's for good, closed by `_drop`
            connection = proxy.dbapi_connection
            self._limit(connection)
            self._local.proxy, self._local.connection = proxy, connection
            with self._open_lock:
                self._open[threading.get_ident()] = connection
        return connection

    def _limit(self, connection: Any) -> None:
        """An acknowledgement waits for the store at most `deadline`: past it the request is refused
        (Slack retries an event) rather than the answer hanging behind a lock."""
        if not self.db.is_postgresql:
            # SQLite copies the log back into the file (and syncs it) in whichever connection
            # commits past 1000 pages: let that be the worker's, never an acknowledgement's.
            connection.execute("PRAGMA wal_autocheckpoint=0")
            if self.deadline is not None:
                connection.execute(f"PRAGMA busy_timeout={int(self.deadline * 1000)}")
            return
        if self.deadline is not None:
            wait = int(self.deadline * 1000)
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {wait}")
                cursor.execute(f"SET statement_timeout = {wait}")
            connection.commit()

    def abort(self) -> None:
        """Break off whatever the storing connections are waiting for, from another thread.

        A statement's timeout is enforced by the server; a server that has stopped answering (a
        network path that accepts but never forwards) would hold the storing thread in a read for
        good. Shutting the socket down makes that read fail at once; the thread then drops the
        connection and the next store opens a new one.
        """
        with self._open_lock:
            self._aborts += 1
            connections = list(self._open.values())
        for connection in connections:
            with contextlib.suppress(Exception):
                if self.db.is_postgresql:
                    shut_down(connection.fileno())
                else:
                    connection.interrupt()

    def _drop(self) -> None:
        proxy = getattr(self._local, "proxy", None)
        self._local.proxy = self._local.connection = None
        with self._open_lock:
            self._open.pop(threading.get_ident(), None)
        if proxy is not None:
            with contextlib.suppress(*self._errors):
                proxy.close()


class Abandoned(Exception):
    """Rows not stored because their requests were refused before the store could take them."""


def shut_down(fd: int) -> None:
    """Shut down the socket behind `fd` (both ways) without closing the descriptor its owner holds."""
    with socket.socket(fileno=os.dup(fd)) as duplicate:
        duplicate.shutdown(socket.SHUT_RDWR)


Collected = list[tuple[InboundQueue, dict[str, Any]]]
_collector: ContextVar[Collected | None] = ContextVar("inbound_collector", default=None)


@contextmanager
def collecting() -> Iterator[Collected]:
    """Within this block (one request's dispatch), `put` collects rows instead of storing them."""
    rows: Collected = []
    token = _collector.set(rows)
    try:
        yield rows
    finally:
        _collector.reset(token)
