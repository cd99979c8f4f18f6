"""Seeding the `digest` benchmark: years of incident history for 50 departments, fast.

`organisation()` is the example organisation grown to 50 departments (the example's five and 45 more,
a few of them in London to have summer time in the data) with 2–3 services each. `seed_sqlite` and
`seed_postgresql` write `n` incidents reported over the 3 years before `NOW`, with their timelines
and commitment clocks, in bulk: the sqlite3 module's `executemany` (journal off while seeding) and
psycopg's `COPY … FROM STDIN`, with the secondary indexes dropped during the load and rebuilt after
it (as a restore does), then `ANALYZE`.

The distributions, fixed by `SEED`:
- departments Zipf-like (weight 1 / rank^0.6: the largest, `ops`, has ≈ 8 % of all incidents), the
  volume growing by 30 % over the 3 years, weekends at half the weekday rate, office hours busiest;
- priorities skewed to P3/P4 (2 / 10 / 50 / 38 %), categories Pareto-like (method 34, man 24,
  machine 16, material 10, environment 7, measurement 4 %, 5 % uncategorised);
- 85 % acknowledged by a person, log-normal delay with a median of 20 minutes (the rest are
  acknowledged by their resolution, as the workflow does); first responses a few minutes later;
- resolution log-normal (σ 1.1) with a median of 2 h / 6 h / 20 h / 40 h by priority, a quarter
  resolved at first contact (in a tenth of that); 10 % wait on the customer (median 4 h, the clocks
  pausing is not modelled); 4 % reopened about a day later and resolved again; 80 % closed 3 days
  after their resolution;
- commitments from the example policies in wall-clock time (acknowledge, first response — not for
  P4 — and resolve), met when the step happened, breached at their due time when met late or unmet
  and past due; the incidents and timelines end at `NOW`: what had not happened by then is open.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
import sqlite3
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqmsbot.config import EXAMPLE_ORG_FILE, OrgConfig

SEED = 20261124
VERSION = 3  # bump when the data changes: the cached stores are keyed by size, seed and version
# Tuesday 2026-11-24 08:30 in Shanghai: the digest's instant; yesterday is Monday the 23rd.
NOW = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
YEARS = 3
FULL = 1_000_000
"""The largest history: 3 years. A smaller one is seeded at the same daily rate over a shorter span
(100 000 incidents: the last 110 days), so that the two compare history, not a busier service: the
digest's windows hold the same incidents in both, and only what lies behind them differs."""
MIN_SPAN_DAYS = 60  # the digest reads 5 weeks back: a quick run's small store still covers them
DEPARTMENTS = 50
CHUNK = 20_000
PEOPLE = 40

PRIORITIES = (("P1", 2), ("P2", 10), ("P3", 50), ("P4", 38))
CATEGORIES = (
    ("method", 34),
    ("man", 24),
    ("machine", 16),
    ("material", 10),
    ("environment", 7),
    ("measurement", 4),
    (None, 5),
)
# (acknowledge, first response, resolve) in seconds, wall clock; None: no such commitment.
TARGETS = {
    "P1": (15 * 60, 30 * 60, 4 * 3600),
    "P2": (30 * 60, 3600, 8 * 3600),
    "P3": (2 * 3600, 4 * 3600, 3 * 86400),
    "P4": (86400, None, 5 * 86400),
}
RESOLVE_MEDIAN_H = {"P1": 2.0, "P2": 6.0, "P3": 20.0, "P4": 40.0}
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 6, 10, 12, 12, 11, 8, 10, 12, 12, 11, 9, 6, 4, 3, 2, 2, 1)
LONDON = {10, 20, 30, 40, 50}  # departments d10, d20 … in Europe/London

INCIDENT_COLUMNS = (
    "id", "platform", "priority", "service", "category", "source", "customer_ref", "title",
    "description", "status", "department", "reporter_id", "assignee_id", "reported_at",
    "acknowledged_at", "waiting_since", "resolved_at", "closed_at", "first_contact_resolution",
    "resolution", "reopen_count", "duplicate_of_id", "updated_at", "external_system", "external_id",
    "ack_business_seconds", "resolve_business_seconds", "version",
)  # fmt: skip
EVENT_COLUMNS = ("id", "incident_id", "actor_id", "at", "kind", "from_value", "to_value", "note")
TARGET_COLUMNS = (
    "id", "incident_id", "target", "department", "policy", "calendar", "target_seconds", "started_at",
    "due_at", "met_at", "breached_at", "checkpoints", "fired", "next_check_at", "updated_at",
)  # fmt: skip
DEPARTMENT = INCIDENT_COLUMNS.index("department")
PERSON_COLUMNS = ("id", "platform", "platform_user_id", "display_name", "role", "department", "created_at")


