"""One department's window is read by its own index, and a transfer takes the incident's
commitments with it: the KPIs of the department owning an incident now count its clocks."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from sqmsbot.domain.incident_handover import transfer
from sqmsbot.domain.kpi import Period, Slice, compute
from sqmsbot.domain.kpi.digest import broken_commitments
from sqmsbot.domain.kpi.queries import sla
from sqmsbot.models import IncidentTarget
from sqmsbot.runtime import Runtime
from tests.kpi.scenario import desk, utc

MONDAY = Period.day(utc("2026-11-23 00:00").date(), "Asia/Shanghai")


def test_a_transferred_incident_counts_for_its_new_department(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        boss = d.person("boss", "it")
        boss.role = "manager"
        incident = d.report(utc("2026-11-23 01:00"))  # IT's app, P1: acknowledge within 15 minutes
        transfer(
            session,
            org=runtime.org,
            incident=incident,
            actor=boss,
            now=utc("2026-11-23 01:05"),
            department="ops",
            reason="A counter problem",
        )
        clocks = session.scalars(select(IncidentTarget.department)).all()
        assert clocks and set(clocks) == {"ops"}
        now = utc("2026-11-24 00:00")
        ops = compute(session, period=MONDAY, slice=Slice(department="ops"), org=runtime.org, now=now)
        it = compute(session, period=MONDAY, slice=Slice(department="it"), org=runtime.org, now=now)
        assert ops.current.sla["acknowledge"].breached == 1 and ops.current.reported == 1
        assert "acknowledge" not in it.current.sla and it.current.reported == 0
        count, _ = broken_commitments(session, department="ops", since=MONDAY.from_, until=now)
        assert count == 3  # never acknowledged, responded to or resolved
        assert broken_commitments(session, department="it", since=MONDAY.from_, until=now)[0] == 0


# SQLite only: PostgreSQL's plan depends on its statistics (bench/digest.py measures it there).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_reads_one_departments_commitments_by_the_department_index(runtime: Runtime) -> None:
    statement = sla(start=MONDAY.from_, end=MONDAY.to, now=MONDAY.to, cut=Slice(department="it"))
    compiled = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    with runtime.db.engine.connect() as conn:
        plan = " ".join(str(row) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_incident_targets_department_" in plan, plan
