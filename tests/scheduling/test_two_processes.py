"""Two scheduler processes against one PostgreSQL schema over a simulated week (issue 4).

Both workers (`race_worker.py`, real subprocesses) walk the same week with their own simulated clocks
and random steps and sleeps, so they keep racing for the same periods. Afterwards every period the
schedules define ran exactly once: one finished `job_runs` row per period, one side-effect row per
`race_tick`/`race_daily` run, one outbox message per `race_tick` period — and the work was split
between the processes. The figures are printed (run with -s to see them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sqmsbot.config import REPO_ROOT
from sqmsbot.db import normalise_url
from sqmsbot.migrate import upgrade
from sqmsbot.scheduling import due_runs
from tests.conftest import NO_PG, PG_ENV, START
from tests.scheduling import race_jobs
from tests.scheduling.race_worker import registry

DAYS = 7


@pytest.fixture
def race_schema() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(NO_PG)
    base_url = make_url(normalise_url(base))
    schema = f"sqmsbot_race_{os.getpid()}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base_url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(race_jobs.RACE_TABLE))
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_two_scheduler_processes_run_every_period_of_a_week_exactly_once(race_schema: str) -> None:
    end = START + timedelta(days=DAYS)
    engine = create_engine(race_schema)
    with engine.begin() as conn:
        alerts = race_jobs.seed_clocks(conn, start=START, days=DAYS)
    engine.dispose()
    expected = Counter(d.job.name for d in due_runs(registry(), START, end, org=race_jobs.race_org()))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.scheduling.race_worker",
                race_schema,
                START.isoformat(),
                str(DAYS),
                str(seed),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))

    engine = create_engine(race_schema)
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT job, period_key, status FROM job_runs")).all()
        effects = Counter(conn.execute(text("SELECT period_key FROM race_effects")).scalars())
        effect_pids = Counter(conn.execute(text("SELECT pid FROM race_effects")).scalars())
        messages = conn.execute(
            text("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'race:%'")
        ).scalar_one()
        channel_alerts = text(
            "SELECT dedupe_key FROM outbox WHERE target_kind = 'channel' AND dedupe_key LIKE 'sla:%'"
        )
        announced = Counter(  # sla:SQ-7:resolve:warn:0.5 → (7, "warn:0.5")
            (int(key.split(":")[1].split("-")[1]), key.split(":", 3)[3])
            for key in conn.execute(channel_alerts).scalars()
            if not key.endswith(":card")
        )
        fired = conn.execute(text("SELECT incident_id, fired FROM incident_targets")).all()
        drafts = Counter(conn.execute(text("SELECT incident_id FROM accountability_records")).scalars())
    engine.dispose()

    # sla_watch claims only the minutes in which a threshold is due (the others it lets go after a
    # look, unclaimed); every other job claims every period, and runs it once.
    watch_minutes = expected.pop("sla_watch")
    watch_runs = [key for job, key, _ in runs if job == "sla_watch"]
    assert {status for _, _, status in runs} == {"finished"}
    runs = [run for run in runs if run[0] != "sla_watch"]
    periods = sum(expected.values())
    by_job = dict(sorted(expected.items()))
    print(f"\nsimulated {DAYS} days from {START.isoformat()}: {periods} periods {by_job}")
    print(
        f"  sla_watch: {watch_minutes} minutes, {len(watch_runs)} of them claimed and run; "
        f"{len(alerts)} thresholds on {len(drafts)} incidents, {sum(announced.values())} announced"
    )
    for report in reports:
        print(
            f"  process {report['pid']}: ran {report['finished']}, found claimed {report['skipped']}, "
            f"lost {report['lost']}, failed {report['failed']}, idle {report['idle']}"
        )
    print(f"  job_runs rows {len(runs)}, side effects {sum(effects.values())} by pid {dict(effect_pids)}")

    assert len(runs) == periods
    assert Counter(job for job, _, _ in runs) == expected
    assert {status for _, _, status in runs} == {"finished"}
    assert len({key for _, key, _ in runs}) == periods
    assert sum(effects.values()) == expected["race_tick"] + expected["race_daily"]
    assert set(effects.values()) == {1}, "a period's side effect was committed twice"
    assert messages == expected["race_tick"]
    assert all(r["finished"] > 0 for r in reports), "one process did all the work: no race took place"
    assert all(r["failed"] == 0 and r["lost"] == 0 for r in reports)

    # Every threshold announced (its channel message stored), marked fired once, and each breach
    # drafted exactly one accountability record, although both processes' minutes saw the same clocks.
    assert announced == Counter(alerts)
    assert all(sorted(marks) == sorted(race_jobs.THRESHOLDS) for _, marks in fired)
    assert drafts == Counter(incident for incident, label in alerts if label == "breach")
    assert len(watch_runs) == len(set(watch_runs)) > 0
    assert sum(r["finished"] for r in reports) == periods + len(watch_runs)
    assert sum(r["finished"] + r["skipped"] + r["idle"] for r in reports) == 2 * (periods + watch_minutes)
