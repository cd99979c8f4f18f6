"""What the KPIs need besides incidents (DESIGN §8): service volumes per day, and customer feedback.

`ServiceVolume`: how many times a service was delivered on one local day of its department (calls
answered, parcels delivered, bills sent), and how many of those went wrong when someone counted
them; the error rate's base. One row per service and day: recording the day again replaces it.

`Feedback`: a customer's score (1–5) of how an incident was handled, given by the person who speaks
for the customer (its reporter); the CSAT KPI. One response per incident and person: a second
replaces the first, so a changed mind is counted once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sqmsbot.models.base import Base
from sqmsbot.models.people import Person

COMMENT_MAX = 500
"""A feedback comment's longest form: a sentence or two, not a complaint letter (that is an incident)."""


class ServiceVolume(Base):
    """One service's volume on one local day, and its errors when they were counted.

    `starts_at` and `ends_at` are the UTC instants of that local day in the department's time zone,
    fixed when the day is recorded: the incidents reported in between are the day's errors when no
    count was given, and the database finds them without time zone arithmetic of its own.
    """

    __tablename__ = "service_volumes"
    __table_args__ = (
        CheckConstraint("volume >= 0", name="volume_not_negative"),
        CheckConstraint("errors IS NULL OR (errors >= 0 AND errors <= volume)", name="errors_within_volume"),
        # The KPI window: the days of a period, then the slice's department or service.
        Index("ix_service_volumes_day", "day"),
    )

    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # The department owning the service when the day was recorded: the KPI slices by it.
    department: Mapped[str] = mapped_column(String(32))
    volume: Mapped[int]
    # None: not counted; the error rate then counts the incidents reported against the service that day.
    errors: Mapped[int | None]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # None: imported from a file (`sqmsbot kpi volumes import`).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime]

    recorded_by: Mapped[Person | None] = relationship(lazy="joined")


class Feedback(Base):
    """A satisfaction score of one incident by one person, with an optional comment."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("score >= 1 AND score <= 5", name="score_1_to_5"),
        # CSAT over a period: the responses given in it.
        Index("ix_feedback_at", "at"),
    )

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX))
    at: Mapped[datetime]
