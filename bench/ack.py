"""Acknowledgement latency of `sqmsbot serve`: signed slash commands against a no-op Bolt floor.

Run from the repository root::

    .venv/bin/python -m bench.ack [--quick]

What runs where (each in its own process, so nobody shares a GIL with the load generator):

- a "Slack" process: the fake Slack Web API from ``tests/fakes`` (the bot's card posts, users.info,
  auth.test) and a tiny response_url sink that answers 200 to every POST;
- a server process: first the floor, then ours, one at a time on 127.0.0.1 under uvicorn.
  The floor is a slack_bolt ``App`` with the same signing secret whose ``/incident`` listener only
  calls ``ack()``, served by ``slack_bolt.adapter.starlette``. Ours is ``create_web_app(runtime)``
  exactly as ``sqmsbot serve`` builds it on a migrated temporary SQLite file: the server stores each
  request in the inbound queue and acknowledges, and its worker process (started and stopped with
  the app) does the incident work, the response_url reply and the card;
- this process: the load generator (asyncio + aiohttp, 32 keep-alive connections, closed loop).

Every request is a signed ``/incident report P3 hotline "Bench title N"`` with its own text and
trigger_id, so each one creates an incident in ours. Latency is the time to the HTTP response
(Slack's 3-second acknowledgement). Both servers are warmed up first; non-200 answers and transport
failures count as errors. The last line printed is one JSON object (DESIGN.md §11).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging
import math
import multiprocessing as mp
import os
import resource
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

SECRET = "bench-ack-signing-secret-6f1d2c9a"
CONCURRENCY = 32
TARGET_P99_MS = 100.0
TARGET_RATIO = 1.5
CHANNEL = "C0000000OPS"  # the ops department's Slack channel in sqmsbot.example.toml
USERS = tuple(f"U0BENCH{i:02d}" for i in range(8))
FULL_SECONDS, QUICK_SECONDS = 20.0, 5.0
FULL_WARMUP, QUICK_WARMUP = 400, 200
REQUEST_TIMEOUT_S = 10.0
START_TIMEOUT_S = 30.0
MAX_REQUESTS_PER_PHASE = 1_000_000  # a bound on the loops; the clock ends a phase long before


# ----- the "Slack" process: fake Web API + response_url sink -----------------------------------------


class _Sink(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.posts = 0
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: the bot's process is ended mid-reply at the end of its phase (a broken pipe here)."""


