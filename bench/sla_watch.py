"""The `sla_watch` tick over many open incidents, against the cheapest way to do the same work.

Run from the repository root::

    .venv/bin/python -m bench.sla_watch [--quick]

For SQLite (a temporary file) and PostgreSQL (a schema of its own on the server named by
SQMS_BENCH_DATABASE_URL, else SQMS_TEST_DATABASE_URL; skipped with a message when neither is set),
each migrated to head and seeded with 100 000 open incidents (`--quick`: 20 000) and their clocks
(bench/sla_watch_seed.py), then, minute by minute:

- idle minutes (nothing due, the common minute over many open incidents): the floor is one indexed
  `SELECT … FROM incident_targets WHERE next_check_at < :now ORDER BY next_check_at, id LIMIT 1000`
  on a pooled connection, rows fetched; the tick is the `sla_watch` job through
  `sqmsbot.scheduling.run_period`, as the scheduler runs it (its `has_work` look, and the claim when
  there is work);
- busy minutes (DUE_PER_TICK fresh clocks due, four in five crossing a warn level, one in five its
  breach): the tick announces them — claim, one unit of work reading the due clocks and their
  incidents, marking them, rendering every alert in its readers' languages into the outbox, drafting
  the breaches' accountability records, the period marked finished, commit. Its floor is the same
  SELECT plus the same writes as bare Core statements in one transaction: the due clocks updated as
  the tick left them, and the outbox rows the tick wrote inserted again under other keys (deleted
  afterwards, untimed) — what storing those alerts costs with no domain code at all.

Each database prints its figures and one JSON line; the last line is the whole run's JSON: per store
(prefixed `sqlite_` / `postgresql_`) the idle and busy tick and floor p50/p95 and ratios; `floor` and
`ratio` are the idle minute's (tick p50 / floor p50, worst store), `busy_ratio` the busy minute's;
targets: tick p95 ≤ 200 ms in both kinds of minute (`met_tick`), idle ratio ≤ 3 (`met_ratio`), and
`met_busy_ratio` for the busy ratio against the same 3.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, delete, func, insert, make_url, select, text, update

from bench.sla_watch_seed import DUE_PER_TICK, T0, seed
from sqmsbot.clock import ManualClock
from sqmsbot.config import EXAMPLE_ORG_FILE, OrgConfig, Settings, load_org_config
from sqmsbot.db import Database, normalise_url
from sqmsbot.domain import sla_alerts
from sqmsbot.migrate import upgrade
from sqmsbot.models import IncidentTarget, OutboxMessage
from sqmsbot.runtime import Runtime

FULL_INCIDENTS, QUICK_INCIDENTS = 100_000, 20_000
WARMUP_TICKS = 2
FULL_TICKS, QUICK_TICKS = 20, 10
TARGET_TICK_MS = 200.0
TARGET_RATIO = 3.0
PG_ENVS = ("SQMS_BENCH_DATABASE_URL", "SQMS_TEST_DATABASE_URL")


# ----- the measurements ------------------------------------------------------------------------------


def _floor_query() -> Any:
    return (
        select(
            IncidentTarget.id,
            IncidentTarget.incident_id,
            IncidentTarget.target,
            IncidentTarget.checkpoints,
            IncidentTarget.fired,
        )
        .order_by(IncidentTarget.next_check_at, IncidentTarget.id)
        .limit(sla_alerts.WATCH_BATCH)
    )


def floor_select(engine: Engine, now: datetime) -> list[int]:
    """The cheapest read that finds the due rows: one indexed range SELECT, fetched; their ids."""
    with engine.connect() as conn:
        rows = conn.execute(_floor_query().where(IncidentTarget.next_check_at < now)).all()
    return [row.id for row in rows]


def floor_uses_index(engine: Engine) -> bool:
    """Whether the planner reads the floor's rows through `ix_incident_targets_next_check_at`."""
    statement = _floor_query().where(IncidentTarget.next_check_at < T0)
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        plan = " ".join(str(row) for row in conn.execute(text(explain + str(compiled))).all())
    return "ix_incident_targets_next_check_at" in plan


FLOOR_KEY = "bench-floor:"
CLOCK_COLUMNS = ("fired", "next_check_at", "breached_at", "updated_at")


Rows = list[dict[str, Any]]


