"""Scheduled jobs with exactly-once period claims (DESIGN §6).

- `spec`: what a job is (Cron / Every schedules, Job, JobContext, period keys, fire times);
- `claims`: claiming a period in `job_runs` so that one process, once, runs it;
- `runner`: which periods fall due (`due_runs`), running them (`run_period`, `run_due`, `catch_up`);
- `service`: APScheduler's BackgroundScheduler driving it all in real time (`run_scheduler`).
"""

from sqmsbot.scheduling.claims import Claim, LostClaim, claim, fail, finish
from sqmsbot.scheduling.runner import (
    Due,
    Outcome,
    catch_up,
    current_period,
    default_registry,
    due_runs,
    find_period,
    latest_due,
    run_due,
    run_period,
)
from sqmsbot.scheduling.service import run_scheduler, start_in_background, start_scheduler, tick
from sqmsbot.scheduling.spec import Cron, Every, Job, JobContext, JobFunction

__all__ = [
    "Claim",
    "Cron",
    "Due",
    "Every",
    "Job",
    "JobContext",
    "JobFunction",
    "LostClaim",
    "Outcome",
    "catch_up",
    "claim",
    "current_period",
    "default_registry",
    "due_runs",
    "fail",
    "find_period",
    "finish",
    "latest_due",
    "run_due",
    "run_period",
    "run_scheduler",
    "start_in_background",
    "start_scheduler",
    "tick",
]
