"""One scheduler process of the two-process test: walks a simulated week with `run_due` and reports.

    python -m tests.scheduling.race_worker URL START DAYS SEED
    RACE_HANG=1 python -m tests.scheduling.race_worker URL START hang

It runs the real jobs plus `tests.scheduling.race_jobs`, stepping its own ManualClock forward by a
random 5 minutes to 3 hours at a time with a few milliseconds of real sleep in between, so two
workers started together keep overtaking each other and race for the same periods. The last line of
its output is JSON: the worker's pid and how many periods it finished, skipped (someone else had
them), lost, saw fail, or let go idle (sla_watch with no clock due: nothing to claim). With `hang`
it claims the first `race_slow` period after START and hangs in it, for the test that kills a
process holding a claim.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import jobs
from sqmsbot.clock import ManualClock
from sqmsbot.config import EXAMPLE_ORG_FILE, Settings
from sqmsbot.db import Database
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import Job, run_due
from tests.scheduling import race_jobs


def registry() -> dict[str, Job]:
    """The real jobs plus the two racing ones (not `race_slow`, which is for the process-death test)."""
    return {**jobs.registry(), "race_tick": race_jobs.race_tick, "race_daily": race_jobs.race_daily}


def main(url: str, start: datetime, days: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    clock = ManualClock(start)
    runtime = Runtime(
        settings=Settings(database_url=url, config=EXAMPLE_ORG_FILE),
        org=race_jobs.race_org(),
        db=Database(url),
        clock=clock,
    )
    end = start + timedelta(days=days)
    outcomes: Counter[str] = Counter()
    cursor = start
    try:
        while cursor < end:
            step = min(end, cursor + timedelta(minutes=rng.randint(5, 180)))
            outcomes.update(o.status for o in run_due(runtime, cursor, step, registry=registry()))
            cursor = step
            time.sleep(rng.uniform(0, 0.004))
    finally:
        runtime.db.dispose()
    return {"pid": os.getpid(), **{s: outcomes[s] for s in ("finished", "skipped", "lost", "failed", "idle")}}


def hang(url: str, start: datetime) -> None:
    runtime = Runtime(
        settings=Settings(database_url=url, config=EXAMPLE_ORG_FILE),
        org=race_jobs.race_org(),
        db=Database(url),
        clock=ManualClock(start),
    )
    run_due(runtime, start, start + timedelta(hours=1), registry={"race_slow": race_jobs.race_slow})


if __name__ == "__main__":
    if sys.argv[3] == "hang":
        hang(sys.argv[1], datetime.fromisoformat(sys.argv[2]))
    else:
        url, start, days, seed = sys.argv[1:5]
        print(json.dumps(main(url, datetime.fromisoformat(start), int(days), int(seed))), flush=True)
