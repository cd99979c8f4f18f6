"""Scheduled jobs: one module per job (SLA watch, digests, reminders), each registering itself with
its schedule. They call `sqmsbot.domain` and emit Messages through the outbox, never a platform SDK.

A new job is one new file here:

    from jobs import Cron, JobContext, job

    @job(Cron(hour="8", minute="0", day_of_week="mon-fri"), per_department=True, key_format="%Y-%m-%d")
    def digest(ctx: JobContext) -> None:
        ...  # the morning KPI digest in each department's channel

The decorator turns the function into a `Job`; discovery finds every `Job` at the top level of the
modules in this package. Each run claims its period first (see `sqmsbot.scheduling`), so a job's body
only does the work of one period and never checks for duplicates itself.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import datetime
from functools import cache
from types import ModuleType

from sqlalchemy.orm import Session

from sqmsbot.scheduling.spec import Cron, Every, Job, JobContext, JobFunction, Schedule


def job(
    schedule: Schedule,
    *,
    per_department: bool = False,
    key_format: str | None = None,
    name: str | None = None,
    has_work: Callable[[Session, datetime], bool] | None = None,
) -> Callable[[JobFunction], Job]:
    """Register a function as a job with its schedule.

    `per_department`: one series per department, in the department's time zone, its key holding the
    department (`digest/ops/2026-11-23`). `key_format`: strftime of the period key's time part, e.g.
    `%Y-%m-%d` for a job that runs at most once a day (default: to the minute). `has_work(session,
    now)`: a cheap read-only check before the claim; when it is False the period is skipped without a
    claim or a record (status `idle`) — only for jobs whose next period would pick up what this one
    left, never for a digest that must go out once per day.
    """

    def register(func: JobFunction) -> Job:
        return Job(
            name=name or func.__name__,
            func=func,
            schedule=schedule,
            per_department=per_department,
            key_format=key_format,
            description=inspect.getdoc(func) or "",
            has_work=has_work,
        )

    return register


def collect(module: ModuleType) -> dict[str, Job]:
    """The jobs defined at the top level of one module, by name."""
    return {value.name: value for value in vars(module).values() if isinstance(value, Job)}


@cache
def registry() -> dict[str, Job]:
    """Every job in this package's modules, by name, in a stable order."""
    found: dict[str, Job] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        for name, found_job in collect(importlib.import_module(f"{__name__}.{info.name}")).items():
            if name in found and found[name] is not found_job:
                raise ValueError(f"two jobs are named {name!r}")
            found[name] = found_job
    return dict(sorted(found.items()))


__all__ = ["Cron", "Every", "Job", "JobContext", "job", "registry"]
