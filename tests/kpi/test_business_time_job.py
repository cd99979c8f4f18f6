"""The hourly `business_time` job works out the business times incidents lack (imported, or worked
before they were recorded), through the real scheduler's runner."""

from __future__ import annotations

from datetime import timedelta

import jobs
from sqmsbot.domain import incidents
from sqmsbot.models import Incident
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import run_due
from tests.conftest import START
from tests.kpi.scenario import desk, utc


def test_the_hourly_job_fills_in_what_an_incident_lacks(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        incident = d.report(utc("2026-11-23 01:00"))  # a P1 of IT's app: 24×7, business = wall clock
        # acknowledged and resolved without the organisation: no business time is written
        incidents.acknowledge(session, incident=incident, actor=d.people["dev"], now=utc("2026-11-23 01:10"))
        incidents.resolve(
            session, incident=incident, actor=d.people["dev"], now=utc("2026-11-23 03:00"), note="x"
        )
        number = incident.id
    with runtime.db.transaction() as session:
        found = session.get(Incident, number)
        assert found is not None and (found.ack_business_seconds, found.resolve_business_seconds) == (
            None,
            None,
        )
    run_due(
        runtime,
        START,
        START + timedelta(hours=1),
        registry={"business_time": jobs.registry()["business_time"]},
    )
    with runtime.db.transaction() as session:
        found = session.get(Incident, number)
        assert found is not None
        assert (found.ack_business_seconds, found.resolve_business_seconds) == (600, 7200)
