"""The morning digest's data over years of history, against hand-written SQL computing the same figures.

Run from the repository root::

    .venv/bin/python -m bench.digest [--quick] [--database-url URL] [--sizes 100000,1000000]

Issue 11: a department's digest (`sqmsbot.domain.kpi.digest.gather`: the covered day's KPIs against
the day before and the 7 days before, the commitments broken since the last digest, the oldest open
incidents, the 30-day trend and causes, the movers against the same weekdays of 4 weeks) over
histories of 100 000 and 1 000 000 incidents (`--quick`: 10 000 and 100 000) of 50 departments, on
SQLite and on PostgreSQL. The 1 000 000 span 3 years; a smaller history is seeded at the same daily
rate over a shorter span (100 000: the last 110 days; bench/digest_seed.py `FULL`), so that "1M
against 100k" measures what a longer history costs, with the same incidents in the windows read.
Targets: one department ≤ 150 ms and within 2×
of the floor; all 50 ≤ 3 s; 1M within 1.5× of 100k (the window, not the history, sets the cost).

The **floor**, measured in the same run on the same store, interleaved with the digest: hand-written
SQL text through the DBAPI cursor (`engine.raw_connection()`), seven statements computing the same
figures (`FloorSql`; commitments are read from their window first, `incident_targets CROSS JOIN
incidents`, which SQLite takes as the join order and PostgreSQL plans as an inner join): reported
and MTTA per local day, service and cause over the 30 days;
resolutions and MTTR (period statistics and per-key daily medians) over the movers' 29 days;
commitments kept and broken per day, target, service and cause; the last 24 hours' breaches with
their count; resolutions and reopens of the three periods; the backlog and its aged part at both
period ends; the oldest open incidents with their count. Its figures are checked against the
digest's (`agrees`).

Stores are cached, so a re-run does not seed again: SQLite files `var/bench/digest-<n>-s<seed>-v<version>.db`
(delete them to reseed); PostgreSQL: the database `sqms_bench` on the server of `--database-url` (else
SQMS_BENCH_DATABASE_URL, else SQMS_TEST_DATABASE_URL; without any, PostgreSQL is skipped), one schema
`digest_<n>_s<seed>_v<version>` per size, kept for the next run; `--drop-postgres` drops the whole
database at the end. The `test` database other tests use is never touched.

Printed per store and size: the digest's and the floor's median ms for one department (`ops`, the
largest) and for all 50, their ratio, and the statements of one digest that cost most; the last line
is one JSON object with every figure, `floor` and `ratio` (one department, worst store and size),
`growth` (largest size over smallest, worst store) and the targets met. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text

from bench.digest_seed import FULL, NOW, SEED, VERSION, organisation, seed_postgresql, seed_sqlite, span_for
from sqmsbot.config import REPO_ROOT, Department, OrgConfig
from sqmsbot.db import Database, normalise_url
from sqmsbot.domain.kpi.digest import Digest, gather, local_today
from sqmsbot.domain.kpi.period import local_midnight
from sqmsbot.migrate import upgrade

FULL_SIZES, QUICK_SIZES = (100_000, 1_000_000), (10_000, 100_000)
ROUNDS, QUICK_ROUNDS = 15, 5
ALL_ROUNDS, QUICK_ALL_ROUNDS = 3, 1
TARGET_ONE_MS, TARGET_ALL_S, TARGET_RATIO, TARGET_GROWTH = 150.0, 3.0, 2.0, 1.5
PG_ENVS = ("SQMS_BENCH_DATABASE_URL", "SQMS_TEST_DATABASE_URL")
PG_DATABASE = "sqms_bench"
CACHE = REPO_ROOT / "var" / "bench"
ONE = "ops"
OPEN = "('new', 'acknowledged', 'waiting')"
STATE_CHANGES = (
    "('reported', 'acknowledged', 'waiting', 'resumed', 'resolved', 'reopened', 'closed', 'duplicate')"
)


# ----- the floor: the same figures, hand-written SQL through the DBAPI cursor --------------------------


def _seconds(dialect: str, later: str, earlier: str) -> str:
    if dialect == "sqlite":
        return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"
    return f"CAST(ROUND(CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS NUMERIC), 3) AS DOUBLE PRECISION)"


def _percentile(value: str, num: int, den: int) -> str:
    """The linear-interpolation percentile num/den of `value` over rows numbered `rn` of `n`."""
    h = f"((n - 1) * {num})"
    weight = f"(({h} % {den}) * 1.0 / {den})"
    return (
        f"SUM(CASE WHEN rn = {h} / {den} + 1 THEN {value} * (1 - {weight}) "
        f"WHEN rn = {h} / {den} + 2 THEN {value} * {weight} ELSE 0 END)"
    )


def _day(column: str, days: int) -> str:
    """The local day (0 … days − 1) of the 30-day window holding `column`; NULL outside it."""
    whens = " ".join(f"WHEN {column} < :e{i} THEN {i}" for i in range(days))
    return f"CASE WHEN {column} < :t0 THEN NULL {whens} END"


PERIODS = "periods(k, lo, hi) AS (VALUES ('Y', 29, 29), ('D', 28, 28), ('W', 22, 28))"


def floor_statements(dialect: str) -> dict[str, str]:
    """The seven statements, as SQL text for `dialect` (named parameters)."""
    ack = _seconds(dialect, "acknowledged_at", "reported_at")
    resolve = _seconds(dialect, "resolved_at", "reported_at")
    broken = "(t.breached_at IS NOT NULL OR (t.due_at IS NOT NULL AND t.due_at < COALESCE(t.met_at, :now)))"
    decided = f"CASE WHEN {broken} THEN COALESCE(t.breached_at, t.due_at) ELSE t.met_at END"
    statements = {
        "reported": f"""