class _SinkHandler(BaseHTTPRequestHandler):
    """Slack's response_url: accepts every POST (the bot's ephemeral "Reported SQ-n." reply)."""

    server: _Sink
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.posts += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _slack_process(conn: Connection) -> None:
    from tests.fakes.slack_api import FakeSlack

    sink = _Sink()
    threading.Thread(target=sink.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    with FakeSlack() as slack:
        for user in USERS:
            slack.add_user(user, name=user.lower(), locale="en-US")
        host, port = sink.server_address[:2]
        conn.send(
            {"api_url": slack.api_url, "token": slack.token, "response_url": f"http://{host!s}:{port}/hook"}
        )
        conn.recv()  # "stop"
        conn.send(
            {
                "slack_calls": len(slack.calls),
                "cards_posted": len(slack.calls_to("chat.postMessage")),
                "response_url_posts": sink.posts,
                "slack_violations": len(slack.violations),
                "slack_cpu_s": round(time.process_time(), 2),
            }
        )
    sink.shutdown()


# ----- the server process: the floor or ours, under uvicorn ------------------------------------------


class _CountingHandler(logging.Handler):
    """Counts warnings and errors in the server (the work after the ack) and keeps the first few."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < 3:
            text = f"{record.levelname} {record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            self.first.append(text[:300])


def _floor_app(slack: dict[str, str]) -> Any:
    from slack_bolt import Ack, App
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from slack_sdk import WebClient
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bolt = App(
        client=WebClient(token=slack["token"], base_url=slack["api_url"]),
        signing_secret=SECRET,
        process_before_response=True,  # as ours: the listener runs in the request, no Bolt pool hop
    )

    @bolt.command("/incident")
    def incident(ack: Ack) -> None:
        ack()

    handler = SlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


def _our_app(slack: dict[str, str], db_url: str) -> Any:
    from sqmsbot.clock import SystemClock
    from sqmsbot.config import EXAMPLE_ORG_FILE, Settings, load_org_config
    from sqmsbot.db import Database
    from sqmsbot.runtime import Runtime
    from sqmsbot.web import create_web_app

    settings = Settings(
        database_url=db_url,
        config=EXAMPLE_ORG_FILE,
        slack_bot_token=slack["token"],
        slack_signing_secret=SECRET,
        slack_api_url=slack["api_url"],
    )
    runtime = Runtime(
        settings=settings, org=load_org_config(EXAMPLE_ORG_FILE), db=Database(db_url), clock=SystemClock()
    )
    return create_web_app(runtime)


def _server_process(kind: str, conn: Connection, slack: dict[str, str], db_url: str) -> None:
    import uvicorn

    counter = _CountingHandler()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().addHandler(counter)
    for noisy in ("sqmsbot", "slack_bolt", "slack_sdk"):  # counted, not printed per request
        logging.getLogger(noisy).propagate = False
        logging.getLogger(noisy).addHandler(counter)
    web = _floor_app(slack) if kind == "floor" else _our_app(slack, db_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="on", access_log=False))

    def control() -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        conn.send({"port": port, "started": server.started})
        conn.recv()  # "stop"
        server.should_exit = True

    threading.Thread(target=control, daemon=True).start()
    server.run(sockets=[sock])
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker process, joined at shutdown
    conn.send(
        {
            "server_cpu_s": round(time.process_time(), 2),
            "worker_cpu_s": round(children.ru_utime + children.ru_stime, 2),
            "server_log_warnings": counter.count,
            "server_log_first": counter.first,
        }
    )
    conn.close()
    # Work still queued behind the acks (incidents, cards) is left in the inbound queue on purpose
    # (the worker process stops with the server): the benchmark is about the acknowledgement, and
    # waiting for the backlog would only lengthen the run.
    os._exit(0)


# ----- the load generator ------------------------------------------------------------------------------


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the successful requests, in ms."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Sequence:
    """Unique text and trigger_id per request, across both servers."""

    label: str
    n: int = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def _slash_body(seq: Sequence, response_url: str) -> str:
    n = seq.next()
    user = USERS[n % len(USERS)]
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0FAKE",
            "team_domain": "fake",
            "channel_id": CHANNEL,
            "channel_name": "ops",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/incident",
            "text": f'report P3 hotline "Bench title {seq.label}-{n}"',
            "api_app_id": "A0SQMS",
            "response_url": response_url,
            "trigger_id": f"{n}.{seq.label}.{time.monotonic_ns()}",
        }
    )


async def _phase(
    session: Any, url: str, seq: Sequence, response_url: str, *, seconds: float | None, total: int | None
) -> Phase:
    """Closed loop: CONCURRENCY workers, each sends its next request when the last one is answered.
    Ends after `seconds` of wall time, or after `total` requests (warm-up)."""
    import aiohttp

    phase = Phase()
    started = time.perf_counter()
    deadline = started + seconds if seconds is not None else math.inf
    budget = [min(total if total is not None else MAX_REQUESTS_PER_PHASE, MAX_REQUESTS_PER_PHASE)]

    async def worker() -> None:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            body = _slash_body(seq, response_url)
            t0 = time.perf_counter()
            try:
                async with session.post(url, data=body.encode(), headers=_signed(body)) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                phase.errors += 1
                key = type(error).__name__
                phase.statuses[key] = phase.statuses.get(key, 0) + 1
                continue
            elapsed_ms = (time.perf_counter() - t0) * 1000
            phase.statuses[str(status)] = phase.statuses.get(str(status), 0) + 1
            if status == 200:
                phase.latencies_ms.append(elapsed_ms)
            else:
                phase.errors += 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    phase.elapsed_s = time.perf_counter() - started
    return phase


async def _load(url: str, label: str, response_url: str, seconds: float, warmup: int) -> Phase:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=CONCURRENCY, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    seq = Sequence(label)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm = await _phase(session, url, seq, response_url, seconds=None, total=warmup)
        if warm.errors:
            print(f"  warm-up {label}: {warm.errors} errors {warm.statuses}", file=sys.stderr)
        return await _phase(session, url, seq, response_url, seconds=seconds, total=None)


# ----- orchestration -----------------------------------------------------------------------------------


def _incidents(db_path: Path) -> int | None:
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM incidents").fetchone()[0])
    except sqlite3.Error:
        return None


def _measure(
    ctx: Any, kind: str, slack: dict[str, str], db_path: Path, seconds: float, warmup: int
) -> tuple[Phase, dict[str, Any]]:
    parent, child = ctx.Pipe()
    process = ctx.Process(
        target=_server_process, args=(kind, child, slack, f"sqlite:///{db_path}"), name=f"bench-{kind}"
    )
    process.start()
    try:
        if not parent.poll(START_TIMEOUT_S * 2):
            raise RuntimeError(f"{kind} server did not start")
        ready = parent.recv()
        if not ready["started"]:
            raise RuntimeError(f"{kind} server did not start")
        url = f"http://127.0.0.1:{ready['port']}/slack/events"
        phase = asyncio.run(_load(url, kind, slack["response_url"], seconds, warmup))
        extra: dict[str, Any] = {}
        if kind == "ours":
            extra["incidents_at_end"] = _incidents(db_path)
        parent.send("stop")
        if parent.poll(30):
            extra.update(parent.recv())
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
    if kind == "ours":
        extra["incidents_after_stop"] = _incidents(db_path)
    return phase, extra


def _round(value: float, digits: int = 2) -> float | None:
    return None if math.isnan(value) else round(value, digits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ack", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 5 s per server instead of 20 s")
    args = parser.parse_args(argv)
    seconds = QUICK_SECONDS if args.quick else FULL_SECONDS
    warmup = QUICK_WARMUP if args.quick else FULL_WARMUP
    ctx = mp.get_context("spawn")
    started = time.perf_counter()

    from sqmsbot.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
        db_path = Path(tmp) / "sqmsbot.db"
        upgrade(f"sqlite:///{db_path}")
        slack_conn, slack_child = ctx.Pipe()
        slack_process = ctx.Process(target=_slack_process, args=(slack_child,), name="bench-slack")
        slack_process.start()
        try:
            if not slack_conn.poll(START_TIMEOUT_S):
                raise RuntimeError("fake Slack did not start")
            slack: dict[str, str] = slack_conn.recv()
            print(f"ack bench: {CONCURRENCY} connections, {seconds:g} s per server, {warmup} warm-up each")
            floor, floor_extra = _measure(ctx, "floor", slack, db_path, seconds, warmup)
            _report("floor (no-op Bolt)", floor)
            ours, extra = _measure(ctx, "ours", slack, db_path, seconds, warmup)
            _report("sqmsbot serve", ours)
            slack_conn.send("stop")
            if slack_conn.poll(30):
                extra.update(slack_conn.recv())
        finally:
            slack_process.join(timeout=15)
            if slack_process.is_alive():
                slack_process.terminate()
                slack_process.join(timeout=5)

    p50, p99 = ours.percentile(0.50), ours.percentile(0.99)
    floor_p50, floor_p99 = floor.percentile(0.50), floor.percentile(0.99)
    ratio = p99 / floor_p99 if floor_p99 > 0 else math.nan
    met_p99 = p99 <= TARGET_P99_MS
    met_ratio = ratio <= TARGET_RATIO
    print(f"p99 ratio ours/floor: {ratio:.2f} (target ≤ {TARGET_RATIO}; p99 target ≤ {TARGET_P99_MS:g} ms)")
    if extra.get("server_log_warnings"):
        print(f"server warnings/errors after the ack: {extra['server_log_warnings']}", file=sys.stderr)
        for line in extra.get("server_log_first", []):
            print(f"  {line}", file=sys.stderr)
    if floor_extra.get("server_log_warnings"):
        print(f"floor warnings/errors: {floor_extra['server_log_first']}", file=sys.stderr)
    result = {
        "bench": "ack",
        "p50_ms": _round(p50),
        "p99_ms": _round(p99),
        "max_ms": _round(max(ours.latencies_ms, default=math.nan)),
        "floor_p50_ms": _round(floor_p50),
        "floor_p99_ms": _round(floor_p99),
        "floor_max_ms": _round(max(floor.latencies_ms, default=math.nan)),
        "floor": _round(floor_p99),
        "ratio": _round(ratio, 3),
        "requests": ours.requests,
        "floor_requests": floor.requests,
        "rps": round(ours.requests / ours.elapsed_s, 1) if ours.elapsed_s else None,
        "floor_rps": round(floor.requests / floor.elapsed_s, 1) if floor.elapsed_s else None,
        "errors": ours.errors,
        "floor_errors": floor.errors,
        "concurrency": CONCURRENCY,
        "duration_s": seconds,
        "warmup_requests": warmup,
        "quick": args.quick,
        "incidents_at_end": extra.get("incidents_at_end"),
        "incidents_after_stop": extra.get("incidents_after_stop"),
        "cards_posted": extra.get("cards_posted"),
        "response_url_posts": extra.get("response_url_posts"),
        "server_log_warnings": extra.get("server_log_warnings"),
        "server_cpu_s": extra.get("server_cpu_s"),
        "worker_cpu_s": extra.get("worker_cpu_s"),
        "floor_server_cpu_s": floor_extra.get("server_cpu_s"),
        "cpus": os.cpu_count(),
        "target_p99_ms": TARGET_P99_MS,
        "target_ratio": TARGET_RATIO,
        "met_p99": met_p99,
        "met_ratio": met_ratio,
        "met": met_p99 and met_ratio,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))
    return 0 if ours.requests and floor.requests else 1


def _report(name: str, phase: Phase) -> None:
    rate = phase.requests / phase.elapsed_s if phase.elapsed_s else 0.0
    print(
        f"{name:<20} p50 {phase.percentile(0.50):7.2f} ms  p99 {phase.percentile(0.99):7.2f} ms  "
        f"max {max(phase.latencies_ms, default=math.nan):7.2f} ms  "
        f"{phase.requests} requests ({rate:.0f}/s), {phase.errors} errors  {phase.statuses}"
    )


if __name__ == "__main__":
    sys.exit(main())