def _written_by_tick(engine: Engine, ids: list[int], outbox_after: int) -> tuple[Rows, Rows]:
    """What the tick left (untimed): the due clocks' new values, and the outbox rows it added."""
    columns = [IncidentTarget.id, *(getattr(IncidentTarget, c) for c in CLOCK_COLUMNS)]
    with engine.connect() as conn:
        clocks = [
            {"b_id": row.id, **{c: getattr(row, c) for c in CLOCK_COLUMNS}}
            for row in conn.execute(select(*columns).where(IncidentTarget.id.in_(ids)))
        ]
        outbox = [
            {c.name: getattr(row, c.name) for c in OutboxMessage.__table__.columns if c.name != "id"}
            for row in conn.execute(select(OutboxMessage).where(OutboxMessage.id > outbox_after))
        ]
    for row in outbox:
        row["dedupe_key"] = FLOOR_KEY + row["dedupe_key"]
    return clocks, outbox


def floor_writes(engine: Engine, clocks: Rows, outbox: Rows) -> float:
    """The tick's writes as bare Core executemany statements in one transaction; ms. The copies are
    deleted afterwards, untimed."""
    table = IncidentTarget.__table__
    started = time.perf_counter()
    with engine.begin() as conn:
        if clocks:
            conn.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({c: bindparam(c) for c in CLOCK_COLUMNS}),
                clocks,
            )
        if outbox:
            conn.execute(insert(OutboxMessage), outbox)
    elapsed = (time.perf_counter() - started) * 1000
    with engine.begin() as conn:
        conn.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(FLOOR_KEY)))
    return elapsed


def _job_tick() -> Callable[[Runtime, datetime], str]:
    """The real job through run_period, as the scheduler runs it."""
    import jobs
    from sqmsbot.scheduling import Due, run_period

    job = jobs.registry()["sla_watch"]

    def tick(runtime: Runtime, now: datetime) -> str:
        due = Due(
            job=job, department=None, scheduled_at=now, period_key=job.period_key(now, runtime.org, None)
        )
        outcome = run_period(runtime, due)
        return outcome.status if outcome.error is None else f"{outcome.status}: {outcome.error}"

    return tick


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass
class Series:
    tick_ms: list[float]
    floor_ms: list[float]
    due_rows: list[int]
    outbox_rows: list[int]

    def drop_warmup(self) -> None:
        for values in (self.tick_ms, self.floor_ms, self.due_rows, self.outbox_rows):
            del values[:WARMUP_TICKS]

    def figures(self, prefix: str) -> dict[str, float]:
        tick, floor = statistics.median(self.tick_ms), statistics.median(self.floor_ms)
        return {
            f"{prefix}tick_p50_ms": round(tick, 2),
            f"{prefix}tick_p95_ms": round(_pct(self.tick_ms, 0.95), 2),
            f"{prefix}floor_p50_ms": round(floor, 3),
            f"{prefix}floor_p95_ms": round(_pct(self.floor_ms, 0.95), 3),
            f"{prefix}ratio": round(tick / floor, 2),
            f"{prefix}due_rows": round(statistics.mean(self.due_rows), 1),
            f"{prefix}outbox_rows": round(statistics.mean(self.outbox_rows), 1),
        }


def _max_outbox_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(OutboxMessage.id), 0))).scalar_one())


def measure(
    runtime: Runtime, tick: Callable[[Runtime, datetime], str], minutes: list[datetime], *, busy: bool
) -> Series:
    """Each minute: the floor, then the tick, at the same instant on the same rows; for busy minutes
    the floor also does the tick's writes (after it, since it needs to know them)."""
    series = Series([], [], [], [])
    clock = runtime.clock
    engine = runtime.db.engine
    assert isinstance(clock, ManualClock)
    for now in minutes:
        clock.set(now)
        outbox_before = _max_outbox_id(engine)
        t0 = time.perf_counter()
        due_ids = floor_select(engine, now)
        t1 = time.perf_counter()
        status = tick(runtime, now)
        t2 = time.perf_counter()
        expected = "finished" if busy else "idle"
        if status != expected:
            raise RuntimeError(f"tick at {now.isoformat()}: {status}, expected {expected}")
        floor_ms = (t1 - t0) * 1000
        clocks, outbox = _written_by_tick(engine, due_ids, outbox_before)
        if busy:
            floor_ms += floor_writes(engine, clocks, outbox)
        series.floor_ms.append(floor_ms)
        series.tick_ms.append((t2 - t1) * 1000)
        series.due_rows.append(len(due_ids))
        series.outbox_rows.append(len(outbox))
    return series