def organisation() -> OrgConfig:
    """The example organisation with 50 departments: its own five and d06 … d50, 2–3 services each."""
    data = tomllib.loads(EXAMPLE_ORG_FILE.read_text(encoding="utf-8"))
    for number in range(len(data["departments"]) + 1, DEPARTMENTS + 1):
        key = f"d{number:02d}"
        tz = "Europe/London" if number in LONDON else "Asia/Shanghai"
        data["departments"].append(
            {"key": key, "name": {"en": f"Team {number}", "zh_CN": f"{number} 组"}, "timezone": tz}
        )
        for s in range(2 + number % 2):
            data["services"].append(
                {"key": f"{key}-s{s}", "name": f"Service {number}.{s}", "department": key}
            )
    data["services"].append(
        {"key": "audit", "name": {"en": "Audits", "zh_CN": "审核"}, "department": "quality"}
    )
    return OrgConfig.model_validate(data)


def _picker(rng: random.Random, weighted: list[tuple[Any, float]]) -> Callable[[], Any]:
    values = [v for v, _ in weighted]
    cumulative = list(itertools.accumulate(w for _, w in weighted))
    total = cumulative[-1]
    return lambda: values[bisect.bisect_right(cumulative, rng.random() * total)]


Event = tuple[int, str, str | None, str]  # (epoch seconds, kind, from, to)


def span_for(n: int) -> int:
    """The days of history `n` incidents are spread over (see FULL)."""
    return max(MIN_SPAN_DAYS, round(YEARS * 365 * min(n, FULL) / FULL))


