"""The `sla_watch` tick over many open incidents, against one indexed SELECT of the due rows.

Run from the repository root::

    .venv/bin/python -m bench.sla_watch [--quick]

For SQLite (a temporary file) and PostgreSQL (a schema of its own on the server named by
SQMS_BENCH_DATABASE_URL, else SQMS_TEST_DATABASE_URL; skipped with a message when neither is set),
each migrated to head:

- seed 100 000 open incidents (`--quick`: 20 000) with their `incident_targets` rows in bulk (Core
  executemany), with the example organisation's policies: a mix of services, priorities and states
  (new, acknowledged, waiting on the customer), real checkpoint labels, due times from an hour to
  three weeks ahead. A few groups of DUE_PER_TICK clocks fall due one minute after another
  (four in five cross a warn level, one in five its breach); nothing else is due during the run;
- for each measured minute: the floor, then the tick, at the same instant, on the same rows:
  * floor: one indexed `SELECT … FROM incident_targets WHERE next_check_at <= :now ORDER BY
    next_check_at, id LIMIT 1000` on a pooled connection, rows fetched;
  * tick: the `sla_watch` job's real function for that minute's period, through
    `sqmsbot.scheduling.run_period` (claim in `job_runs`, one unit of work: `due_thresholds`,
    `mark_fired`, building and enqueuing the alerts in the outbox, the period marked finished, commit).
    If `jobs/sla_watch.py` cannot be imported, the tick is `due_thresholds` + `mark_fired` in one
    unit of work, and the JSON says so (`"tick": "due_thresholds+mark_fired"`);
- "busy" minutes (DUE_PER_TICK fresh clocks due each: the tick announces them), then "idle" minutes
  (nothing due: the usual minute).

Each database prints its figures and one JSON line; the last line is the JSON of the whole run:
`bench`, `tick`, per database the busy/idle tick and floor p50/p95, and the headline `floor` and
`ratio` (busy tick p50 / floor p50, worst database), with the targets (tick ≤ 200 ms, ratio ≤ 3).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, make_url, select, text

from sqmsbot.clock import ManualClock
from sqmsbot.config import EXAMPLE_ORG_FILE, OrgConfig, Settings, load_org_config
from sqmsbot.config_sla import TARGETS
from sqmsbot.db import Database, normalise_url
from sqmsbot.domain import sla
from sqmsbot.domain.sla_clock import BREACH, schedule
from sqmsbot.migrate import upgrade
from sqmsbot.models import Incident, IncidentTarget, JobRun, OutboxMessage, Person
from sqmsbot.runtime import Runtime

FULL_INCIDENTS, QUICK_INCIDENTS = 100_000, 20_000
DUE_PER_TICK = 50
WARMUP_TICKS = 2
FULL_TICKS, QUICK_TICKS = 20, 10
TARGET_TICK_MS = 200.0
TARGET_RATIO = 3.0
CHUNK = 10_000
# Tuesday 2026-11-24 10:00 in Shanghai: a working morning, the first measured minute.
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PG_ENVS = ("SQMS_BENCH_DATABASE_URL", "SQMS_TEST_DATABASE_URL")
SEED = 20261124


# ----- seeding ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A policy's clock for one target, as offsets from the clock's start."""

    policy: str
    calendar: str
    target_seconds: int
    offsets: dict[str, timedelta]  # checkpoint label → offset from started_at (business time resolved)


def _templates(org: OrgConfig) -> dict[tuple[str, str, str], Template]:
    """(service, priority, target) → its template: the business-time math done once, not 300 000 times."""
    found: dict[tuple[str, str, str], Template] = {}
    for service in org.service_by_key:
        for priority in ("P2", "P3", "P4"):
            policy = org.sla.policy_for(service, priority)
            if policy is None:
                continue
            for target in TARGETS:
                duration = org.sla.target_duration(policy, target)
                if duration is None:
                    continue
                planned = schedule(
                    org.sla.calendar(policy.calendar).calendar,
                    started_at=T0,
                    target=duration,
                    warn=policy.warn,
                    escalations=org.sla.escalation_delays(policy),
                    stopped=[],
                )
                found[(service, priority, target)] = Template(
                    policy=policy.key,
                    calendar=policy.calendar,
                    target_seconds=int(duration.total_seconds()),
                    offsets={label: at - T0 for label, at in planned.checkpoints.items()},
                )
    return found