WITH {PERIODS}, rep AS (
  SELECT {_day("reported_at", 30)} AS day, service, COALESCE(category, 'uncategorised') AS category,
         CASE WHEN acknowledged_at IS NOT NULL THEN {ack} END AS x
  FROM incidents WHERE department = :dept AND reported_at >= :t0 AND reported_at < :t1
), ranked AS (
  SELECT p.k, rep.x, ROW_NUMBER() OVER (PARTITION BY p.k ORDER BY rep.x) AS rn,
         COUNT(*) OVER (PARTITION BY p.k) AS n
  FROM rep JOIN periods p ON rep.day BETWEEN p.lo AND p.hi WHERE rep.x IS NOT NULL
)
SELECT 'count', day, service, category, COUNT(*), NULL, NULL, NULL FROM rep GROUP BY day, service, category
UNION ALL
SELECT 'mtta', NULL, k, NULL, COUNT(*), AVG(x), {_percentile("x", 1, 2)}, {_percentile("x", 9, 10)}
FROM ranked GROUP BY k""",
        "resolved": f"""
WITH {PERIODS}, res AS (
  SELECT {_day("resolved_at", 30)} AS day, service, COALESCE(category, 'uncategorised') AS category,
         CASE WHEN first_contact_resolution THEN 1 ELSE 0 END AS fcr, {resolve} AS x
  FROM incidents WHERE department = :dept AND resolved_at >= :e0 AND resolved_at < :t1
), grouped AS (
  SELECT 'period' AS g, p.k AS key, 0 AS day, res.fcr, res.x
  FROM res JOIN periods p ON res.day BETWEEN p.lo AND p.hi
  UNION ALL SELECT 'service', service, day, fcr, x FROM res
  UNION ALL SELECT 'category', category, day, fcr, x FROM res
), ranked AS (
  SELECT g, key, day, fcr, x, ROW_NUMBER() OVER (PARTITION BY g, key, day ORDER BY x) AS rn,
         COUNT(*) OVER (PARTITION BY g, key, day) AS n
  FROM grouped
)
SELECT g, key, day, COUNT(*), SUM(fcr), AVG(x), {_percentile("x", 1, 2)}, {_percentile("x", 9, 10)}
FROM ranked GROUP BY g, key, day""",
        "sla": f"""
