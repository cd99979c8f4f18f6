"""Incidents, their append-only timeline, and the departments brought in to help."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sqmsbot.models.base import Base
from sqmsbot.models.people import Person

if TYPE_CHECKING:
    from sqmsbot.models.sla import IncidentTarget


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_department_status", "department", "status"),
        Index("ix_incidents_status_reported_at", "status", "reported_at"),
        # The KPI engine's period windows (sqmsbot.domain.kpi): the window, not the history, sets the cost.
        Index("ix_incidents_reported_at", "reported_at"),
        Index("ix_incidents_resolved_at", "resolved_at"),
        Index("ix_incidents_closed_at", "closed_at"),
        # One department's window (the digest, /kpi DEPT): read as a range of its own, not filtered
        # out of every department's incidents of that window.
        Index("ix_incidents_department_reported_at", "department", "reported_at"),
        Index("ix_incidents_department_resolved_at", "department", "resolved_at"),
        # An imported ticket is found again by the system and id it came from: re-importing changes nothing.
        UniqueConstraint("external_system", "external_id", name="uq_incidents_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(2))
    service: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(24))
    customer_ref: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(32))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    reported_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    first_contact_resolution: Mapped[bool] = mapped_column(default=False)
    resolution: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(default=0)
    # A duplicate is closed with a link to the incident it repeats; the original counts its duplicates.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    updated_at: Mapped[datetime]
    # Where an imported ticket came from (`servicenow`, `jira`, `zendesk`, `generic`) and its id there.
    external_system: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64))
    # Working seconds of the incident's calendar from report to acknowledgement and to its (last)
    # resolution, written when they happen: the KPIs' business-time variants aggregate them in SQL.
    ack_business_seconds: Mapped[int | None]
    resolve_business_seconds: Mapped[int | None]
    # Compare-and-set (DESIGN §3.6): every UPDATE of this row says `WHERE version = :read`, so of two
    # changes read from the same state only the first commits; the other is rolled back and re-decided.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it from the class)

    reporter: Mapped[Person] = relationship(foreign_keys=[reporter_id], lazy="joined")
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", order_by="IncidentEvent.id", cascade="all, delete-orphan"
    )
    involvements: Mapped[list[IncidentInvolvement]] = relationship(
        back_populates="incident", order_by="IncidentInvolvement.involved_at", cascade="all, delete-orphan"
    )
    duplicate_of: Mapped[Incident | None] = relationship(
        remote_side=[id], foreign_keys=[duplicate_of_id], back_populates="duplicates"
    )
    duplicates: Mapped[list[Incident]] = relationship(
        back_populates="duplicate_of", foreign_keys=[duplicate_of_id], order_by="Incident.id"
    )
    # Its commitment clocks (sqmsbot.domain.sla): loaded with the incident when many are read at once.
    targets: Mapped[list[IncidentTarget]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", passive_deletes=True
    )


class IncidentEvent(Base):
    """One change to an incident: who, when, what kind, from → to, and why. Never edited."""

    __tablename__ = "incident_events"
    # Resolutions and reopens in a period (the KPIs' reopen rate).
    __table_args__ = (Index("ix_incident_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    from_value: Mapped[str | None] = mapped_column(String(200))
    to_value: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)

    incident: Mapped[Incident] = relationship(back_populates="events")
    actor: Mapped[Person | None] = relationship(lazy="joined")


class IncidentInvolvement(Base):
    """Another department brought in to help without taking ownership."""

    __tablename__ = "incident_involvements"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    department: Mapped[str] = mapped_column(String(32), primary_key=True)
    involved_at: Mapped[datetime]
    involved_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))

    incident: Mapped[Incident] = relationship(back_populates="involvements")
