"""A real ``sqmsbot serve`` in a process of its own, for scenarios that kill, starve or measure it.

The server is started the way an operator starts it (the console script's ``main`` with ``serve``),
configured only through its environment, with its output in a log file that a failing test shows::

    with ServeProcess(database_url=url, slack_api_url=slack.api_url, token=slack.token,
                      signing_secret=SECRET) as server:
        server.wait_ready()
        status, body, seconds = signed(server.url, form, "application/x-www-form-urlencoded", SECRET)
        os.kill(server.worker_pids()[0], signal.SIGKILL)  # the worker process, not the server

Leaving the block always stops the server and every process it started (it runs in a session of
its own, so its process group is exactly the server and its children).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

__all__ = ["ServeProcess", "signed"]

READY_DEADLINE_S = 60.0
"""Safety deadline for start-up (imports, migrations, the worker process); not a measurement."""
STOP_GRACE_S = 30.0
"""How long ``stop()`` lets SIGTERM work (uvicorn drains, the worker process stops) before SIGKILL."""
_ENTRY = "import sys; from sqmsbot.cli import main; sys.argv[0] = 'sqmsbot'; main()"
"""``sqmsbot`` has no ``__main__`` module, so the console script's entry point is called directly."""
_INHERITED_PREFIXES = ("SQMS_", "SLACK_", "LARK_")
"""The test process's own settings never leak into the server: it gets exactly the ones given."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    """``python -c 'sqmsbot.cli.main()' serve --host 127.0.0.1 --port <free>``; a context manager."""

    def __init__(
        self,
        database_url: str,
        slack_api_url: str,
        token: str,
        signing_secret: str,
        env: dict[str, str] | None = None,
        org_file: Path | None = None,
    ) -> None:
        self.database_url = database_url
        self.slack_api_url = slack_api_url
        self.token = token
        self.signing_secret = signing_secret
        self.extra_env = dict(env or {})
        self.org_file = org_file
        self.port = _free_port()
        self.workdir = Path(tempfile.gettempdir())  # a fresh dir of its own from start() on
        self.log_path = self.workdir / "sqmsbot-serve-not-started.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._final_log: str | None = None

    # ----- lifecycle -------------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        """The server's environment: this one without its SQMS_/SLACK_/LARK_ variables, plus ours."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_PREFIXES)}
        env.update(
            SLACK_BOT_TOKEN=self.token,
            SLACK_SIGNING_SECRET=self.signing_secret,
            SQMS_SLACK_API_URL=self.slack_api_url,
            SQMS_DATABASE_URL=self.database_url,
            SQMS_LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        if self.org_file is not None:
            env["SQMS_CONFIG"] = str(Path(self.org_file).resolve())
        env.update(self.extra_env)
        return env

    def start(self) -> ServeProcess:
        """Start the server (in its own session, working directory a fresh temp dir); see ``wait_ready``."""
        if self._process is not None:
            raise RuntimeError("the server is already started")
        command = [sys.executable, "-c", _ENTRY, "serve", "--port", str(self.port), "--host", "127.0.0.1"]
        self.workdir = Path(tempfile.mkdtemp(prefix="sqmsbot-serve-"))
        self.log_path = self.workdir / "serve.log"
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def stop(self) -> int | None:
        """SIGTERM the server, wait up to ``STOP_GRACE_S``, then SIGKILL it; kill whatever it left
        running; the log stays readable (``log_text``), the temp dir goes. Returns the exit code:
        ``-15`` after a graceful SIGTERM (uvicorn re-raises the signal it caught). Idempotent."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait(timeout=STOP_GRACE_S)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # its group: children it left behind, if any
        if self._final_log is None:
            self._final_log = self.log_text()
            shutil.rmtree(self.workdir, ignore_errors=True)
        return process.returncode

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----- what tests look at ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self._started().pid

    @property
    def returncode(self) -> int | None:
        """None while the server runs; its exit code once it has ended."""
        return self._started().poll()

    def wait_ready(self) -> None:
        """Poll GET /healthz until the server answers at all (any status); fail with the log's tail
        if it exits first or does not answer within ``READY_DEADLINE_S``."""
        process = self._started()
        deadline = time.monotonic() + READY_DEADLINE_S
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"sqmsbot serve exited with {process.returncode} before it was ready:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answered: whether it feels healthy is for the test to judge
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"sqmsbot serve did not answer /healthz in {READY_DEADLINE_S:g} s:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def child_pids(self) -> list[int]:
        """Every child of the server process, multiprocessing's resource tracker included."""
        children: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                children += [int(pid) for pid in (task / "children").read_text().split()]
        return sorted(set(children))

    def worker_pids(self) -> list[int]:
        """The server's worker processes: its children that multiprocessing spawned to run work
        (not its resource tracker, which a scenario killing "the worker" must not hit)."""
        workers = []
        for pid in self.child_pids():
            with contextlib.suppress(OSError):
                if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                    workers.append(pid)
        return workers

    def rss_bytes(self) -> int:
        """Resident memory of the server process (``VmRSS``), in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {self.pid} (has it exited?)")

    def log_text(self) -> str:
        """Everything the server wrote to stdout and stderr so far (kept after ``stop()``)."""
        if self._final_log is not None:
            return self._final_log
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("the server is not started; use ServeProcess as a context manager")
        return self._process


def signed(
    url: str,
    body: str,
    content_type: str,
    secret: str,
    *,
    timestamp: int | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes, float]:
    """POST ``body`` to ``<url>/slack/events`` signed as Slack signs it (v0 HMAC-SHA256 of
    ``v0:timestamp:body``, via slack_sdk's own SignatureVerifier); returns the HTTP status, the body
    and the seconds the answer took. A timeout or a dropped connection raises, as it would for Slack."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": str(SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)),
    }
    request = urllib.request.Request(url + "/slack/events", body.encode(), headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.perf_counter() - started
