"""The digest posts once per department and day across restarts and replicas: three `sqmsbot jobs
run digest` processes started together for the same period, and a fourth after them (a restart), on
SQLite and PostgreSQL. One runs it; the others find the period claimed; one post is stored."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from sqmsbot.config import EXAMPLE_ORG_FILE, REPO_ROOT
from sqmsbot.models import JobRun, OutboxMessage
from sqmsbot.runtime import Runtime
from tests.kpi.scenario import desk, one_day

ENTRY = "import sys; from sqmsbot.cli import main; sys.argv[0] = 'sqmsbot'; main()"
PERIOD = "digest/it/2026-11-24"


def _run(runtime: Runtime) -> subprocess.Popen[str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("SQMS_", "SLACK_", "LARK_"))
    }
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        SQMS_DATABASE_URL=runtime.db.url,
        SQMS_CONFIG=str(EXAMPLE_ORG_FILE),
        SQMS_PLATFORMS="console",
    )
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, "jobs", "run", "digest", "--period", PERIOD],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _said(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return out.strip()


def test_three_replicas_and_a_restart_post_one_digest(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        one_day(desk(session, runtime.org))
    replicas = [_run(runtime) for _ in range(3)]
    said = sorted(_said(p) for p in replicas)
    said.append(_said(_run(runtime)))  # a restart, once the others are done
    finished = [line for line in said if "finished" in line]
    assert len(finished) == 1, said
    with runtime.db.transaction() as session:
        posts = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key == PERIOD)
        )
        runs = session.scalars(select(JobRun.status).where(JobRun.period_key == PERIOD)).all()
    assert posts == 1
    assert runs == ["finished"]
