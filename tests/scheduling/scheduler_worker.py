"""One replica of the real-scheduler test: `start_scheduler` on the wall clock until it has seen enough.

    SQMS_JOB_LATENESS=SECONDS python -m tests.scheduling.scheduler_worker URL GATE MINUTES TICKS

Its registry is `race_second` (every second), `race_idle` (every second, never anything to do) and
`race_missed(MINUTES)` (hourly at those minutes: a period the replicas missed before they started).
It creates GATE/ready-PID and waits for GATE/go, so that the test starts both replicas' schedulers
together, then runs APScheduler's BackgroundScheduler with the real clock — the catch-up at start,
then the ticks — until `race_second` has fired TICKS times here. It then shuts the scheduler down
(waiting for running jobs) and prints, as the last line, JSON: its pid, how its ticks came out per
job, and any job that raised or that APScheduler missed.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter, defaultdict
from pathlib import Path

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent

from sqmsbot.clock import SystemClock
from sqmsbot.config import EXAMPLE_ORG_FILE, Settings
from sqmsbot.db import Database
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import Job, Outcome, start_scheduler
from tests.scheduling import race_jobs


def registry(minutes: str) -> dict[str, Job]:
    missed = race_jobs.race_missed(minutes)
    return {j.name: j for j in (race_jobs.race_second, race_jobs.race_idle, missed)}


def main(url: str, gate: Path, minutes: str, ticks: int) -> dict[str, object]:
    runtime = Runtime(
        settings=Settings(database_url=url, config=EXAMPLE_ORG_FILE),
        org=race_jobs.race_org(),
        db=Database(url),
        clock=SystemClock(),
    )
    outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    problems: list[str] = []
    enough = threading.Event()
    lock = threading.Lock()

    def listen(event: JobExecutionEvent) -> None:
        with lock:
            if event.code != EVENT_JOB_EXECUTED:
                problems.append(f"{event.job_id}: {event.exception!r} (event {event.code})")
            elif isinstance(event.retval, Outcome):  # a tick (the catch-up returns a list)
                outcomes[event.job_id][event.retval.status] += 1
            if problems or sum(outcomes["race_second"].values()) >= ticks:
                enough.set()

    (gate / f"ready-{os.getpid()}").touch()
    race_jobs.wait_for(gate / "go")
    scheduler = start_scheduler(runtime, registry=registry(minutes))
    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    try:
        if not enough.wait(timeout=90):
            problems.append(f"race_second fired fewer than {ticks} times in 90 s")
    finally:
        scheduler.shutdown(wait=True)
        runtime.db.dispose()
    return {"pid": os.getpid(), "ticks": {k: dict(v) for k, v in outcomes.items()}, "problems": problems}


if __name__ == "__main__":
    url, gate, minutes, ticks = sys.argv[1:5]
    print(json.dumps(main(url, Path(gate), minutes, int(ticks))), flush=True)