def _history(
    org: OrgConfig, n: int
) -> Iterator[tuple[tuple[Any, ...], list[Event], list[tuple[str, int, int | None]], int]]:
    """Each incident: its row (epoch seconds for instants), its timeline, its commitments
    (target, seconds, met at), and when its clocks started."""
    rng = random.Random(SEED)
    now = int(NOW.timestamp())
    span_days = span_for(n)
    first_date = NOW.astimezone(SHANGHAI).date() - timedelta(days=span_days)
    first_midnight = int(datetime.combine(first_date, datetime.min.time(), tzinfo=SHANGHAI).timestamp())
    departments = [d.key for d in org.departments]
    services = {d: [s.key for s in org.services if s.department == d] for d in departments}
    department = _picker(rng, [(d, 1 / (rank + 1) ** 0.6) for rank, d in enumerate(departments)])
    priority = _picker(rng, list(PRIORITIES))
    category = _picker(rng, list(CATEGORIES))
    hour = _picker(rng, list(enumerate(HOUR_WEIGHTS)))
    growth = 0.3
    instants: list[int] = []
    while len(instants) < n:
        # day from the density 1 + growth·x on [0, 1): the inverse of its cumulative distribution
        u = rng.random()
        x = (math.sqrt(1 + growth * (2 + growth) * u) - 1) / growth
        day = int(x * span_days)
        if (first_date.weekday() + day) % 7 >= 5 and rng.random() < 0.5:
            continue  # Saturday or Sunday: half the rate
        # the hours of the day are Shanghai's (London's teams keep the same shape)
        reported = first_midnight + day * 86400 + hour() * 3600 + rng.randrange(3600)
        if reported < now:
            instants.append(reported)
    instants.sort()  # ids in the order of reporting, as a live store numbers them
    for number, reported in enumerate(instants, start=1):
        dept = department()
        options = services[dept]
        service = options[0] if len(options) == 1 or rng.random() < 0.6 else rng.choice(options[1:])
        prio = priority()
        events: list[Event] = [(reported, "reported", None, "new")]
        fcr = rng.random() < 0.25
        resolve_h = rng.lognormvariate(math.log(RESOLVE_MEDIAN_H[prio] * (0.1 if fcr else 1)), 1.1)
        resolved = reported + max(60, int(resolve_h * 3600))
        acked = None
        if rng.random() < 0.85:
            acked = reported + max(30, int(rng.lognormvariate(math.log(20 * 60), 1.0)))
            if acked >= resolved:
                acked = None
        if acked is not None:
            events.append((acked, "acknowledged", "new", "acknowledged"))
        responded = (acked or resolved) + rng.randrange(60, 900)
        state = "acknowledged" if acked is not None else "new"
        if rng.random() < 0.10:
            wait = (acked or reported) + 1800
            back = wait + int(rng.lognormvariate(math.log(4 * 3600), 0.8))
            if acked is None:
                events.append((wait, "acknowledged", "new", "acknowledged"))
                acked = wait
            events += [
                (wait, "waiting", "acknowledged", "waiting"),
                (back, "resumed", "waiting", "acknowledged"),
            ]
            resolved = max(resolved, back) + int(resolved - reported) // 4
            state = "acknowledged"
        if acked is None:  # resolving a new incident acknowledges it on the way
            events.append((resolved, "acknowledged", "new", "acknowledged"))
            acked = resolved
        events.append((resolved, "resolved", state, "resolved"))
        reopened = rng.random() < 0.04
        if reopened:
            again = resolved + int(rng.lognormvariate(math.log(86400), 0.7))
            resolved = again + int(rng.lognormvariate(math.log(6 * 3600), 1.0))
            events += [
                (again, "reopened", "resolved", "acknowledged"),
                (resolved, "resolved", "acknowledged", "resolved"),
            ]
        if rng.random() < 0.8:
            events.append((resolved + 3 * 86400, "closed", "resolved", "closed"))
        events = sorted(
            (e for e in events if e[0] < now), key=lambda e: e[0]
        )  # stable: same-instant order kept
        at = {kind: when for when, kind, _, _ in events}
        status = events[-1][3]
        last_resolved = at.get("resolved") if status in ("resolved", "closed") else None
        waiting_since = at["waiting"] if status == "waiting" else None
        assignee = 1 + rng.randrange(PEOPLE) if acked < now else None
        row = (
            number, "console", prio, service, category(), "complaint", None, f"Incident {number}", None,
            status, dept, 1 + rng.randrange(PEOPLE), assignee, reported,
            at.get("acknowledged"), waiting_since, last_resolved, at.get("closed"),
            fcr and last_resolved is not None and not reopened, None, int(reopened and "reopened" in at),
            None, events[-1][0], None, None, None, None, 1,
        )  # fmt: skip
        ack_s, response_s, resolve_s = TARGETS[prio]
        clocks: list[tuple[str, int, int | None]] = [("acknowledge", ack_s, at.get("acknowledged"))]
        if response_s is not None:
            clocks.append(("first_response", response_s, responded if responded < now else None))
        clocks.append(("resolve", resolve_s, last_resolved))
        yield row, events, clocks, reported


