"""A realistic demo organisation: people with every role and ~90 days of incident history.

Built through the same domain functions as real work (so every timeline is coherent and the KPIs,
digests and charts of later features have something true to show), but without notifications:
history is not news.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig, Service
from sqmsbot.domain import incidents
from sqmsbot.domain.people import sandbox_person
from sqmsbot.models import Incident, Person
from sqmsbot.platforms.console.name import PLATFORM  # the demo's people are console users
from sqmsbot.runtime import Runtime

NAMES = [
    "li",
    "wang",
    "zhang",
    "liu",
    "chen",
    "yang",
    "zhao",
    "huang",
    "zhou",
    "wu",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "lin",
    "luo",
    "gao",
]
TITLES = {
    "hotline": [
        "Caller waited 20 minutes in the queue",
        "Agent gave wrong opening hours",
        "热线无人接听",
        "Call dropped during transfer",
        "客服态度冷淡",
    ],
    "store": [
        "Counter closed during posted hours",
        "Queue ticket machine out of order",
        "门店排队时间过长",
        "Staff could not explain the warranty terms",
    ],
    "delivery": [
        "Parcel delivered to the wrong address",
        "Courier missed the promised slot",
        "包裹破损",
        "Delivery marked done but not received",
        "送货员未提前电话联系",
    ],
    "app": [
        "App crashes at checkout",
        "Login code SMS never arrives",
        "订单页面加载很慢",
        "Push notification shows another customer's order",
    ],
    "billing": [
        "Customer charged twice",
        "Refund not received after 14 days",
        "发票抬头错误",
        "Coupon not applied to the bill",
    ],
}
CATEGORY_WEIGHTS = {
    "method": 30,
    "man": 25,
    "machine": 15,
    "material": 10,
    "environment": 10,
    "measurement": 10,
}
SOURCE_WEIGHTS = {"complaint": 60, "internal": 20, "audit": 8, "mystery-shopper": 7, "kpi-alert": 5}
PRIORITY_WEIGHTS = {"P1": 5, "P2": 20, "P3": 50, "P4": 25}


@dataclass(frozen=True)
class DemoSummary:
    people: int
    incidents: int
    days: int


def seed_demo(runtime: Runtime, *, days: int = 90, seed: int = 7) -> DemoSummary:
    rng = random.Random(seed)
    org = runtime.org
    end = runtime.clock.now()
    with runtime.db.transaction() as session:
        staff = _people(session, org, end - timedelta(days=days + 1))
        count = 0
        for offset in range(days, -1, -1):
            day = (end - timedelta(days=offset)).astimezone(ZoneInfo(org.timezone)).date()
            per_day = rng.randint(4, 9) if day.weekday() < 5 else rng.randint(1, 4)
            for _ in range(per_day):
                start_local = datetime.combine(day, time(8, 30), ZoneInfo(org.timezone)) + timedelta(
                    minutes=rng.randint(0, 11 * 60)
                )
                reported = start_local.astimezone(end.tzinfo)
                if reported >= end:
                    continue
                _one_incident(session, org, rng, staff, reported, end)
                count += 1
        count += _rough_day(session, org, rng, staff, end)
        people = len({p.id for group in staff.values() for p in group})
    return DemoSummary(people=people, incidents=count, days=days)


ROUGH_DAY_INCIDENTS = 9


def _rough_day(
    session: Session, org: OrgConfig, rng: random.Random, staff: dict[str, list[Person]], end: datetime
) -> int:
    """A bad day for the hotline, so that `:clock` to the next morning shows a digest with something
    to say: a burst of slow P2 machine faults on the day that digest covers (the last local day before
    the next 08:30), which its movers name and whose missed commitments it lists."""
    zone = ZoneInfo(org.timezone)
    local_end = end.astimezone(zone)
    next_digest = local_end.date() + timedelta(days=1 if local_end.time() >= time(8, 30) else 0)
    covered = next_digest - timedelta(days=1)
    first = datetime.combine(covered, time(9, 0), zone)
    span = min(end - first.astimezone(end.tzinfo), timedelta(hours=8))
    if span < timedelta(hours=1):  # the covered day has barely begun: the hour before now
        first, span = (end - timedelta(hours=1)).astimezone(zone), timedelta(hours=1)
    hotline = org.service("hotline") or org.services[0]
    for index in range(ROUGH_DAY_INCIDENTS):
        reported = (first + span * index / ROUGH_DAY_INCIDENTS).astimezone(end.tzinfo)
        _one_incident(
            session, org, rng, staff, reported, end, service=hotline, category="machine", slowness=8.0
        )
    return ROUGH_DAY_INCIDENTS


def _people(session: Session, org: OrgConfig, joined: datetime) -> dict[str, list[Person]]:
    """Each department: a manager, a lead and members; the quality department gets the quality role."""
    names = iter(NAMES)
    staff: dict[str, list[Person]] = {}
    for dept in org.departments:
        roles = ["manager", "lead", "member", "member"]
        if dept.key == "quality":
            roles = ["manager", "quality", "quality"]
        staff[dept.key] = [
            sandbox_person(
                session,
                org=org,
                platform=PLATFORM,
                name=next(names, f"{dept.key}-{i}"),
                now=joined,
                role=role,
                department=dept.key,
            )
            for i, role in enumerate(roles)
        ]
    return staff


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _one_incident(
    session: Session,
    org: OrgConfig,
    rng: random.Random,
    staff: dict[str, list[Person]],
    reported: datetime,
    end: datetime,
    *,
    service: Service | None = None,
    category: str | None = None,
    slowness: float = 1.0,
) -> Incident:
    service = service or rng.choice(org.services)
    reporter = rng.choice([p for group in staff.values() for p in group])
    priority = _pick(rng, PRIORITY_WEIGHTS)
    incident = incidents.report(
        session,
        org=org,
        actor=reporter,
        platform=PLATFORM,
        now=reported,
        priority=priority,
        service=service.key,
        title=rng.choice(TITLES.get(service.key, ["Service complaint"])),
        source=_pick(rng, SOURCE_WEIGHTS),
        category=category or _pick(rng, CATEGORY_WEIGHTS),
        customer_ref=f"C-{rng.randint(1000, 9999)}",
    )
    now = reported
    speed = {"P1": 0.2, "P2": 0.5, "P3": 1.0, "P4": 1.5}[priority] * slowness

    def later(minutes: float) -> datetime | None:
        nonlocal now
        now = now + timedelta(minutes=max(1.0, rng.expovariate(1 / (minutes * speed))))
        return now if now < end else None

    team = staff[incident.department]
    responder = rng.choice(team)
    if rng.random() < 0.35:  # answered on the spot
        if (at := later(10)) is None:
            return incident
        incidents.resolve(
            session,
            incident=incident,
            actor=responder,
            now=at,
            note="Resolved on first contact",
            first_contact=True,
            org=org,
        )
        return _maybe_close(session, incident, responder, rng, later)
    if (at := later(45)) is None:
        return incident
    incidents.acknowledge(session, incident=incident, actor=responder, now=at, org=org)
    if (at := later(20)) is None:
        return incident
    lead = next(p for p in team if p.role in ("lead", "manager"))  # who gives work out (and away)
    incidents.assign(session, incident=incident, actor=lead, assignee=rng.choice(team), now=at, org=org)
    if rng.random() < 0.08:
        other = rng.choice([d.key for d in org.departments if d.key != incident.department])
        if (at := later(60)) is None:
            return incident
        incidents.transfer(
            session,
            org=org,
            incident=incident,
            actor=lead,
            now=at,
            department=other,
            reason="Belongs to the other team",
        )
        responder = rng.choice(staff[other])
    if rng.random() < 0.25:
        if (at := later(60)) is None:
            return incident
        incidents.wait_on_customer(
            session, incident=incident, actor=responder, now=at, note="Asked for details", org=org
        )
        if (at := later(600)) is None:
            return incident
        incidents.resume(
            session, org=org, incident=incident, actor=responder, now=at, note="Customer replied"
        )
    if (at := later(480)) is None:
        return incident
    incidents.resolve(
        session, incident=incident, actor=responder, now=at, note="Fixed and customer informed", org=org
    )
    if rng.random() < 0.06:
        if (at := later(1440)) is None:
            return incident
        incidents.reopen(
            session,
            org=org,
            incident=incident,
            actor=incident.reporter,
            now=at,
            reason="Customer says not fixed",
        )
        if (at := later(480)) is None:
            return incident
        incidents.resolve(
            session, incident=incident, actor=responder, now=at, note="Fixed properly this time", org=org
        )
    return _maybe_close(session, incident, responder, rng, later)


def _maybe_close(
    session: Session,
    incident: Incident,
    actor: Person,
    rng: random.Random,
    later: Callable[[float], datetime | None],
) -> Incident:
    if rng.random() < 0.8 and (at := later(2880)) is not None:
        incidents.close(session, incident=incident, actor=actor, now=at)
    return incident