SELECT day, target, service, category, SUM(kept), SUM(missed) FROM (
  SELECT {_day(decided, 30)} AS day, t.target, i.service, COALESCE(i.category, 'uncategorised') AS category,
         CASE WHEN {broken} THEN 0 WHEN t.met_at IS NOT NULL THEN 1 ELSE 0 END AS kept,
         CASE WHEN {broken} THEN 1 ELSE 0 END AS missed
  FROM incident_targets t CROSS JOIN incidents i
  WHERE i.id = t.incident_id AND i.department = :dept
    AND ((t.met_at >= :t0 AND t.met_at < :t1) OR (t.breached_at >= :t0 AND t.breached_at < :t1)
         OR (t.due_at >= :t0 AND t.due_at < :t1))
) d WHERE day IS NOT NULL GROUP BY day, target, service, category""",
        "breaches": f"""
SELECT i.id, i.title, i.priority, t.target, COALESCE(t.breached_at, t.due_at) AS at, COUNT(*) OVER () AS n
FROM incident_targets t CROSS JOIN incidents i
WHERE i.id = t.incident_id AND i.department = :dept
  AND ((t.breached_at >= :b0 AND t.breached_at < :now) OR (t.due_at >= :b0 AND t.due_at < :now))
  AND {broken} AND COALESCE(t.breached_at, t.due_at) >= :b0 AND COALESCE(t.breached_at, t.due_at) < :now
ORDER BY at DESC, i.id DESC, t.target LIMIT 5""",
        "reopens": """
SELECT COUNT(DISTINCT CASE WHEN at >= :y0 THEN incident_id END),
       COUNT(DISTINCT CASE WHEN at >= :y0 AND again = 1 THEN incident_id END),
       COUNT(DISTINCT CASE WHEN at >= :d0 AND at < :y0 THEN incident_id END),
       COUNT(DISTINCT CASE WHEN at >= :d0 AND at < :y0 AND again = 1 THEN incident_id END),
       COUNT(DISTINCT CASE WHEN at < :y0 THEN incident_id END),
       COUNT(DISTINCT CASE WHEN at < :y0 AND again = 1 THEN incident_id END)
FROM (
  SELECT e.incident_id, e.at, CASE WHEN EXISTS (
    SELECT 1 FROM incident_events l WHERE l.incident_id = e.incident_id AND l.kind = 'reopened'
    AND l.at >= e.at AND l.id > e.id AND l.at <= :now) THEN 1 ELSE 0 END AS again
  FROM incident_events e JOIN incidents i ON i.id = e.incident_id
  WHERE e.kind = 'resolved' AND e.at >= :w0 AND e.at < :t1 AND i.department = :dept
) r""",
        "backlog": f"""
WITH c AS (
  SELECT id FROM incidents WHERE status IN {OPEN} AND reported_at < :t1
  UNION SELECT id FROM incidents WHERE resolved_at >= :y0
  UNION SELECT id FROM incidents WHERE closed_at >= :y0
), x AS (
  SELECT i.id, i.reported_at, i.reopen_count, i.resolved_at, i.closed_at,
    CASE WHEN i.reopen_count > 0 THEN (SELECT l.to_value FROM incident_events l WHERE l.incident_id = i.id
      AND l.kind IN {STATE_CHANGES} AND l.at < :y0 ORDER BY l.at DESC, l.id DESC LIMIT 1) END AS s0,
    CASE WHEN i.reopen_count > 0 THEN (SELECT l.to_value FROM incident_events l WHERE l.incident_id = i.id
      AND l.kind IN {STATE_CHANGES} AND l.at < :t1 ORDER BY l.at DESC, l.id DESC LIMIT 1) END AS s1,
    CASE WHEN EXISTS (SELECT 1 FROM incident_targets t WHERE t.incident_id = i.id AND t.target = 'resolve'
      AND (t.due_at < :y0 OR t.breached_at < :y0)) THEN 1 ELSE 0 END AS aged0,
    CASE WHEN EXISTS (SELECT 1 FROM incident_targets t WHERE t.incident_id = i.id AND t.target = 'resolve'
      AND (t.due_at < :t1 OR t.breached_at < :t1)) THEN 1 ELSE 0 END AS aged1
  FROM incidents i WHERE i.id IN (SELECT id FROM c) AND i.department = :dept
), o AS (
  SELECT aged0, aged1,
    CASE WHEN reported_at < :y0 AND ((reopen_count = 0 AND (resolved_at IS NULL OR resolved_at >= :y0)
      AND (closed_at IS NULL OR closed_at >= :y0)) OR (reopen_count > 0 AND s0 IN {OPEN}))
      THEN 1 ELSE 0 END AS open0,
    CASE WHEN reported_at < :t1 AND ((reopen_count = 0 AND (resolved_at IS NULL OR resolved_at >= :t1)
      AND (closed_at IS NULL OR closed_at >= :t1)) OR (reopen_count > 0 AND s1 IN {OPEN}))
      THEN 1 ELSE 0 END AS open1
  FROM x
)
SELECT SUM(open0), SUM(open0 * aged0), SUM(open1), SUM(open1 * aged1) FROM o""",
        "oldest": f"""
