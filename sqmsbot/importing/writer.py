"""Bulk writes of one batch of tickets: people, incidents, timelines and clocks, in a few statements.

Per batch (sqmsbot.importing.run sizes them), in the caller's transaction:
1. the people the batch names are looked up once (platform `import`, see `person_key`) and the
   missing ones inserted together (`INSERT … ON CONFLICT DO NOTHING`, then read back);
2. the incidents already imported from the same system with the same ids are read with their
   timelines and clocks (three statements over indexed keys);
3. each ticket is new, unchanged (what is stored is exactly what the file says now), updated (the
   file says something else: a newer export, a corrected map, a changed policy), or kept: worked on
   in chat since it was imported (someone acted on it), which the import does not overwrite;
4. new incidents are inserted by one executemany (SQLAlchemy Core `insert()`) returning their ids,
   then their events and clocks by one executemany each (`_bulk`); an updated one is updated with a
   compare-and-set on its version (a change made in chat meanwhile wins, and the ticket is counted as
   kept), and its timeline and clocks are replaced.

A dry run does steps 1–3 without writing: people not found are counted as new.

The statements go through the tables with their instants' and JSON columns untyped (`_light`): the
values arrive already in the form the store keeps (sqmsbot.importing.prepared), and are compared in
that form with what is read back; running the columns' Python-side conversions for each of some
400 000 values of a large import cost more than the inserts themselves.

Imported people have no chat identity yet: they are `Person` rows on the platform `import` whose
user id is `<system>:<name as the export writes it>` (folded, so `Resolver 89` and `resolver  89` are
one person; a name too long for the column keeps a stable hash). They hold no role beyond member and
no department, receive nothing (no platform delivers to `import`), and are who the KPIs' owner slice
and the timelines name. A ticket whose export names no reporter is reported by the export itself: a
person `(servicenow)` with the user id `servicenow:`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Table, column, delete, insert, select, update
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import NullType

from sqmsbot.db import insert_unless_taken
from sqmsbot.importing.formats import fold
from sqmsbot.importing.prepared import (
    ASSIGNEE,
    EVENT_FIELDS,
    IMPORT_PLATFORM,
    INCIDENT_FIELDS,
    REPORTER,
    TARGET_FIELDS,
    Prepared,
    clip,
)
from sqmsbot.importing.report import ImportReport
from sqmsbot.models import Incident, IncidentEvent, IncidentTarget, Person
from sqmsbot.models.base import UTCDateTime

USER_ID_LENGTH = 64
NAME_LENGTH = 80
IMPORTED_KINDS = frozenset(
    {"reported", "acknowledged", "waiting", "resumed", "resolved", "reopened", "closed"}
)
ACTOR = EVENT_FIELDS.index("actor_id")


def _light(table: Table) -> TableClause:
    """The table with its instants' and JSON columns untyped (see the module docstring)."""
    untyped = (UTCDateTime, JSON)
    return sql_table(
        table.name,
        *(column(c.name, NullType() if isinstance(c.type, untyped) else c.type) for c in table.columns),
    )


INCIDENTS = _light(cast(Table, Incident.__table__))
EVENTS = _light(cast(Table, IncidentEvent.__table__))
TARGETS = _light(cast(Table, IncidentTarget.__table__))
PEOPLE = cast(Table, Person.__table__)


