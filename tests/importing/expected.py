"""The KPIs of a generated event log, computed by hand from what happened to each ticket (`Truth`).

Written from the definitions (DESIGN §8, the docstring of sqmsbot/domain/kpi/queries.py, DESIGN §7
for the commitments) over the generator's own record of each ticket — neither the importer nor the
KPI engine is used — so `sqmsbot import tickets` followed by `sqmsbot kpi --json` must arrive at the
same numbers by its own road. The commitments are those of fixtures/org.toml: every target on a 24×7
calendar, so a due time is wall-clock arithmetic with the pauses left out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.importing.generate import Truth

GROUP_DEPARTMENTS = {"Group 24": "ops", "Group 70": "it", "Group 56": "finance", "Group 12": "group-12"}
# fixtures/org.toml: (acknowledge, first_response, resolve) per priority; None where a policy has none.
POLICIES: dict[str, tuple[timedelta | None, ...]] = {
    "P1": (timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=4)),
    "P2": (timedelta(minutes=30), timedelta(hours=1), timedelta(hours=8)),
    "P3": (timedelta(hours=2), timedelta(hours=4), timedelta(days=1)),
    "P4": (timedelta(days=1), None, timedelta(days=5)),
}
TARGETS = ("acknowledge", "first_response", "resolve")
OPEN = ("new", "acknowledged", "waiting")


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def _percentile(values: list[float], num: int, den: int) -> float:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * num / den
    low = int(h)
    if low + 1 >= len(ordered):
        return ordered[low]
    return ordered[low] + (h - low) * (ordered[low + 1] - ordered[low])


def durations(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"mean": None, "median": None, "p90": None, "n": 0}
    return {
        "mean": _hours(sum(seconds) / len(seconds)),
        "median": _hours(_percentile(seconds, 1, 2)),
        "p90": _hours(_percentile(seconds, 9, 10)),
        "n": len(seconds),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def status(truth: Truth) -> str:
    return truth.history[-1][0]


def pauses(truth: Truth) -> list[tuple[datetime, datetime | None]]:
    """When the clocks stood still: the waits on the customer, and each resolution until its reopen
    (the last resolution, if it stands, until for ever)."""
    stops = list(truth.waits)
    for index, resolution in enumerate(truth.resolutions):
        reopen = truth.reopens[index] if index < len(truth.reopens) else None
        stops.append((resolution, reopen))
    return sorted(stops, key=lambda stop: stop[0])


def due(
    start: datetime, duration: timedelta, stops: list[tuple[datetime, datetime | None]]
) -> datetime | None:
    """Wall-clock due time: `duration` of running clock from `start`, the stops not counting."""
    at, remaining = start, duration
    for begin, end in stops:
        if end is not None and end <= at:
            continue
        if begin >= at + remaining:
            break
        if begin > at:
            remaining -= begin - at
        if end is None:
            return None
        at = max(at, end)
    return at + remaining


def _met(truth: Truth, target: str) -> tuple[bool, datetime | None]:
    """(does the target exist, when it was met)."""
    state = status(truth)
    if target == "acknowledge":
        return True, truth.acknowledged_at
    if target == "first_response":
        first = min([*(start for start, _ in truth.waits), *truth.resolutions], default=None)
        return first is not None or state in ("new", "acknowledged"), first
    return True, truth.resolved_at


def commitments(truth: Truth) -> list[tuple[str, datetime | None, datetime | None]]:
    """(target, due, met) of each of the ticket's commitments."""
    found = []
    for target, duration in zip(TARGETS, POLICIES[truth.priority], strict=True):
        exists, met = _met(truth, target)
        if duration is None or not exists:
            continue
        stops = [s for s in pauses(truth) if met is None or (s[1] is not None and s[1] <= met)]
        found.append((target, due(truth.reported_at, duration, stops), met))
    return found


def kpis(
    truths: list[Truth], *, start: datetime, end: datetime, now: datetime, department: str | None = None
) -> dict[str, Any]:
    """The figures of `sqmsbot kpi --json` for [start, end) (UTC), by hand."""
    chosen = [t for t in truths if department is None or GROUP_DEPARTMENTS[t.group] == department]

    def within(at: datetime | None) -> bool:
        return at is not None and start <= at < end

    reported = [t for t in chosen if within(t.reported_at)]
    resolved = [t for t in chosen if within(t.resolved_at)]
    resolutions = [t for t in chosen if any(within(r) for r in t.resolutions)]
    reopened = [
        t
        for t in resolutions
        if any(within(r) and any(r <= o <= now for o in t.reopens) for r in t.resolutions)
    ]
    at = min(end, now)
    backlog = [t for t in chosen if t.reported_at < at and t.state_at(at) in OPEN]
    aged = [
        t
        for t in backlog
        if any(target == "resolve" and d is not None and d < at for target, d, _ in commitments(t))
    ]
    sla: dict[str, dict[str, Any]] = {}
    for target in TARGETS:
        achieved = breached = 0
        for truth in chosen:
            for name, due_at, met in commitments(truth):
                if name != target:
                    continue
                missed = due_at is not None and due_at < (met or now)
                if missed and within(due_at):
                    breached += 1
                elif not missed and within(met):
                    achieved += 1
        sla[target] = {
            "attainment": _rate(achieved, achieved + breached),
            "achieved": achieved,
            "breached": breached,
        }
    mtta = [(t.acknowledged_at - t.reported_at).total_seconds() for t in reported if t.acknowledged_at]
    mttr = [(t.resolved_at - t.reported_at).total_seconds() for t in resolved if t.resolved_at]
    return {
        "reported": len(reported),
        "resolved": len(resolved),
        "mtta_hours": durations(mtta),
        "mttr_hours": durations(mttr),
        "fcr_rate": _rate(sum(t.fcr for t in resolved), len(resolved)),
        "reopen_rate": _rate(len(reopened), len(resolutions)),
        "sla": sla,
        "backlog": len(backlog),
        "aged": len(aged),
    }