SELECT id, title, priority, status, reported_at, COUNT(*) OVER () AS n FROM incidents
WHERE department = :dept AND status IN {OPEN} ORDER BY reported_at, id LIMIT 5""",
    }
    if dialect == "postgresql":  # psycopg's parameter style; a literal % doubled
        return {k: re.sub(r":(\w+)", r"%(\1)s", s.replace("%", "%%")) for k, s in statements.items()}
    return statements


def floor_params(department: Department, dialect: str) -> dict[str, Any]:
    """The instants of the digest's windows for one department, as the DBAPI wants them."""
    tz = department.timezone
    yesterday = local_today(NOW, tz) - timedelta(days=1)
    first = yesterday - timedelta(days=29)
    instants = {
        "t0": local_midnight(first, tz),
        "t1": local_midnight(yesterday + timedelta(days=1), tz),
        "y0": local_midnight(yesterday, tz),
        "d0": local_midnight(yesterday - timedelta(days=1), tz),
        "w0": local_midnight(yesterday - timedelta(days=7), tz),
        "b0": NOW - timedelta(hours=24),
        "now": NOW,
        **{f"e{i}": local_midnight(first + timedelta(days=i + 1), tz) for i in range(30)},
    }
    if dialect == "sqlite":  # as sqmsbot.models.base.UTCDateTime stores them
        shown = {k: v.replace(tzinfo=None).isoformat(" ", "microseconds") for k, v in instants.items()}
        return {"dept": department.key, **shown}
    return {"dept": department.key, **instants}


@dataclass
class FloorSql:
    """The floor's statements for one store, run through one raw DBAPI connection."""

    engine: Engine

    def __post_init__(self) -> None:
        self.statements = floor_statements(self.engine.dialect.name)

    def run(self, department: Department) -> dict[str, list[tuple[Any, ...]]]:
        params = floor_params(department, self.engine.dialect.name)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            found: dict[str, list[tuple[Any, ...]]] = {}
            for name, sql in self.statements.items():
                cursor.execute(sql, params)
                found[name] = [tuple(row) for row in cursor.fetchall()]
            cursor.close()
            connection.rollback()
        finally:
            connection.close()
        return found


