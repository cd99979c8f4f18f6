"""Seeding the `sla_watch` benchmark: many open incidents with real clocks, a few groups of them due.

Bulk Core inserts (10 000 rows a statement) under the example organisation's policies: services and
P2–P4 mixed, new / acknowledged / waiting on the customer, the real checkpoint labels (business-time
offsets computed once per policy and target, then shifted), next checks from an hour to three weeks
ahead. Incidents 1 … groups × DUE_PER_TICK are the due ones: group g crosses one threshold 30 s before
minute g of the run (four in five a warn level, one in five its breach); nothing else is due.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, text

from sqmsbot.config import OrgConfig
from sqmsbot.config_sla import TARGETS
from sqmsbot.domain.sla_clock import BREACH, schedule
from sqmsbot.models import Incident, IncidentTarget, Person

DUE_PER_TICK = 50
CHUNK = 10_000
# Tuesday 2026-11-24 10:00 in Shanghai: a working morning, the first measured minute.
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SEED = 20261124


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
                    "department": departments[service],
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
