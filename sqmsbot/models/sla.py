"""Commitment clocks per incident: one row per target, and the history of due-time moves.

The row keeps what the watch job needs without recomputing business time: every instant at which
something should happen (`checkpoints`: the warn levels, the breach, each escalation step), the ones
already announced (`fired`), and the earliest unannounced one (`next_check_at`, indexed) so that a tick
over many open incidents reads only the few rows that are due.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sqmsbot.models.base import Base

if TYPE_CHECKING:
    from sqmsbot.models.incidents import Incident


class IncidentTarget(Base):
    """One commitment clock: `acknowledge`, `first_response` or `resolve` of one incident."""

    __tablename__ = "incident_targets"
    __table_args__ = (
        UniqueConstraint("incident_id", "target"),
        Index("ix_incident_targets_next_check_at", "next_check_at"),
        # SLA attainment over a period (sqmsbot.domain.kpi): targets met, due or breached in it.
        Index("ix_incident_targets_met_at", "met_at"),
        Index("ix_incident_targets_due_at", "due_at"),
        Index("ix_incident_targets_breached_at", "breached_at"),
        # One department's commitments of a window, whatever the other departments and the history
        # hold (the digest, /kpi DEPT): the department leads each of the instants.
        Index("ix_incident_targets_department_met_at", "department", "met_at"),
        Index("ix_incident_targets_department_due_at", "department", "due_at"),
        Index("ix_incident_targets_department_breached_at", "department", "breached_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(16))
    # The incident's owning department, kept equal to it (set when the clock starts, moved by a
    # transfer): KPI windows read one department's commitments by index, without joining incidents.
    department: Mapped[str] = mapped_column(String(32))
    policy: Mapped[str] = mapped_column(String(40))
    calendar: Mapped[str] = mapped_column(String(32))
    target_seconds: Mapped[int]
    started_at: Mapped[datetime]
    # None while the clock is paused (and nothing was missed before the pause).
    due_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    # {"warn:0.5": "2026-11-23T01:30:00+00:00", "breach": …, "escalate:1:manager": …}
    checkpoints: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fired: Mapped[list[Any]] = mapped_column(JSON, default=list)
    next_check_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    incident: Mapped[Incident] = relationship(back_populates="targets")


class IncidentTargetMove(Base):
    """A due time that moved (paused, resumed, priority changed, reopened): shown in the timeline.

    Kept apart from IncidentEvent because it is a consequence of a change, not a change someone made.
    """

    __tablename__ = "incident_target_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    from_due: Mapped[datetime | None]
    to_due: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(24))
