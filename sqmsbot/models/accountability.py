"""Accountability records (DESIGN §9): about the process, not blame; private; never edited.

A record names its subject, the reason (a catalog key, and the words of whoever raised it when a
person did) and the evidence it rests on (a breach of one incident's commitment). Every change of
status is a new `AccountabilityEvent` row: the record's own columns are written once, at drafting,
except `status`, which always equals the last event's `to_status`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sqmsbot.models.base import Base
from sqmsbot.models.people import Person

RECORD_STATUSES = ("draft", "confirmed", "dismissed")


class AccountabilityRecord(Base):
    __tablename__ = "accountability_records"
    # One record per piece of evidence: a second breach announcement of the same clock finds the first.
    __table_args__ = (UniqueConstraint("evidence_kind", "incident_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The subject's department when the record was drafted: its managers decide on it.
    department: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    reason_key: Mapped[str] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(Text)
    evidence_kind: Mapped[str] = mapped_column(String(16))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    target: Mapped[str | None] = mapped_column(String(16))
    evidence_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # None: drafted by the system (the SLA watch).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # Compare-and-set, as on incidents: of two decisions read from the same draft only one commits.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it from the class)

    subject: Mapped[Person] = relationship(foreign_keys=[subject_id], lazy="joined")
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id], lazy="joined")
    events: Mapped[list[AccountabilityEvent]] = relationship(
        back_populates="record", order_by="AccountabilityEvent.id"
    )


class AccountabilityEvent(Base):
    """One step of a record: who, when, from → to, and their note. Append-only."""

    __tablename__ = "accountability_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("accountability_records.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    record: Mapped[AccountabilityRecord] = relationship(back_populates="events")
    actor: Mapped[Person | None] = relationship(lazy="joined")
