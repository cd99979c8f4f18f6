"""The watch job's side of the commitment clocks: which alerts are due, and marking them announced.

Each clock row carries its alert instants (`checkpoints`), the ones announced (`fired`) and the
earliest unannounced one (`next_check_at`, indexed), so a tick over many open incidents reads only the
few due rows; `incidents_for` then loads what the alerts need about their incidents in a fixed number
of queries, however many fall due in one minute.

A threshold is due once its instant has passed, never at it: a target met at its due instant is met
(sqmsbot.domain.sla), so a tick at 09:30 must not call a 09:30 target missed — the 09:31 tick does, if
it still is. Warn levels follow the same rule, so there is one rule to reason about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sqmsbot.domain.sla_clock import BREACH
from sqmsbot.models import Incident, IncidentTarget

WATCH_BATCH = 1000
"""How many clocks one `due_thresholds` call reads at most; the next tick takes the rest."""


@dataclass(frozen=True)
class DueThreshold:
    """One alert the watch job should send now: which clock, which threshold, and when it was crossed."""

    target_id: int
    incident_id: int
    target: str
    threshold: str
    at: datetime

    @property
    def kind(self) -> str:
        """`warn`, `breach` or `escalate`."""
        return self.threshold.split(":")[0]

    @property
    def fraction(self) -> float | None:
        """For a warning: the share of the target used up (0.75)."""
        return float(self.threshold.split(":")[1]) if self.kind == "warn" else None

    @property
    def role(self) -> str | None:
        """For an escalation: who is told (owner, lead, manager, quality)."""
        return self.threshold.split(":")[2] if self.kind == "escalate" else None


def due_thresholds(session: Session, *, now: datetime, limit: int = WATCH_BATCH) -> list[DueThreshold]:
    """Thresholds passed before `now` and not yet marked fired, oldest first.

    One indexed range read on `next_check_at`: clocks with nothing due have a later (or no) check
    instant, so a tick over many open incidents touches only the few due rows.

    The rows are locked until the unit of work ends (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so two
    ticks that overlap — two replicas on neighbouring minutes, a catch-up beside the current minute —
    share the due clocks out instead of both announcing them. SQLite ignores the lock, but has one
    writer at a time: the second tick writes after the first committed, its messages are dropped by
    their outbox keys and its breach records by the check for one already drafted.
    """
    rows = session.scalars(
        select(IncidentTarget)
        .where(IncidentTarget.next_check_at < now)
        .order_by(IncidentTarget.next_check_at, IncidentTarget.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    found: list[DueThreshold] = []
    for row in rows:
        fired = set(row.fired)
        for label, at in sorted(checkpoint_times(row).items(), key=lambda item: item[1]):
            if at < now and label not in fired:
                found.append(DueThreshold(row.id, row.incident_id, row.target, label, at))
    return sorted(found, key=lambda due: (due.at, due.target_id))


def any_due(session: Session, now: datetime) -> bool:
    """Whether any clock has an alert due before `now`: the watch job's look before it claims a minute."""
    first = select(IncidentTarget.id).where(IncidentTarget.next_check_at < now).limit(1)
    return session.scalar(first) is not None


def mark_fired(session: Session, *, target_id: int, threshold: str, now: datetime) -> bool:
    """Record that a threshold was announced; False when it already was (a retry: send nothing)."""
    row = session.get(IncidentTarget, target_id)
    if row is None or threshold in row.fired:
        return False
    row.fired = [*row.fired, threshold]
    if threshold == BREACH and row.breached_at is None:
        row.breached_at = checkpoint_times(row).get(BREACH, now)
    set_next_check(row)
    row.updated_at = now
    return True


def incidents_for(session: Session, due: Iterable[DueThreshold]) -> dict[int, Incident]:
    """The incidents of these alerts by id, each with its clocks, timeline and involvements loaded.

    With a breach among them, their duplicates too: a breach edits the incident's card in its channel,
    and the card counts the duplicates; left to the card, that is one query per breached incident.
    """
    due = list(due)
    ids = sorted({d.incident_id for d in due})
    if not ids:
        return {}
    options = [
        selectinload(Incident.targets),
        selectinload(Incident.events),
        selectinload(Incident.involvements),
    ]
    if any(d.kind == BREACH for d in due):
        options.append(selectinload(Incident.duplicates))
    found = session.scalars(select(Incident).where(Incident.id.in_(ids)).options(*options)).unique()
    return {incident.id: incident for incident in found}


def checkpoint_times(row: IncidentTarget) -> dict[str, datetime]:
    return {label: datetime.fromisoformat(at) for label, at in (row.checkpoints or {}).items()}


def set_next_check(row: IncidentTarget) -> None:
    """The earliest unannounced alert; none once the target is met (the work it asks for is done)."""
    fired = set(row.fired)
    if row.met_at is not None:
        row.next_check_at = None
        return
    pending = [at for label, at in checkpoint_times(row).items() if label not in fired]
    row.next_check_at = min(pending) if pending else None
