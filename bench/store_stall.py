"""Acknowledgements and /healthz while the inbound queue is locked for 12 s (issue 9, item 2).

Run from the repository root::

    .venv/bin/python -m bench.store_stall [--quick] [--lock-seconds 12] [--sqlite]

A real `sqmsbot serve` process (started as an operator starts it, see tests/reliability/serve_process)
on the fake Slack, on PostgreSQL (a schema of its own on the server of SQMS_BENCH_DATABASE_URL, else
SQMS_TEST_DATABASE_URL; `--sqlite` or neither set: a temporary SQLite file). First the floor: signed
slash commands and /healthz probes one after another with nothing in the way. Then another session
takes `LOCK TABLE inbound_requests IN ACCESS EXCLUSIVE MODE` (SQLite: `BEGIN IMMEDIATE` on the queue's
file) for `--lock-seconds`, while one client sends slash commands and another probes /healthz, each
one after another; every request that started while the lock was held is counted.

Printed: the floor's median acknowledgement, the longest acknowledgement and /healthz answer under
the lock with their status codes, and `ratio` = longest acknowledgement under the lock / floor
median. Slack allows 3 s: what matters is that the longest stays under it (the deadline is
`SQMS_ACK_DEADLINE`, 2 s) and that /healthz keeps answering. `SQMS_BENCH_PYTHONPATH` runs the server
from another checkout (an older commit's worktree, for a before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, make_url, text

from sqmsbot.db import normalise_url
from tests.fakes.slack_api import FakeSlack
from tests.reliability.serve_process import ServeProcess, signed

SECRET = "bench-stall-signing-secret"
CHANNEL = "C0000000OPS"
FORM = "application/x-www-form-urlencoded"
FLOOR_REQUESTS = 20


def slash(n: int) -> str:
    return urlencode(
        {
            "team_id": "T0FAKE",
            "channel_id": CHANNEL,
            "user_id": "U0BENCH",
            "command": "/incident",
            "text": f'report P3 hotline "Stall {n}"',
            "trigger_id": f"t-stall-{n}",
        }
    )


def probe(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=60) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, time.perf_counter() - started


@contextmanager
def store(use_sqlite: bool) -> Iterator[str]:
    base = os.environ.get("SQMS_BENCH_DATABASE_URL") or os.environ.get("SQMS_TEST_DATABASE_URL")
    if use_sqlite or not base:
        with tempfile.TemporaryDirectory(prefix="bench-stall-") as tmp:
            yield f"sqlite:///{tmp}/sqmsbot.db"
        return
    url = make_url(normalise_url(base))
    schema = f"sqmsbot_bench_stall_{os.getpid()}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def locked(database_url: str) -> Iterator[None]:
    """The inbound queue held by another session until the block ends."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        conn = sqlite3.connect(path.with_name(f"{path.stem}.inbound{path.suffix}"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE inbound_requests IN ACCESS EXCLUSIVE MODE"))
        yield
        conn.rollback()
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.store_stall", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="the same run (it is short already)")
    parser.add_argument("--lock-seconds", type=float, default=12.0)
    parser.add_argument("--sqlite", action="store_true", help="on SQLite even when PostgreSQL is named")
    args = parser.parse_args(argv)
    extra = (
        {"PYTHONPATH": os.environ["SQMS_BENCH_PYTHONPATH"]} if os.environ.get("SQMS_BENCH_PYTHONPATH") else {}
    )
    with FakeSlack() as slack, store(args.sqlite) as database_url:
        slack.add_user("U0BENCH", name="bench", locale="en-US")
        server = ServeProcess(database_url, slack.api_url, slack.token, SECRET, env=extra)
        with server:
            server.wait_ready()
            floor = [signed(server.url, slash(n), FORM, SECRET)[2] for n in range(FLOOR_REQUESTS)]
            floor_health = [probe(server.url)[1] for _ in range(FLOOR_REQUESTS)]
            acks: list[tuple[int, float]] = []
            probes: list[tuple[int, float]] = []
            holding = threading.Event()
            released = threading.Event()

            def send() -> None:
                n = 1000
                while not released.is_set():
                    n += 1
                    status, _, seconds = signed(server.url, slash(n), FORM, SECRET, timeout=60)
                    acks.append((status, seconds))  # it started while the lock was held

            def check() -> None:
                while not released.is_set():
                    probes.append(probe(server.url))

            with locked(database_url):
                holding.set()
                clients = [threading.Thread(target=send), threading.Thread(target=check)]
                for client in clients:
                    client.start()
                time.sleep(args.lock_seconds)
                released.set()
            for client in clients:
                client.join(120)
    floor_p50 = statistics.median(floor) * 1000
    worst_ack = max((s for _, s in acks), default=float("nan")) * 1000
    worst_probe = max((s for _, s in probes), default=float("nan")) * 1000
    statuses = {str(k): [s for s, _ in acks].count(k) for k in sorted({s for s, _ in acks})}
    probe_statuses = {str(k): [s for s, _ in probes].count(k) for k in sorted({s for s, _ in probes})}
    backend = make_url(database_url).get_backend_name()
    print(f"store: {backend}; lock held {args.lock_seconds:g} s")
    print(f"floor: ack p50 {floor_p50:.1f} ms, /healthz p50 {statistics.median(floor_health) * 1000:.1f} ms")
    print(f"under the lock: {len(acks)} acks, longest {worst_ack:.0f} ms, statuses {statuses}")
    print(f"under the lock: {len(probes)} /healthz, longest {worst_probe:.0f} ms, statuses {probe_statuses}")
    result = {
        "bench": "store_stall",
        "store": backend,
        "lock_seconds": args.lock_seconds,
        "floor": round(floor_p50, 2),
        "ack_max_ms": round(worst_ack, 1),
        "healthz_max_ms": round(worst_probe, 1),
        "ack_statuses": statuses,
        "healthz_statuses": probe_statuses,
        "ratio": round(worst_ack / floor_p50, 1) if floor_p50 else None,
        "met": worst_ack < 3000 and worst_probe < 3000,
    }
    print(json.dumps(result))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