def _people(platform: str) -> list[dict[str, Any]]:
    staff = [("member", f"bench-m{i}") for i in range(6)] + [("lead", "bench-lead"), ("manager", "bench-mgr")]
    return [
        {
            "id": n,
            "platform": platform,
            "platform_user_id": name,
            "display_name": name,
            "role": role,
            "department": "ops",
            "locale": "en",
            "timezone": None,
            "created_at": T0 - timedelta(days=30),
        }
        for n, (role, name) in enumerate(staff, start=1)
    ]


def _rows(
    org: OrgConfig, platform: str, n: int, due_groups: int
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each incident with its clocks. Incidents 1 … due_groups × DUE_PER_TICK are the due ones: group g
    crosses one threshold 30 s before minute g of the run; every other clock is due later than the run."""
    rng = random.Random(SEED)
    templates = _templates(org)
    keys = sorted({(s, p) for s, p, _ in templates})
    departments = {key: svc.department for key, svc in org.service_by_key.items()}
    target_id = 0
    due_count = due_groups * DUE_PER_TICK
    for number in range(1, n + 1):
        service, priority = keys[rng.randrange(len(keys))]
        due_group = (number - 1) // DUE_PER_TICK if number <= due_count else None
        if due_group is not None:
            status = "acknowledged"
        else:
            status = rng.choices(("new", "acknowledged", "waiting"), weights=(2, 7, 1))[0]
        reported = T0 - timedelta(minutes=rng.randrange(5, 600))
        acknowledged = reported + timedelta(minutes=rng.randrange(1, 5)) if status != "new" else None
        assignee = rng.randrange(1, 7) if rng.random() < 0.8 or due_group is not None else None
        incident = {
            "id": number,
            "platform": platform,
            "priority": priority,
            "service": service,
            "category": None,
            "source": "complaint",
            "customer_ref": None,
            "title": f"Bench incident {number}",
            "description": None,
            "status": status,
            "department": departments[service],
            "reporter_id": 1 + number % 6,
            "assignee_id": assignee,
            "reported_at": reported,
            "acknowledged_at": acknowledged,
            "waiting_since": reported + timedelta(minutes=5) if status == "waiting" else None,
            "resolved_at": None,
            "closed_at": None,
            "first_contact_resolution": False,
            "resolution": None,
            "reopen_count": 0,
            "updated_at": acknowledged or reported,
        }
        clocks: list[dict[str, Any]] = []
        # Where the clocks' next checkpoints land: an hour to three weeks ahead (the run lasts < 1 h).
        push = timedelta(minutes=rng.randrange(60, 21 * 24 * 60))
        for target in TARGETS:
            template = templates.get((service, priority, target))
            if template is None:
                continue
            target_id += 1
            met = acknowledged if target == "acknowledge" and acknowledged else None
            if due_group is not None and target == "first_response":
                met = acknowledged
            first = min(template.offsets.values())
            checkpoints = {label: T0 + push + offset - first for label, offset in template.offsets.items()}
            fired: list[str] = []
            if due_group is not None and target == "resolve":
                crossing = T0 + timedelta(minutes=due_group, seconds=-30)
                labels = sorted(template.offsets, key=lambda label: template.offsets[label])
                # One in five crosses its breach now (its warnings went out earlier), the rest a warn level.
                pick = BREACH if number % 5 == 0 and BREACH in labels else labels[0]
                shift = crossing - checkpoints[pick]
                checkpoints = {label: at + shift for label, at in checkpoints.items()}
                fired = [label for label in labels if checkpoints[label] < crossing]
                # Everything after this threshold is hours away: later minutes see only their own group.
                for label in labels:
                    if checkpoints[label] > crossing:
                        checkpoints[label] = max(checkpoints[label], T0 + timedelta(hours=2))
            waiting = status == "waiting" and met is None
            pending = [at for label, at in checkpoints.items() if label not in fired]
            next_check = None if met is not None or waiting or not pending else min(pending)
            clocks.append(
                {
                    "id": target_id,
                    "incident_id": number,
                    "target": target,
                    "policy": template.policy,
                    "calendar": template.calendar,
                    "target_seconds": template.target_seconds,
                    "started_at": reported,
                    "due_at": None if waiting else checkpoints.get(BREACH),
                    "met_at": met,
                    "breached_at": None,
                    "checkpoints": {label: at.isoformat() for label, at in checkpoints.items()},
                    "fired": fired,
                    "next_check_at": next_check,
                    "updated_at": reported,
                }
            )
        yield incident, clocks


def seed(engine: Engine, org: OrgConfig, *, platform: str, n: int, due_groups: int) -> dict[str, float | int]:
    started = time.perf_counter()
    incidents: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    counts = {"incidents": 0, "targets": 0}
    with engine.begin() as conn:
        conn.execute(insert(Person), _people(platform))

        def flush() -> None:
            if incidents:
                conn.execute(insert(Incident), incidents)
                counts["incidents"] += len(incidents)
            if clocks:
                conn.execute(insert(IncidentTarget), clocks)
                counts["targets"] += len(clocks)
            incidents.clear()
            clocks.clear()

        for incident, its_clocks in _rows(org, platform, n, due_groups):
            incidents.append(incident)
            clocks.extend(its_clocks)
            if len(incidents) >= CHUNK:
                flush()
        flush()
        if engine.dialect.name == "postgresql":
            for table in ("people", "incidents", "incident_targets"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}")
                )
    with engine.connect() as conn:  # fresh statistics, as a server that has run for a while has
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return {**counts, "seed_s": round(time.perf_counter() - started, 1)}


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
        .limit(sla.WATCH_BATCH)
    )


def floor_select(engine: Engine, now: datetime) -> int:
    """The cheapest read that finds the same rows: one indexed range SELECT, fetched."""
    with engine.connect() as conn:
        rows = conn.execute(_floor_query().where(IncidentTarget.next_check_at <= now)).all()
    return len(rows)


def floor_uses_index(engine: Engine) -> bool:
    """Whether the planner reads the floor's rows through `ix_incident_targets_next_check_at`."""
    statement = _floor_query().where(IncidentTarget.next_check_at <= T0)
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        plan = " ".join(str(row) for row in conn.execute(text(explain + str(compiled))).all())
    return "ix_incident_targets_next_check_at" in plan


def _job_tick() -> tuple[str, Callable[[Runtime, datetime], str] | None, str | None]:
    """The real job through run_period, if its module imports; else None and why."""
    try:
        import jobs
        from sqmsbot.scheduling import Due, run_period

        job = jobs.registry()["sla_watch"]
    except Exception as error:  # the job module is missing or broken: time the domain calls instead
        return "due_thresholds+mark_fired", None, f"{type(error).__name__}: {error}"

    def tick(runtime: Runtime, now: datetime) -> str:
        due = Due(
            job=job, department=None, scheduled_at=now, period_key=job.period_key(now, runtime.org, None)
        )
        outcome = run_period(runtime, due)
        return outcome.status if outcome.error is None else f"{outcome.status}: {outcome.error}"

    return "sla_watch job via run_period", tick, None


def _domain_tick(runtime: Runtime, now: datetime) -> str:
    with runtime.db.transaction() as session:
        for due in sla.due_thresholds(session, now=now):
            sla.mark_fired(session, target_id=due.target_id, threshold=due.threshold, now=now)
    return "finished"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass
class Series:
    tick_ms: list[float]
    floor_ms: list[float]
    due_rows: list[int]

    def figures(self, prefix: str) -> dict[str, float]:
        return {
            f"{prefix}tick_p50_ms": round(statistics.median(self.tick_ms), 2),
            f"{prefix}tick_p95_ms": round(_pct(self.tick_ms, 0.95), 2),
            f"{prefix}floor_p50_ms": round(statistics.median(self.floor_ms), 3),
            f"{prefix}floor_p95_ms": round(_pct(self.floor_ms, 0.95), 3),
        }


def measure(runtime: Runtime, tick: Callable[[Runtime, datetime], str], minutes: list[datetime]) -> Series:
    series = Series([], [], [])
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    for now in minutes:
        clock.set(now)
        t0 = time.perf_counter()
        found = floor_select(runtime.db.engine, now)
        t1 = time.perf_counter()
        status = tick(runtime, now)
        t2 = time.perf_counter()
        if status != "finished":
            raise RuntimeError(f"tick at {now.isoformat()}: {status}")
        series.floor_ms.append((t1 - t0) * 1000)
        series.tick_ms.append((t2 - t1) * 1000)
        series.due_rows.append(found)
    return series


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(text("count(*)")).select_from(model.__table__)).scalar_one())


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
        label, tick, why = _job_tick()
        if tick is None:
            print(f"  {name}: sla_watch job not importable ({why}); timing due_thresholds + mark_fired")
            tick = _domain_tick
        busy_minutes = [T0 + timedelta(minutes=i) for i in range(WARMUP_TICKS + ticks)]
        idle_minutes = [T0 + timedelta(minutes=WARMUP_TICKS + ticks + i) for i in range(WARMUP_TICKS + ticks)]
        outbox_before = _count(db.engine, OutboxMessage)
        busy = measure(runtime, tick, busy_minutes)
        outbox_after = _count(db.engine, OutboxMessage)
        idle = measure(runtime, tick, idle_minutes)
        for series in (busy, idle):  # the warm-up minutes are not counted
            del series.tick_ms[:WARMUP_TICKS], series.floor_ms[:WARMUP_TICKS], series.due_rows[:WARMUP_TICKS]
        finished = _count(db.engine, JobRun) if tick is not _domain_tick else None
    finally:
        db.dispose()
    result: dict[str, Any] = {
        "database": name,
        "tick": label,
        "incidents": seeded["incidents"],
        "targets": seeded["targets"],
        "seed_s": seeded["seed_s"],
        "busy_minutes": len(busy.tick_ms),
        "idle_minutes": len(idle.tick_ms),
        "due_per_busy_minute": round(statistics.mean(busy.due_rows), 1),
        "due_per_idle_minute": round(statistics.mean(idle.due_rows), 1),
        "outbox_rows_per_busy_minute": round((outbox_after - outbox_before) / (WARMUP_TICKS + ticks), 1),
        "job_runs": finished,
        "floor_uses_index": indexed,
        **busy.figures(""),
        **idle.figures("idle_"),
    }
    result["floor"] = result["floor_p50_ms"]
    result["ratio"] = round(result["tick_p50_ms"] / result["floor_p50_ms"], 2)
    result["idle_ratio"] = round(result["idle_tick_p50_ms"] / result["idle_floor_p50_ms"], 2)
    result["met_tick"] = result["tick_p95_ms"] <= TARGET_TICK_MS
    result["met_ratio"] = result["ratio"] <= TARGET_RATIO
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
    print(
        f"{result['database']:<10} tick p50 {result['tick_p50_ms']:7.2f} ms  "
        f"p95 {result['tick_p95_ms']:7.2f} ms  ({result['due_per_busy_minute']:g} due; "
        f"floor p50 {result['floor_p50_ms']:.3f} ms, ratio {result['ratio']})"
    )
    print(
        f"{'':<10} idle p50 {result['idle_tick_p50_ms']:7.2f} ms  p95 {result['idle_tick_p95_ms']:7.2f} ms  "
        f"(nothing due; floor p50 {result['idle_floor_p50_ms']:.3f} ms, ratio {result['idle_ratio']})"
    )
    print(json.dumps({"bench": "sla_watch", **result}))


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
        f"sla_watch bench: {n} open incidents, {ticks} busy + {ticks} idle minutes, "
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
    worst = max(results, key=lambda r: r["ratio"])
    summary: dict[str, Any] = {
        "bench": "sla_watch",
        "tick": results[0]["tick"],
        "incidents": n,
        "due_per_busy_minute": DUE_PER_TICK,
        "quick": args.quick,
    }
    for result in results:
        db = result["database"]
        for key in (
            "tick_p50_ms",
            "tick_p95_ms",
            "floor_p50_ms",
            "floor_p95_ms",
            "ratio",
            "idle_tick_p50_ms",
            "idle_tick_p95_ms",
            "idle_floor_p50_ms",
            "idle_ratio",
        ):
            summary[f"{db}_{key}"] = result[key]
    summary.update(
        {
            "floor": worst["floor"],
            "ratio": worst["ratio"],
            "ratio_database": worst["database"],
            "postgresql": pg_url is not None,
            "target_tick_ms": TARGET_TICK_MS,
            "target_ratio": TARGET_RATIO,
            "met_tick": all(r["met_tick"] for r in results),
            "met_ratio": all(r["met_ratio"] for r in results),
            "cpus": os.cpu_count(),
            "wall_s": round(time.perf_counter() - started, 1),
        }
    )
    summary["met"] = summary["met_tick"] and summary["met_ratio"]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
