"""What one unsigned 100 MB POST costs `sqmsbot serve`: memory, log and the answer (issue 9).

Run from the repository root::

    .venv/bin/python -m bench.hostile_body [--quick]

A real `sqmsbot serve` runs as a subprocess on 127.0.0.1 (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
SQMS_SLACK_API_URL pointing at the fake Slack Web API from ``tests/fakes`` that this process runs,
SQMS_DATABASE_URL a temporary SQLite file that serve migrates), its standard output and error going
to a file: the log. The server process's RSS is read from /proc/<pid>/status (VmRSS; VmHWM is the
peak).

**Floor**: the server's RSS after one normal signed slash command (`/incident help`), measured first
in the same run. Then an unsigned POST of 100 MB, streamed from a generator (never held in memory
here) with its Content-Length, and — unless ``--quick`` — the same 100 MB again without a length
(chunked). The client stops sending as soon as the server answers. Printed per POST: the status,
the bytes the client got to send, the server's RSS before and after, its peak while the POST was
handled (VmHWM, reset before each POST), and the bytes of log written; the last line is one JSON
object with `floor` (MB) and `ratio` (peak RSS during the Content-Length POST / floor). Before the
edge (issue 9) the answer was 401 after reading it all: a peak of ≈ 770 MB, 100 MB of log.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

SECRET = "bench-hostile-signing-secret-2b7e"
BODY_BYTES = 100_000_000
CHUNK = 64 * 1024
START_TIMEOUT_S = 60.0
SETTLE_S = 1.0  # after an answer, before RSS is read: let the server finish with the request


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of `pid` in kB."""
    figures: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            figures[key] = int(value.split()[0])
    return figures


def _reset_peak(pid: int) -> None:
    """Start VmHWM again from the current RSS (Linux: `5` to /proc/<pid>/clear_refs), so each POST's
    peak is its own; where that is not allowed the peak is the process's since it started."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def _signed_slash(port: int, text: str) -> int:
    body = urlencode(
        {
            "team_id": "T0FAKE",
            "channel_id": "C0000000OPS",
            "user_id": "U0BENCH",
            "user_name": "bench",
            "command": "/incident",
            "text": text,
            "trigger_id": f"bench.{time.monotonic_ns()}",
        }
    ).encode()
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": f"v0={digest}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def _filler(total: int, *, chunked: bool) -> Iterator[bytes]:
    """`total` bytes of form-looking filler, a chunk at a time (chunked framing if asked)."""
    piece = b"text=" + b"x" * (CHUNK - 5)
    sent = 0
    while sent < total:
        data = piece[: min(CHUNK, total - sent)]
        sent += len(data)
        yield f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data
    if chunked:
        yield b"0\r\n\r\n"


def _hostile_post(port: int, *, chunked: bool) -> tuple[int | None, int, float]:
    """An unsigned POST of BODY_BYTES; the status (None if the server hung up without one), the
    body bytes sent, and the seconds until the answer."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY_BYTES}"
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0=forged\r\n"
        f"{framing}\r\n\r\n"
    )
    sent = 0
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(head.encode())
        for data in _filler(BODY_BYTES, chunked=chunked):
            if select.select([sock], [], [], 0)[0]:
                break  # answered: an attacker's client may go on, ours need not
            try:
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(data)
        answer = b""
        try:
            while b"\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except ConnectionResetError:
            pass
    elapsed = time.perf_counter() - started
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None
    return status, sent, elapsed


def _serve(slack: Any, tmp: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("sqmsbot")
    fallback = [sys.executable, "-c", "from sqmsbot.cli import main; main()"]
    command = [str(script)] if script.exists() else fallback
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_SIGNING_SECRET=SECRET,
        SQMS_SLACK_API_URL=slack.api_url,
        SQMS_DATABASE_URL=f"sqlite:///{tmp / 'sqmsbot.db'}",
        SQMS_LOG_LEVEL="INFO",
    )
    log = log_path.open("wb")
    return subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sqmsbot serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("sqmsbot serve did not answer /healthz in time")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hostile_body", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="the Content-Length POST only")
    args = parser.parse_args(argv)

    from tests.fakes.slack_api import FakeSlack

    started = time.perf_counter()
    result: dict[str, Any] = {"bench": "hostile_body", "body_bytes": BODY_BYTES, "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp_name, FakeSlack() as slack:
        tmp = Path(tmp_name)
        slack.add_user("U0BENCH", name="bench", locale="en-US")
        port = _free_port()
        log_path = tmp / "serve.log"
        process = _serve(slack, tmp, port, log_path)
        try:
            _wait_healthy(port, process)
            assert _signed_slash(port, "help") == 200
            time.sleep(SETTLE_S)
            floor = _status(process.pid)["VmRSS"]
            print(f"hostile_body bench: sqmsbot serve pid {process.pid} on port {port}")
            print(f"floor: RSS after one signed /incident help: {_mb(floor)} MB")
            result["floor"] = _mb(floor)
            kinds = ["content_length"] if args.quick else ["content_length", "chunked"]
            for kind in kinds:
                _reset_peak(process.pid)
                before = _status(process.pid)
                log_before = log_path.stat().st_size
                status, sent, elapsed = _hostile_post(port, chunked=kind == "chunked")
                time.sleep(SETTLE_S)
                after = _status(process.pid)
                log_bytes = log_path.stat().st_size - log_before
                print(
                    f"{kind:<15} unsigned 100 MB POST: status {status}, {sent:,} bytes sent in "
                    f"{elapsed:.2f} s; RSS {_mb(before['VmRSS'])} → {_mb(after['VmRSS'])} MB "
                    f"(peak {_mb(after['VmHWM'])} MB); log +{log_bytes:,} bytes"
                )
                result.update(
                    {
                        f"{kind}_status": status,
                        f"{kind}_sent_bytes": sent,
                        f"{kind}_seconds": round(elapsed, 3),
                        f"{kind}_rss_before_mb": _mb(before["VmRSS"]),
                        f"{kind}_rss_after_mb": _mb(after["VmRSS"]),
                        f"{kind}_peak_rss_mb": _mb(after["VmHWM"]),
                        f"{kind}_log_bytes": log_bytes,
                    }
                )
            healthy = _signed_slash(port, "help") == 200
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    result["ratio"] = round(result["content_length_peak_rss_mb"] / result["floor"], 3)
    result["still_answers_signed_requests"] = healthy
    result["wall_s"] = round(time.perf_counter() - started, 1)
    print(f"ratio: peak RSS during the 100 MB POST / floor: {result['ratio']:.3f}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