def person_key(system: str, name: str) -> str:
    """An imported person's `platform_user_id` (see the module docstring)."""
    key = f"{system}:{fold(name)}"
    if len(key) <= USER_ID_LENGTH:
        return key
    return key[: USER_ID_LENGTH - 17] + "~" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class People:
    """Export names → person ids, remembered for the whole import."""

    def __init__(self, *, system: str, dry_run: bool, report: ImportReport) -> None:
        self.system = system
        self.dry_run = dry_run
        self.report = report
        self.ids: dict[str, int] = {}
        self._placeholder = 0

    def resolve(self, session: Session, names: Collection[str], *, now: datetime) -> None:
        """Find or create everyone named; "" stands for the export itself (a ticket's reporter when
        the file names none)."""
        wanted: dict[str, str] = {}
        for name in names:
            if name not in self.ids:
                wanted.setdefault(person_key(self.system, name), name)
        if not wanted:
            return
        found = self._find(session, list(wanted))
        missing = [key for key in wanted if key not in found]
        if missing and not self.dry_run:
            statement = insert_unless_taken(
                Person, dialect=_dialect(session), unique=["platform", "platform_user_id"]
            )
            session.execute(
                statement,
                [
                    {
                        "platform": IMPORT_PLATFORM,
                        "platform_user_id": key,
                        "display_name": clip(" ".join(wanted[key].split()), NAME_LENGTH)
                        or f"({self.system})",
                        "role": "member",
                        "created_at": now,
                    }
                    for key in missing
                ],
            )
            found |= self._find(session, missing)
        self.report.new_people += len(missing)
        for key, name in wanted.items():
            if key in found:
                self.ids[name] = found[key]
            else:  # a dry run: a stand-in id, distinct per person, that no stored row has
                self._placeholder -= 1
                self.ids[name] = self._placeholder
        for name in names:
            if name not in self.ids:  # another spelling of someone already found
                self.ids[name] = self.ids[wanted[person_key(self.system, name)]]

    def _find(self, session: Session, keys: list[str]) -> dict[str, int]:
        rows = session.execute(
            select(PEOPLE.c.platform_user_id, PEOPLE.c.id).where(
                PEOPLE.c.platform == IMPORT_PLATFORM, PEOPLE.c.platform_user_id.in_(keys)
            )
        )
        return dict(rows.tuples().all())

    def id(self, name: str) -> int | None:
        return self.ids.get(name) if name else None


class _Ticket:
    """A prepared ticket with its people's ids put in: what the store should hold."""

    __slots__ = ("events", "external_id", "incident", "targets")

    def __init__(self, prepared: Prepared, people: People) -> None:
        values = list(prepared.incident)
        values[REPORTER] = people.ids[values[REPORTER]]
        values[ASSIGNEE] = people.id(values[ASSIGNEE])
        self.external_id = prepared.external_id
        self.incident = dict(zip(INCIDENT_FIELDS, values, strict=True))
        self.events = [
            (*event[:ACTOR], people.id(event[ACTOR]), *event[ACTOR + 1 :]) for event in prepared.events
        ]
        self.targets = sorted(clock[:-1] for clock in prepared.targets)  # (without their updated_at)


class _Stored:
    """An incident already imported: its columns, timeline and clocks as the store keeps them."""

    def __init__(self, row: Any) -> None:
        self.row = row._mapping
        self.id: int = row.id
        self.version: int = row.version
        self.events: list[tuple[Any, ...]] = []
        self.targets: list[tuple[Any, ...]] = []
        self.worked_in_chat = False

    def same_as(self, ticket: _Ticket) -> bool:
        row = self.row
        return (
            all(row[name] == value for name, value in ticket.incident.items())
            and self.events == ticket.events
            and sorted(self.targets) == ticket.targets
        )