def _rows(
    org: OrgConfig, n: int
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Chunks of (incident rows, event rows, target rows), instants as epoch seconds."""
    now = int(NOW.timestamp())
    incidents: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    targets: list[tuple[Any, ...]] = []
    event_id = target_id = 0
    # Timeline rows are numbered in the order they happen, as a live store appends them: each waits in
    # a heap until no later-reported incident can have an earlier one.
    pending_events: list[tuple[int, int, int, str, str | None, str, int | None]] = []
    sequence = itertools.count()

    def due_events(before: int | None) -> None:
        nonlocal event_id
        while pending_events and (before is None or pending_events[0][0] < before):
            when, _, incident_id, kind, old, new, actor = heapq.heappop(pending_events)
            event_id += 1
            events.append((event_id, incident_id, actor, when, kind, old, new, None))

    for row, timeline, clocks, started in _history(org, n):
        incident_id = row[0]
        due_events(started)
        incidents.append(row)
        for when, kind, old, new in timeline:
            actor = row[12] if kind != "reported" else row[11]
            heapq.heappush(pending_events, (when, next(sequence), incident_id, kind, old, new, actor))
        for target, seconds, met in clocks:
            target_id += 1
            due = started + seconds
            breached = due if (met is None and due < now) or (met is not None and met > due) else None
            pending = met is None and breached is None
            targets.append(
                (target_id, incident_id, target, row[DEPARTMENT], f"*:{row[2]}", "round-the-clock", seconds,
                 started, due, met, breached, "{}", "[]", due if pending else None,
                 met or breached or started)
            )  # fmt: skip
        if len(incidents) >= CHUNK:
            yield incidents, events, targets
            incidents, events, targets = [], [], []
    due_events(None)
    if incidents or events:
        yield incidents, events, targets


INSTANTS = {
    "incidents": {
        INCIDENT_COLUMNS.index(c) for c in INCIDENT_COLUMNS if c.endswith("_at") or c == "waiting_since"
    },
    "incident_events": {EVENT_COLUMNS.index("at")},
    "incident_targets": {TARGET_COLUMNS.index(c) for c in TARGET_COLUMNS if c.endswith("_at")},
}


def _converter(table: str, instant: Callable[[int], Any]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    where = INSTANTS[table]

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(instant(v) if i in where and v is not None else v for i, v in enumerate(row))

    return convert


def _sqlite_instant(epoch: int) -> str:
    """As SQLAlchemy stores a UTC instant in SQLite (sqmsbot.models.base.UTCDateTime)."""
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _people() -> list[tuple[Any, ...]]:
    created = NOW - timedelta(days=YEARS * 366)
    return [
        (i, "console", f"bench-{i}", f"Person {i}", "member", "ops", created) for i in range(1, PEOPLE + 1)
    ]


def seed_sqlite(path: str, org: OrgConfig, n: int) -> dict[str, Any]:
    """Fill a migrated, empty SQLite file; the secondary indexes are rebuilt after the load."""
    started = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-400000")
    tables = ("incidents", "incident_events", "incident_targets")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master"
        " WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?, ?, ?)",
        tables,
    ).fetchall()
    db.execute("BEGIN")
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    people = [
        tuple(_sqlite_instant(int(v.timestamp())) if isinstance(v, datetime) else v for v in p)
        for p in _people()
    ]
    db.executemany(
        f"INSERT INTO people ({', '.join(PERSON_COLUMNS)}) VALUES ({', '.join('?' * len(PERSON_COLUMNS))})",
        people,
    )
    counts = dict.fromkeys(tables, 0)
    converters = {table: _converter(table, _sqlite_instant) for table in tables}
    columns = dict(zip(tables, (INCIDENT_COLUMNS, EVENT_COLUMNS, TARGET_COLUMNS), strict=True))
    for chunk in _rows(org, n):
        for table, rows in zip(tables, chunk, strict=True):
            names = columns[table]
            db.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                map(converters[table], rows),
            )
            counts[table] += len(rows)
    loaded = time.perf_counter() - started
    for _, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return {**counts, "load_s": round(loaded, 1), "seed_s": round(time.perf_counter() - started, 1)}


def seed_postgresql(conninfo: str, schema: str, org: OrgConfig, n: int) -> dict[str, Any]:
    """Fill a migrated, empty schema with COPY; the secondary indexes are rebuilt after the load."""
    import psycopg

    started = time.perf_counter()
    tables = ("incidents", "incident_events", "incident_targets")
    with psycopg.connect(conninfo, autocommit=False) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = %s AND i.tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (schema, list(tables)),
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{schema}"."{name}"')
        with conn.cursor() as cur, cur.copy(f"COPY people ({', '.join(PERSON_COLUMNS)}) FROM STDIN") as copy:
            for person in _people():
                copy.write_row(person)
        counts = dict.fromkeys(tables, 0)
        instant = _pg_instant
        converters = {table: _converter(table, instant) for table in tables}
        columns = dict(zip(tables, (INCIDENT_COLUMNS, EVENT_COLUMNS, TARGET_COLUMNS), strict=True))
        with conn.cursor() as cur:
            for chunk in _rows(org, n):
                for table, rows in zip(tables, chunk, strict=True):
                    with cur.copy(f"COPY {table} ({', '.join(columns[table])}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(converters[table](row))
                    counts[table] += len(rows)
        loaded = time.perf_counter() - started
        for _, sql in indexes:
            conn.execute(sql)
        for table in ("people", *tables):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}")
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("VACUUM ANALYZE")
    return {**counts, "load_s": round(loaded, 1), "seed_s": round(time.perf_counter() - started, 1)}


def _pg_instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
