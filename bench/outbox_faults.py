"""Posts per card when Slack misbehaves: what a send with an unknown outcome leaves behind (issue 9).

Run from the repository root::

    .venv/bin/python -m bench.outbox_faults [--quick]

N cards (50; `--quick`: 10), each to a channel of its own, go through the real outbox worker as
production builds it (`platforms.slack.workers.outbox_worker`: the real `WebClient` over HTTP to the
fake Slack of `tests/fakes`, a temporary migrated SQLite store), once per scenario, each on a fresh
store and a fresh fake:

- ``none`` — no fault: the **floor** (one post per card, 1.00);
- ``accept_then_timeout`` — every card's first post is posted, but the answer never comes (the
  client gives up after `slack_timeout`, 0.5 s here);
- ``reset_after`` — every card's first post is posted, then the connection is reset;
- ``retry_after_over_lease`` — every card's first post is refused with 429 and a `Retry-After` (2 s)
  longer than the worker's lease (1 s) while a second worker polls the outbox;
- ``killed_mid_send`` — a worker process is killed (SIGKILL) while Slack holds its post's answer,
  once per card; a new worker takes the rows over after their lease.

Then every card is edited once (a notification with `update_of`, as an incident change makes), so
the figures also say whether edits reach the copy people see. Printed per scenario: rows, messages
posted, posts per card, stale copies (posted copies the edit never reached), and seconds taken; the last line
is one JSON object with every figure, `floor` (posts per card without a fault) and `ratio` (the
worst scenario's posts per card over the floor: 1.00 means no duplicate anywhere).

The worker's clock runs in real time from just before the fake's first message timestamp, so the
outbox's "look for what an unknown attempt posted" (`conversations.history` since the attempt) and
the fake's timestamps share one timeline.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FULL_CARDS, QUICK_CARDS = 50, 10
SLACK_TIMEOUT_S = 0.5
RETRY_AFTER_S = 2
SHORT_LEASE = timedelta(seconds=1)
LEASE = timedelta(minutes=2)
BACKOFF = timedelta(seconds=0.2)
SCENARIO_TIMEOUT_S = 180.0
FAKE_EPOCH = datetime.fromtimestamp(1_700_000_000, UTC)  # the fake Slack's first message ts
START = FAKE_EPOCH - timedelta(seconds=60)


class Timeline:
    """A clock that runs in real time from `start` (plus `ahead`): the outbox's times and the fake's
    message timestamps on one timeline; `ahead` puts a worker past the leases of a killed one."""

    def __init__(self, start: datetime, ahead: timedelta = timedelta(0)) -> None:
        self.start = start + ahead
        self.t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


@dataclass
class Figures:
    scenario: str
    rows: int
    posts: int
    edited: int
    seconds: float

    @property
    def stale(self) -> int:
        """Posted copies the edit never reached: what people see out of date."""
        return self.posts - self.edited

    @property
    def per_card(self) -> float:
        return self.posts / self.rows if self.rows else float("nan")


def _channel(n: int) -> str:
    return f"C0BENCH{n:04d}"


def _runtime(db_url: str, clock: Any) -> Any:
    from sqmsbot.config import EXAMPLE_ORG_FILE, Settings, load_org_config
    from sqmsbot.db import Database
    from sqmsbot.runtime import Runtime

    settings = Settings(database_url=db_url, config=EXAMPLE_ORG_FILE, slack_timeout=SLACK_TIMEOUT_S)
    return Runtime(settings=settings, org=load_org_config(EXAMPLE_ORG_FILE), db=Database(db_url), clock=clock)


def _worker(runtime: Any, token: str, api_url: str, *, lease: timedelta = LEASE) -> Any:
    """The outbox worker exactly as the Slack adapter builds it, with a short back-off and lease."""
    from sqmsbot.platforms.slack.delivery import make_client
    from sqmsbot.platforms.slack.workers import outbox_worker

    client = make_client(token, api_url)
    client.timeout = runtime.settings.slack_timeout  # type: ignore[assignment]  # urllib takes float s
    worker = outbox_worker(runtime, client)
    worker.base_backoff = BACKOFF
    worker.lease = lease
    return worker


def _enqueue(runtime: Any, cards: int, *, edit: bool = False) -> None:
    from sqmsbot.messages import Message
    from sqmsbot.outbox import Channel, Notifier

    with runtime.db.transaction() as session:
        notifier = Notifier(session, platforms=("slack",), now=runtime.clock.now())
        for n in range(cards):
            if edit:
                message = Message(text=f"card {n}, acknowledged", update_of=f"card:{n}")
                notifier.to_channel(
                    key=f"card:{n}:edit", channel=Channel("slack", _channel(n)), message=message
                )
            else:
                notifier.to_channel(
                    key=f"card:{n}", channel=Channel("slack", _channel(n)), message=Message(text=f"card {n}")
                )


def _unsent(runtime: Any) -> int:
    from sqlalchemy import func, select

    from sqmsbot.models import OutboxMessage

    with runtime.db.transaction() as session:
        return session.scalar(select(func.count()).where(OutboxMessage.status != "sent")) or 0


def _until_sent(runtime: Any, workers: list[Any]) -> None:
    """Every worker polls on its own thread (as replicas would) until nothing is left unsent."""
    stop = threading.Event()

    def poll(worker: Any) -> None:
        while not stop.is_set():
            try:
                worker.run_once()
            except Exception as exc:  # a round that fails is tried again, as run_forever does
                print(f"  worker round failed: {exc!r}", file=sys.stderr)
            stop.wait(0.05)

    threads = [threading.Thread(target=poll, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + SCENARIO_TIMEOUT_S
    while _unsent(runtime) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    if _unsent(runtime):
        print(f"  {_unsent(runtime)} rows still unsent after {SCENARIO_TIMEOUT_S:g} s", file=sys.stderr)


def _child(db_url: str, token: str, api_url: str, start: str) -> None:
    """A worker process that sends one row; the parent kills it while Slack holds the answer."""
    import logging

    logging.disable(logging.CRITICAL)
    runtime = _runtime(db_url, Timeline(datetime.fromisoformat(start)))
    worker = _worker(runtime, token, api_url)
    worker.batch = 1
    worker.deliverer.client.timeout = 600  # still waiting for the answer when the kill comes
    worker.run_once()


def _kill_mid_send(slack: Any, db_url: str, cards: int) -> None:
    ctx = mp.get_context("spawn")
    slack.inject("chat.postMessage", "accept_then_timeout", times=cards, delay=600)
    for n in range(cards):
        child = ctx.Process(target=_child, args=(db_url, slack.token, slack.api_url, START.isoformat()))
        child.start()
        deadline = time.monotonic() + 60
        while len(slack.calls_to("chat.postMessage")) <= n and time.monotonic() < deadline:
            time.sleep(0.01)
        if child.pid is not None:
            os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=10)


@dataclass(frozen=True)
class Scenario:
    name: str
    fault: dict[str, Any] | None = None
    """`FakeSlack.inject` arguments for chat.postMessage, or None."""
    lease: timedelta = LEASE
    workers: int = 1
    killed: bool = False


def _scenario(scenario: Scenario, cards: int) -> Figures:
    from sqmsbot.migrate import upgrade
    from tests.fakes.slack_api import FakeSlack

    with tempfile.TemporaryDirectory(prefix="bench-outbox-") as tmp, FakeSlack() as slack:
        db_url = f"sqlite:///{Path(tmp) / 'sqmsbot.db'}"
        upgrade(db_url)
        runtime = _runtime(db_url, Timeline(START))
        _enqueue(runtime, cards)
        started = time.perf_counter()
        if scenario.killed:
            _kill_mid_send(slack, db_url, cards)
            runtime.db.dispose()
            runtime = _runtime(db_url, Timeline(START, ahead=LEASE + timedelta(seconds=1)))
        if scenario.fault is not None:
            slack.inject("chat.postMessage", **scenario.fault)
        workers = [
            _worker(runtime, slack.token, slack.api_url, lease=scenario.lease)
            for _ in range(scenario.workers)
        ]
        _until_sent(runtime, workers)
        _enqueue(runtime, cards, edit=True)
        _until_sent(runtime, workers)
        seconds = time.perf_counter() - started
        copies = [m for n in range(cards) for m in slack.messages(_channel(n))]
        edited = sum(1 for m in copies if str(m.get("text", "")).endswith(", acknowledged"))
        runtime.db.dispose()
        slack.violations.clear()  # the held and reset calls are the point here
    return Figures(scenario.name, cards, len(copies), edited, round(seconds, 2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.outbox_faults", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CARDS} cards instead of {FULL_CARDS}")
    args = parser.parse_args(argv)
    cards = QUICK_CARDS if args.quick else FULL_CARDS
    import logging

    logging.basicConfig(level=logging.CRITICAL)  # the faults make the SDK and the worker log loudly
    scenarios = [
        Scenario("none"),
        Scenario(
            "accept_then_timeout",
            {"fault": "accept_then_timeout", "times": cards, "delay": SLACK_TIMEOUT_S + 1},
        ),
        Scenario("reset_after", {"fault": "reset_after", "times": cards}),
        Scenario(
            "retry_after_over_lease",
            {"fault": "ratelimit", "times": cards, "retry_after": RETRY_AFTER_S},
            lease=SHORT_LEASE,
            workers=2,
        ),
        Scenario("killed_mid_send", killed=True),
    ]
    print(f"outbox_faults bench: {cards} cards per scenario, one channel each; posts per card (floor 1.00)")
    results: list[Figures] = []
    for scenario in scenarios:
        figures = _scenario(scenario, cards)
        results.append(figures)
        print(
            f"  {figures.scenario:24} rows {figures.rows:4}  posts {figures.posts:4}"
            f"  per card {figures.per_card:.2f}  stale copies {figures.stale:4}  {figures.seconds:6.1f} s"
        )
    floor = results[0].per_card
    worst = max(r.per_card for r in results[1:])
    ratio = worst / floor if floor else float("nan")
    print(f"worst posts per card / floor: {ratio:.2f} (1.00: no duplicate under any fault)")
    result: dict[str, Any] = {"bench": "outbox_faults", "cards": cards, "quick": args.quick}
    for r in results:
        result |= {
            f"{r.scenario}_posts": r.posts,
            f"{r.scenario}_per_card": round(r.per_card, 3),
            f"{r.scenario}_stale": r.stale,
            f"{r.scenario}_s": r.seconds,
        }
    result |= {"floor": round(floor, 3), "ratio": round(ratio, 3), "met": ratio == 1.0}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