class Writer:
    """Writes batches of prepared tickets for one import (see the module docstring)."""

    def __init__(self, *, system: str, dry_run: bool, report: ImportReport) -> None:
        self.system = system
        self.dry_run = dry_run
        self.report = report
        self.people = People(system=system, dry_run=dry_run, report=report)

    def write(self, session: Session, batch: Sequence[Prepared], *, now: datetime) -> None:
        others = {p.incident[ASSIGNEE] for p in batch} | {e[ACTOR] for p in batch for e in p.events}
        others.discard("")
        names = others | {p.incident[REPORTER] for p in batch}  # a reporter "": the export itself
        self.people.resolve(session, names, now=now)
        tickets = {p.external_id: _Ticket(p, self.people) for p in batch}
        existing = self._existing(session, list(tickets))
        fresh: list[_Ticket] = []
        changed: list[tuple[_Ticket, _Stored]] = []
        for external_id, ticket in tickets.items():
            stored = existing.get(external_id)
            if stored is None:
                fresh.append(ticket)
            elif stored.same_as(ticket):
                self.report.unchanged += 1
            elif stored.worked_in_chat:
                self.report.kept += 1
            else:
                changed.append((ticket, stored))
        self.report.new += len(fresh)
        if self.dry_run:
            self.report.updated += len(changed)
            return
        written = self._insert(session, fresh)
        for ticket, stored in changed:
            if self._update(session, ticket, stored):
                written.append((ticket, stored.id))
                self.report.updated += 1
            else:
                self.report.kept += 1
        self._timelines(session, written)

    def _existing(self, session: Session, external_ids: list[str]) -> dict[str, _Stored]:
        found = {
            row.external_id: _Stored(row)
            for row in session.execute(
                select(INCIDENTS).where(
                    INCIDENTS.c.external_system == self.system, INCIDENTS.c.external_id.in_(external_ids)
                )
            )
        }
        if not found:
            return found
        by_id = {stored.id: stored for stored in found.values()}
        events = session.execute(
            select(*(EVENTS.c[name] for name in ("incident_id", *EVENT_FIELDS)), PEOPLE.c.platform)
            .outerjoin(PEOPLE, PEOPLE.c.id == EVENTS.c.actor_id)
            .where(EVENTS.c.incident_id.in_(list(by_id)))
            .order_by(EVENTS.c.incident_id, EVENTS.c.id)
        )
        for incident_id, *event, platform in events.tuples():
            stored = by_id[incident_id]
            stored.events.append(tuple(event))
            if (platform is not None and platform != IMPORT_PLATFORM) or event[0] not in IMPORTED_KINDS:
                stored.worked_in_chat = True
        clocks = session.execute(
            select(TARGETS.c.incident_id, *(TARGETS.c[name] for name in TARGET_FIELDS)).where(
                TARGETS.c.incident_id.in_(list(by_id))
            )
        )
        for incident_id, *clock in clocks.tuples():
            by_id[incident_id].targets.append(tuple(clock))
        return found

    def _insert(self, session: Session, fresh: list[_Ticket]) -> list[tuple[_Ticket, int]]:
        if not fresh:
            return []
        rows = [
            {**t.incident, "external_system": self.system, "external_id": t.external_id, "version": 1}
            for t in fresh
        ]
        statement = insert(INCIDENTS).returning(INCIDENTS.c.external_id, INCIDENTS.c.id)
        ids = {external_id: int(incident_id) for external_id, incident_id in session.execute(statement, rows)}
        return [(t, ids[t.external_id]) for t in fresh]

    def _update(self, session: Session, ticket: _Ticket, stored: _Stored) -> bool:
        """Compare-and-set on the version: False when the incident changed since it was read."""
        result = session.execute(
            update(INCIDENTS)
            .where(INCIDENTS.c.id == stored.id, INCIDENTS.c.version == stored.version)
            .values(**ticket.incident, version=INCIDENTS.c.version + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        session.execute(delete(EVENTS).where(EVENTS.c.incident_id == stored.id))
        session.execute(delete(TARGETS).where(TARGETS.c.incident_id == stored.id))
        return True

    def _timelines(self, session: Session, written: list[tuple[_Ticket, int]]) -> None:
        events = [(incident_id, *event) for ticket, incident_id in written for event in ticket.events]
        clocks = [
            (incident_id, *clock, "{}", "[]", None, ticket.incident["updated_at"])
            for ticket, incident_id in written
            for clock in ticket.targets
        ]
        _bulk(session, EVENTS, ("incident_id", *EVENT_FIELDS), events)
        clock_columns = ("incident_id", *TARGET_FIELDS, "checkpoints", "fired", "next_check_at", "updated_at")
        _bulk(session, TARGETS, clock_columns, clocks)


def _bulk(session: Session, table: TableClause, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """One executemany of `rows` (values in `names` order) of Core's `insert()`.

    On SQLite the compiled statement goes to the driver's executemany with the rows as they are: for
    the events and clocks of a batch (tens of thousands of rows), SQLAlchemy's per-row parameter
    processing cost more than SQLite's whole executemany. On PostgreSQL, SQLAlchemy's executemany
    ("insertmanyvalues": a thousand rows a statement) is much faster than psycopg's row by row.
    """
    if not rows:
        return
    connection = session.connection()
    if not connection.dialect.positional:
        connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
        return
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(names))
    order = [names.index(key) for key in compiled.positiontup or ()]  # the compiled `?` order
    if order != list(range(len(names))):
        rows = [tuple(row[i] for i in order) for row in rows]
    connection.exec_driver_sql(str(compiled), rows)
