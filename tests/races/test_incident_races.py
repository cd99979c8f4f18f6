"""No lost updates between replicas (issue 8 §1): real processes race real commands on one store.

Three interpreters (`incident_worker.py`) type random lifecycle commands at the same incidents, as
three console sessions, two Slack replicas plus the inbound worker, or anything else sharing the
store would. Afterwards, on SQLite and on PostgreSQL alike:
- every incident's event log is a legal walk of the workflow table: no step from a state the
  incident was not in, at most one `closed`;
- each reply that said "done" left exactly one event of its kind, and no reply said anything was
  done that the log does not show (no lost update, no silent double);
- the SLA clocks agree with the events: the acknowledge clock stopped when the incident was
  acknowledged, the resolve clock stopped at the resolution and runs again after a reopen.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sqmsbot.config import REPO_ROOT
from sqmsbot.domain.incident_workflow import WORKFLOW
from sqmsbot.models import Incident
from sqmsbot.runtime import Runtime
from tests.conftest import Transcript

INCIDENTS = 12
COMMANDS = 120
PROCESSES = 3
KIND = {"ack": "acknowledged", "wait": "waiting", "resume": "resumed", "resolve": "resolved"} | {
    "reopen": "reopened",
    "close": "closed",
    "note": "note",
}


def test_racing_processes_never_both_change_an_incident(
    transcript: Transcript, runtime: Runtime, db_url: str
) -> None:
    transcript(":as li member ops", ":as wu member ops", ":as xu member ops", ":as wang lead ops")
    for n in range(INCIDENTS):
        assert "✅" in transcript(f'/incident report hotline "Caller {n} waited too long"')

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.races.incident_worker",
                db_url,
                str(INCIDENTS),
                str(COMMANDS),
                str(s),
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in range(PROCESSES)
    ]
    done: Counter[str] = Counter()
    lost = 0
    for worker in workers:
        out, err = worker.communicate()
        assert worker.returncode == 0, err[-3000:]
        report = json.loads(out.strip().splitlines()[-1])
        outcomes, lost = report["outcomes"], lost + report["races_lost"]
        broke = {k: v for k, v in outcomes.items() if k.startswith("broke:")}
        trace = err[max(0, err.find("unexpected error")) :][:6000]  # the worker logs it with its trace
        assert not broke, (broke, trace)
        done.update({k.split(":")[0]: v for k, v in outcomes.items() if k.endswith(":done")})
    assert sum(done.values()) > COMMANDS // 2, done  # the race did real work, not only refusals

    with runtime.db.transaction() as session:
        found = session.scalars(
            select(Incident).options(selectinload(Incident.events), selectinload(Incident.targets))
        ).unique()
        events: Counter[str] = Counter()
        for incident in found:
            walk = [(e.kind, e.from_value, e.to_value) for e in incident.events]
            assert WORKFLOW.is_legal_walk(walk) == [], (incident.id, walk)
            kinds = Counter(e.kind for e in incident.events)
            assert kinds["closed"] == (incident.status == "closed"), (incident.id, walk)
            events.update(e.kind for e in incident.events if e.actor and e.actor.display_name != "me")
            _clocks_agree(incident)
    for verb, kind in KIND.items():
        if verb == "ack":
            continue  # waits, resolutions and takes acknowledge a new incident on the way too
        assert events[kind] == done[verb], (verb, events[kind], done[verb])
    assert events["acknowledged"] >= done["ack"]
    print(
        f"{PROCESSES} processes x {COMMANDS} commands, {INCIDENTS} incidents; races lost, re-decided: {lost}"
    )
    print(f"  done: {dict(done)}\n  events: {dict(events)}")


def _clocks_agree(incident: Incident) -> None:
    clocks = {row.target: row for row in incident.targets}
    ack, resolve = clocks["acknowledge"], clocks["resolve"]
    assert ack.met_at == incident.acknowledged_at, incident.id
    if incident.status in ("resolved", "closed"):
        last = [e for e in incident.events if e.kind == "resolved"][-1]
        assert incident.resolved_at == last.at
        assert resolve.met_at is not None and resolve.met_at <= last.at, incident.id
    else:
        assert resolve.met_at is None and incident.resolved_at is None, incident.id