def run_one(name: str, url: str, *, n: int, ticks: int, org: OrgConfig) -> dict[str, Any]:
    """Seed, then measure busy minutes (fresh due clocks) and idle minutes (nothing due)."""
    settings = Settings(database_url=url, config=EXAMPLE_ORG_FILE)
    upgrade(url)
    db = Database(url)
    try:
        seeded = seed(db.engine, org, platform=settings.platform, n=n, due_groups=WARMUP_TICKS + ticks)
        print(
            f"  {name}: seeded {seeded['incidents']} incidents, "
            f"{seeded['targets']} clocks in {seeded['seed_s']} s"
        )
        runtime = Runtime(settings=settings, org=org, db=db, clock=ManualClock(T0))
        indexed = floor_uses_index(db.engine)
        tick = _job_tick()
        minutes = WARMUP_TICKS + ticks
        busy = measure(runtime, tick, [T0 + timedelta(minutes=i) for i in range(minutes)], busy=True)
        idle_from = T0 + timedelta(minutes=minutes)
        idle = measure(runtime, tick, [idle_from + timedelta(minutes=i) for i in range(minutes)], busy=False)
        busy.drop_warmup()
        idle.drop_warmup()
    finally:
        db.dispose()
    result: dict[str, Any] = {
        "database": name,
        "incidents": seeded["incidents"],
        "targets": seeded["targets"],
        "seed_s": seeded["seed_s"],
        "minutes": ticks,
        "floor_uses_index": indexed,
        **idle.figures("idle_"),
        **busy.figures("busy_"),
    }
    result["met_tick"] = max(result["idle_tick_p95_ms"], result["busy_tick_p95_ms"]) <= TARGET_TICK_MS
    result["met_ratio"] = result["idle_ratio"] <= TARGET_RATIO
    result["met_busy_ratio"] = result["busy_ratio"] <= TARGET_RATIO
    return result


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A schema of this run's own (search_path set on every connection), dropped at the end."""
    base = make_url(normalise_url(base_url))
    schema = f"sqmsbot_bench_sla_{os.getpid()}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _print(result: dict[str, Any]) -> None:
    for kind, what in (("idle", "nothing due"), ("busy", f"{result['busy_due_rows']:g} clocks due")):
        print(
            f"{result['database']:<10} {kind} tick p50 {result[f'{kind}_tick_p50_ms']:7.2f} ms  "
            f"p95 {result[f'{kind}_tick_p95_ms']:7.2f} ms  ({what}; "
            f"floor p50 {result[f'{kind}_floor_p50_ms']:.3f} ms, ratio {result[f'{kind}_ratio']})"
        )
    print(f"{'':<10} {result['busy_outbox_rows']:g} outbox rows per busy minute")
    print(json.dumps({"bench": "sla_watch", **result}))


FIGURES = ("tick_p50_ms", "tick_p95_ms", "floor_p50_ms", "floor_p95_ms", "ratio")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sla_watch", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_INCIDENTS} incidents, {QUICK_TICKS} minutes"
    )
    args = parser.parse_args(argv)
    n = QUICK_INCIDENTS if args.quick else FULL_INCIDENTS
    ticks = QUICK_TICKS if args.quick else FULL_TICKS
    org = load_org_config(EXAMPLE_ORG_FILE)
    started = time.perf_counter()
    print(
        f"sla_watch bench: {n} open incidents, {ticks} idle + {ticks} busy minutes, "
        f"{DUE_PER_TICK} due per busy minute"
    )
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-sla-") as tmp:
        result = run_one("sqlite", f"sqlite:///{Path(tmp) / 'sqmsbot.db'}", n=n, ticks=ticks, org=org)
        _print(result)
        results.append(result)
    pg_url = next((os.environ[name] for name in PG_ENVS if os.environ.get(name)), None)
    if pg_url is None:
        print(f"postgresql: skipped ({' / '.join(PG_ENVS)} not set)")
    else:
        with postgres_schema(pg_url) as url:
            result = run_one("postgresql", url, n=n, ticks=ticks, org=org)
        _print(result)
        results.append(result)
    worst = max(results, key=lambda r: r["idle_ratio"])
    summary: dict[str, Any] = {
        "bench": "sla_watch",
        "tick": "sla_watch job via run_period",
        "incidents": n,
        "due_per_busy_minute": DUE_PER_TICK,
        "quick": args.quick,
    }
    for result in results:
        for kind in ("idle", "busy"):
            for key in FIGURES:
                summary[f"{result['database']}_{kind}_{key}"] = result[f"{kind}_{key}"]
    summary.update(
        {
            "floor": worst["idle_floor_p50_ms"],
            "ratio": worst["idle_ratio"],
            "ratio_database": worst["database"],
            "busy_ratio": max(r["busy_ratio"] for r in results),
            "postgresql": pg_url is not None,
            "target_tick_ms": TARGET_TICK_MS,
            "target_ratio": TARGET_RATIO,
            "met_tick": all(r["met_tick"] for r in results),
            "met_ratio": all(r["met_ratio"] for r in results),
            "met_busy_ratio": all(r["met_busy_ratio"] for r in results),
            "cpus": os.cpu_count(),
            "wall_s": round(time.perf_counter() - started, 1),
        }
    )
    summary["met"] = summary["met_tick"] and summary["met_ratio"]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
