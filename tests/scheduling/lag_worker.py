"""One process of the lease-takeover test: fires `race_lag` once, at a given simulated instant.

    [RACE_GATE=DIR] SQMS_JOB_LEASE=SECONDS python -m tests.scheduling.lag_worker URL AT

It calls `tick` (what APScheduler calls when the series fires) with a ManualClock standing still at
AT, so the period it runs and the lease it claims (`job_lease` from the environment) are known to
the test exactly; with RACE_GATE the run lags inside the job (see `race_jobs.race_lag`). The last
line of its output is JSON: the worker's pid, the period, and what became of it here.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime

from sqmsbot.clock import ManualClock
from sqmsbot.config import EXAMPLE_ORG_FILE, Settings
from sqmsbot.db import Database
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import tick
from tests.scheduling import race_jobs


def main(url: str, at: datetime) -> dict[str, object]:
    runtime = Runtime(
        settings=Settings(database_url=url, config=EXAMPLE_ORG_FILE),
        org=race_jobs.race_org(),
        db=Database(url),
        clock=ManualClock(at),
    )
    try:
        outcome = tick(runtime, race_jobs.race_lag, None)
    finally:
        runtime.db.dispose()
    assert outcome is not None, "no race_lag period within the lateness"
    return {"pid": os.getpid(), "period": outcome.due.period_key, "status": outcome.status}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], datetime.fromisoformat(sys.argv[2]))), flush=True)
