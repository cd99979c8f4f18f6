"""Incidents at known instants, built through the domain lifecycle, for hand-computed KPI figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain import incidents
from sqmsbot.models import Incident, Person

PLATFORM = "console"


def utc(text: str) -> datetime:
    """'2026-11-23 01:10' → that instant in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Desk:
    """A reporter in ops and a responder in IT (owner of the `app` service)."""

    session: Session
    org: OrgConfig
    people: dict[str, Person] = field(default_factory=dict)

    def person(self, name: str, department: str) -> Person:
        person = Person(
            platform=PLATFORM,
            platform_user_id=name,
            display_name=name,
            role="member",
            department=department,
            created_at=utc("2026-01-01 00:00"),
        )
        self.session.add(person)
        self.session.flush()
        self.people[name] = person
        return person

    def report(self, at: datetime, priority: str = "P1", service: str = "app", **kw: str) -> Incident:
        return incidents.report(
            self.session,
            org=self.org,
            actor=self.people["rep"],
            platform=PLATFORM,
            now=at,
            priority=priority,
            service=service,
            title="The app crashes at checkout",
            **kw,
        )

    def ack(self, incident: Incident, at: datetime) -> None:
        incidents.acknowledge(self.session, incident=incident, actor=self.people["dev"], now=at)

    def note(self, incident: Incident, at: datetime) -> None:
        incidents.add_note(self.session, incident=incident, actor=self.people["dev"], now=at, note="On it")

    def resolve(self, incident: Incident, at: datetime, *, fcr: bool = False) -> None:
        incidents.resolve(
            self.session, incident=incident, actor=self.people["dev"], now=at, note="Fixed", first_contact=fcr
        )

    def reopen(self, incident: Incident, at: datetime) -> None:
        incidents.reopen(
            self.session, org=self.org, incident=incident, actor=self.people["rep"], now=at, reason="Again"
        )


def desk(session: Session, org: OrgConfig) -> Desk:
    """The desk's two people, created on first use (a later transaction finds them again)."""
    d = Desk(session=session, org=org)
    for name, department in (("rep", "ops"), ("dev", "it")):
        found = session.scalar(select(Person).where(Person.platform_user_id == name))
        if found is None:
            d.person(name, department)
        else:
            d.people[name] = found
    return d


def one_day(d: Desk) -> None:
    """Five P1 incidents (24×7: acknowledge 15m, first response 30m, resolve 4h) on Monday 2026-11-23,
    all reported at 09:00 Shanghai (01:00 UTC).

    A: ack 01:10, resolved at first contact 02:00       — mtta 10m, mttr 1h
    B: ack 01:20, responder's note 01:25, resolved 03:00 — mtta 20m, mttr 2h
    C: ack 01:40, never resolved                         — mtta 40m, open
    D: never acknowledged                                — open
    E: resolved 01:30 (acknowledged by it), reopened 02:00, resolved 04:00 — mtta 30m, mttr 3h
    """
    start = utc("2026-11-23 01:00")
    a, b, c, dd, e = (d.report(start) for _ in range(5))
    d.ack(a, utc("2026-11-23 01:10"))
    d.resolve(a, utc("2026-11-23 02:00"), fcr=True)
    d.ack(b, utc("2026-11-23 01:20"))
    d.note(b, utc("2026-11-23 01:25"))
    d.resolve(b, utc("2026-11-23 03:00"))
    d.ack(c, utc("2026-11-23 01:40"))
    del dd
    d.resolve(e, utc("2026-11-23 01:30"))
    d.reopen(e, utc("2026-11-23 02:00"))
    d.resolve(e, utc("2026-11-23 04:00"))


def many(d: Desk, count: int, start: datetime) -> None:
    """`count` incidents a minute apart, each acknowledged and resolved: for the statement count."""
    for index in range(count):
        at = start + timedelta(minutes=index)
        incident = d.report(at)
        d.ack(incident, at + timedelta(minutes=5 + index))
        if index % 2:
            d.resolve(incident, at + timedelta(minutes=30 + index))