def agrees(digest: Digest, floor: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """The figures the floor and the digest both give, where they differ (empty: they agree)."""
    counts = [r for r in floor["reported"] if r[0] == "count"]
    per_day: dict[int, int] = defaultdict(int)
    per_cause: dict[str, int] = defaultdict(int)
    for _, day, _, cause, n, *_ in counts:
        per_day[day] += n
        per_cause[cause] += n
    mtta = {r[2]: r for r in floor["reported"] if r[0] == "mtta"}
    periods = {r[1]: r for r in floor["resolved"] if r[0] == "period"}
    sla: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for day, target, _, _, kept, missed in floor["sla"]:
        if day == 29:
            sla[target][0] += int(kept)
            sla[target][1] += int(missed)
    backlog = floor["backlog"][0]
    current = digest.report.current
    mine = {
        "reported": (current.reported, per_day.get(29, 0)),
        "reported_before": (digest.report.previous.reported, per_day.get(28, 0)),
        "reported_week": (digest.week.reported, sum(per_day.get(d, 0) for d in range(22, 29))),
        "resolved": (current.resolved, periods["Y"][3] if "Y" in periods else 0),
        "fcr": (current.fcr, int(periods["Y"][4]) if "Y" in periods else 0),
        "mtta_median": (_r(current.mtta.median), _r(mtta["Y"][6]) if "Y" in mtta else None),
        "mttr_median": (_r(current.mttr.median), _r(periods["Y"][6]) if "Y" in periods else None),
        "sla": (
            {t: [a.achieved, a.breached] for t, a in current.sla.items()},
            dict(sla),
        ),
        "reopened": ((current.resolutions, current.reopened), tuple(floor["reopens"][0][:2])),
        "backlog": ((current.backlog, current.aged), (int(backlog[2] or 0), int(backlog[3] or 0))),
        "breaches": (digest.breach_count, floor["breaches"][0][5] if floor["breaches"] else 0),
        "open": (digest.open_count, floor["oldest"][0][5] if floor["oldest"] else 0),
        "trend": ([d.reported for d in digest.trend], [per_day.get(d, 0) for d in range(30)]),
        "causes": (dict(digest.causes), dict(per_cause)),
    }
    return [f"{name}: digest {a!r} floor {b!r}" for name, (a, b) in mine.items() if a != b]


def _r(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 2)


# ----- the stores: seeded once, cached ---------------------------------------------------------------


def _span_suffix(n: int) -> str:
    """The stores seeded over fewer than the full 3 years are named by their span (`_d110`)."""
    span = span_for(n)
    return "" if span == span_for(FULL) else f"_d{span}"


def sqlite_store(n: int, org: OrgConfig) -> tuple[str, dict[str, Any] | None]:
    """The cached SQLite file for `n` incidents (seeded when missing); the seed's figures if seeded now."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"digest-{n}-s{SEED}-v{VERSION}{_span_suffix(n)}.db"
    if path.exists():
        upgrade(f"sqlite:///{path}")  # a store seeded before the latest migrations gets them (indexes)
        return f"sqlite:///{path}", None
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    upgrade(f"sqlite:///{partial}")
    seeded = seed_sqlite(str(partial), org, n)
    partial.rename(path)
    return f"sqlite:///{path}", seeded


def _pg_base(url: str) -> Any:
    return make_url(normalise_url(url))


def pg_store(
    base_url: str, n: int, org: OrgConfig, *, options: str = ""
) -> tuple[str, dict[str, Any] | None]:
    """A schema of `sqms_bench` for `n` incidents (seeded when missing or incomplete); `options` are
    added to the connections' server options (`-c jit=off`)."""
    base = _pg_base(base_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DATABASE}
        ).first()
        if exists is None:
            conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    bench = base.set(database=PG_DATABASE)
    schema = f"digest_{n}_s{SEED}_v{VERSION}{_span_suffix(n)}"
    engine = create_engine(bench, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        done = conn.execute(
            text(
                "SELECT 1 FROM information_schema.tables"
                " WHERE table_schema = :s AND table_name = 'bench_seeded'"
            ),
            {"s": schema},
        ).first()
        if done is None:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = bench.update_query_dict({"options": f"-csearch_path={schema} {options}".strip()}).render_as_string(
        hide_password=False
    )
    if done is not None:
        upgrade(url)  # as for SQLite: the latest migrations on a store seeded before them
        return url, None
    upgrade(url)
    conninfo = bench.set(drivername="postgresql").render_as_string(hide_password=False)
    seeded = seed_postgresql(conninfo, schema, org, n)
    engine = create_engine(bench, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE TABLE "{schema}".bench_seeded (n integer)'))
    engine.dispose()
    return url, seeded


def drop_pg_database(base_url: str) -> None:
    admin = create_engine(_pg_base(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}"'))
    admin.dispose()


# ----- the measurements ------------------------------------------------------------------------------


def _digest(db: Database, department: Department, org: OrgConfig) -> Digest:
    with db.transaction() as session:
        return gather(session, department=department, org=org, now=NOW)


def _ms(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


@contextmanager
def statement_costs(engine: Engine) -> Iterator[list[tuple[str, float]]]:
    """(caller in sqmsbot.domain.kpi, ms) of every statement run inside the block."""
    costs: list[tuple[str, float]] = []
    started: list[float] = []

    def before(*_args: Any) -> None:
        started.append(time.perf_counter())

    def after(*_args: Any) -> None:
        elapsed = (time.perf_counter() - started.pop()) * 1000
        frames = [f for f in inspect.stack(0) if "sqmsbot/domain/kpi/" in f.filename.replace(os.sep, "/")]
        names = [f"{Path(f.filename).stem}.{f.function}" for f in frames[:2]]
        costs.append((" < ".join(names) or "?", elapsed))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield costs
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def measure(name: str, url: str, org: OrgConfig, *, rounds: int, all_rounds: int) -> dict[str, Any]:
    db = Database(url)
    floor = FloorSql(db.engine)
    one = org.department(ONE)
    assert one is not None
    try:
        digest = _digest(db, one, org)  # warm: caches, plans
        differences = agrees(digest, floor.run(one))
        digest_ms, floor_ms = [], []
        for _ in range(rounds):
            floor_ms.append(_ms(lambda: floor.run(one)))
            digest_ms.append(_ms(lambda: _digest(db, one, org)))
        all_digest, all_floor = [], []
        for _ in range(all_rounds):
            all_floor.append(_ms(lambda: [floor.run(d) for d in org.departments]))
            all_digest.append(_ms(lambda: [_digest(db, d, org) for d in org.departments]))
        with statement_costs(db.engine) as costs:
            _digest(db, one, org)
    finally:
        db.dispose()
    one_ms, one_floor = statistics.median(digest_ms), statistics.median(floor_ms)
    all_ms, all_floor_ms = statistics.median(all_digest), statistics.median(all_floor)
    return {
        "store": name,
        "one_ms": round(one_ms, 1),
        "one_p90_ms": round(sorted(digest_ms)[int(0.9 * (len(digest_ms) - 1))], 1),
        "one_floor_ms": round(one_floor, 1),
        "one_ratio": round(one_ms / one_floor, 2),
        "all_s": round(all_ms / 1000, 2),
        "all_floor_s": round(all_floor_ms / 1000, 2),
        "all_ratio": round(all_ms / all_floor_ms, 2),
        "statements": len(costs),
        "costliest": sorted(((label, round(ms, 2)) for label, ms in costs), key=lambda c: -c[1])[:6],
        "agrees": not differences,
        "differences": differences,
        "reported_yesterday": digest.report.current.reported,
    }


def _print(result: dict[str, Any]) -> None:
    print(
        f"{result['store']:<10} {result['incidents']:>9} incidents  one department "
        f"{result['one_ms']:7.1f} ms (p90 {result['one_p90_ms']:.1f}; floor {result['one_floor_ms']:.1f} ms, "
        f"ratio {result['one_ratio']})  all 50 {result['all_s']:.2f} s (floor {result['all_floor_s']:.2f} s, "
        f"ratio {result['all_ratio']})  floor agrees: {'yes' if result['agrees'] else 'NO'}"
    )
    for difference in result["differences"]:
        print(f"{'':<10}   differs: {difference}")
    costly = ", ".join(f"{label} {ms} ms" for label, ms in result["costliest"])
    print(f"{'':<10}   {result['statements']} statements; costliest: {costly}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.digest", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}, {QUICK_ROUNDS} rounds")
    parser.add_argument(
        "--database-url", help="PostgreSQL server (default: SQMS_BENCH_DATABASE_URL, SQMS_TEST_DATABASE_URL)"
    )
    parser.add_argument("--sizes", help="comma-separated history sizes (default 100000,1000000)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--pg-options", default="", help='server options for the measured connections, e.g. "-c jit=off"'
    )
    parser.add_argument(
        "--drop-postgres", action="store_true", help=f"drop the {PG_DATABASE} database at the end"
    )
    args = parser.parse_args(argv)
    sizes = (
        tuple(int(s) for s in args.sizes.split(","))
        if args.sizes
        else QUICK_SIZES
        if args.quick
        else FULL_SIZES
    )
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    all_rounds = QUICK_ALL_ROUNDS if args.quick else ALL_ROUNDS
    org = organisation()
    pg_url = (
        None
        if args.no_postgres
        else args.database_url or next((os.environ[e] for e in PG_ENVS if os.environ.get(e)), None)
    )
    started = time.perf_counter()
    print(
        f"digest bench: {len(org.departments)} departments, "
        f"histories of {', '.join(map(str, sizes))} incidents"
    )
    results: list[dict[str, Any]] = []
    stores: list[tuple[str, Callable[[int], tuple[str, dict[str, Any] | None]]]] = []
    if not args.no_sqlite:
        stores.append(("sqlite", lambda n: sqlite_store(n, org)))
    if pg_url is None:
        print(f"postgresql: skipped ({' / '.join(PG_ENVS)} not set and no --database-url)")
    else:
        stores.append(("postgresql", lambda n: pg_store(pg_url, n, org, options=args.pg_options)))
    for name, store in stores:
        for n in sizes:
            url, seeded = store(n)
            if seeded is not None:
                print(
                    f"  {name}: seeded {seeded['incidents']} incidents, {seeded['incident_events']} events, "
                    f"{seeded['incident_targets']} commitments in {seeded['seed_s']} s"
                )
            result = {"incidents": n, **measure(name, url, org, rounds=rounds, all_rounds=all_rounds)}
            if seeded is not None:
                result["seed_s"] = seeded["seed_s"]
            _print(result)
            results.append(result)
    if pg_url is not None and args.drop_postgres:
        drop_pg_database(pg_url)
    summary: dict[str, Any] = {
        "bench": "digest",
        "quick": args.quick,
        "sizes": list(sizes),
        "department": ONE,
    }
    for r in results:
        prefix = f"{r['store']}_{r['incidents']}_"
        for key in ("one_ms", "one_p90_ms", "one_floor_ms", "one_ratio", "all_s", "all_floor_s", "all_ratio"):
            summary[prefix + key] = r[key]
    growth = {}
    for name in {r["store"] for r in results}:
        mine = sorted((r for r in results if r["store"] == name), key=lambda r: r["incidents"])
        if len(mine) > 1:
            growth[name] = round(mine[-1]["one_ms"] / mine[0]["one_ms"], 2)
            summary[f"{name}_growth"] = growth[name]
    worst = max(results, key=lambda r: r["one_ratio"])
    summary.update(
        {
            "floor": worst["one_floor_ms"],
            "ratio": worst["one_ratio"],
            "ratio_store": f"{worst['store']}_{worst['incidents']}",
            "growth": max(growth.values()) if growth else None,
            "max_one_ms": max(r["one_ms"] for r in results),
            "max_all_s": max(r["all_s"] for r in results),
            "floor_agrees": all(r["agrees"] for r in results),
            "postgresql": pg_url is not None,
            "target_one_ms": TARGET_ONE_MS,
            "target_ratio": TARGET_RATIO,
            "target_all_s": TARGET_ALL_S,
            "target_growth": TARGET_GROWTH,
        }
    )
    summary["met_one_ms"] = summary["max_one_ms"] <= TARGET_ONE_MS
    summary["met_ratio"] = summary["ratio"] <= TARGET_RATIO
    summary["met_all_s"] = summary["max_all_s"] <= TARGET_ALL_S
    summary["met_growth"] = summary["growth"] is None or summary["growth"] <= TARGET_GROWTH
    summary["met"] = all(summary[k] for k in ("met_one_ms", "met_ratio", "met_all_s", "met_growth"))
    summary["cpus"] = os.cpu_count()
    summary["wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
