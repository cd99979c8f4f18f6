"""A local fake of Slack's Web API that the real ``slack_sdk.WebClient`` talks to over HTTP.

Why a server and not a mocked client: the adapter's real behaviour (JSON vs form bodies, retries on
429/500, the three-step ``files_upload_v2`` flow, the ``Authorization`` header) lives in the SDK, and
only a real HTTP round trip exercises it.  Every call is checked against Slack's published spec
(see ``slack_spec``) and recorded, so a test can assert both what the bot did and that Slack would
have accepted it::

    with FakeSlack() as slack:
        client = WebClient(token=slack.token, base_url=slack.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert slack.messages("C1")[0]["text"] == "hi"
        assert slack.violations == []
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .slack_common import Call, SlackError, Violation
from .slack_http import parse_body, upload_content
from .slack_spec import SlackSpec, load_spec
from .slack_state import SlackWorkspace
from .slack_views_files import Upload

__all__ = ["DEFAULT_TOKEN", "Call", "FakeSlack", "Upload", "Violation"]

DEFAULT_TOKEN = "xoxb-fake-sqmsbot-token"

JSON_STRING_PARAMS = frozenset({"blocks", "attachments", "view", "files", "metadata", "outputs"})
"""Arguments Slack takes as JSON text inside a form body; recorded decoded so tests compare structures."""


FAULTS = frozenset(
    {"slow", "ratelimit", "server_error", "accept_then_timeout", "reset_before", "reset_after"}
)
"""What ``FakeSlack.inject`` can do to a call (see there)."""


@dataclass(frozen=True)
class _Failure:
    """An HTTP answer in place of the call's own (``fail_next``, ``inject`` ratelimit/server_error)."""

    status: int
    error: str
    retry_after: int


@dataclass(frozen=True)
class _Fault:
    """A connection-level fault: ``slow``, ``accept_then_timeout``, ``reset_before``, ``reset_after``."""

    kind: str
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging: pytest output should show test failures, not traffic."""

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.server.fake
        if url.path.startswith("/upload/"):
            content = upload_content(self.headers.get("Content-Type", ""), body)
            status, text = fake._receive_upload(url.path.removeprefix("/upload/"), content)
            self._reply(status, text.encode(), "text/plain; charset=utf-8", {})
        elif url.path.startswith("/api/"):
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            call, is_json = fake._new_call(url.path.removeprefix("/api/"), self.command, headers, query, body)
            extra, fault = fake._answer(call, is_json)
            if fault is None or fault.kind == "slow":
                payload = json.dumps(call.response).encode()
                self._reply(call.status, payload, "application/json; charset=utf-8", extra)
            elif fault.kind == "accept_then_timeout":
                fake._hold(fault.delay)  # then the connection closes with no response written
                self.close_connection = True
            else:  # reset_before (nothing was served) or reset_after (it was)
                self._reset()
        else:
            self._reply(404, b"not found", "text/plain", {})

    def _reset(self) -> None:
        """Abort the connection: with SO_LINGER 0 the close sends RST instead of FIN."""
        self.close_connection = True
        self.rfile.close()  # the last reference to the socket's file, so close() is the real close
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _reply(self, status: int, payload: bytes, content_type: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class FakeSlack:
    """A fake Slack workspace served on ``127.0.0.1`` on an ephemeral port; use as a context manager."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        spec_path: str | os.PathLike[str] | None = None,
        team_id: str = "T0FAKE",
        team: str = "Fake",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
    ) -> None:
        self.token = token
        self.spec: SlackSpec = load_spec(spec_path)
        self.workspace = SlackWorkspace(team_id=team_id, team=team, bot_user_id=bot_user_id, bot_id=bot_id)
        self.calls: list[Call] = []
        self.violations: list[Violation] = []
        self._failures: dict[str, deque[_Failure | _Fault]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ----- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind an ephemeral port and serve from a daemon thread."""
        self._stopping.clear()
        self._server = _Server(self)
        self.workspace.file_store.upload_base = f"{self.base_url}/upload/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (connections held by a fault are let go at once)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The value for ``WebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    @property
    def spec_loaded(self) -> bool:
        """False when the spec file is absent: calls are then accepted without checks."""
        return self.spec.loaded

    # ----- what tests inspect ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method, oldest first (failed and injected ones included)."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def assert_no_violations(self) -> None:
        """Fail with a readable list of every call Slack would have refused."""
        assert not self.violations, "Slack would refuse: " + "; ".join(
            f"{v.method}: {v.reason}" for v in self.violations
        )

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages of a channel (or of the DM with a user id), oldest first."""
        return self.workspace.history(self.workspace.resolve_channel(channel))

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """A thread's parent (if known) and replies, oldest first."""
        return self.workspace.thread(self.workspace.resolve_channel(channel), thread_ts)

    @property
    def uploads(self) -> list[Upload]:
        """Every file upload started, in order; ``completed`` ones were shared via completeUploadExternal."""
        with self.workspace.lock:
            return list(self.workspace.file_store.uploads.values())

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Ephemeral messages posted (they never appear in channel history, as on Slack)."""
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.ephemerals)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Modals and home tabs by view id, as last opened/updated/published."""
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.view_store.views)

    # ----- what tests arrange ----------------------------------------------------------------------

    def add_user(self, user_id: str, **profile: Any) -> dict[str, Any]:
        """Register a user for ``users.info`` (name, real_name, tz, locale, email, is_bot)."""
        return self.workspace.add_user(user_id, **profile)

    def add_message(self, channel: str, text: str, *, user: str, thread_ts: str | None = None) -> str:
        """Seed a message from a person, e.g. the one the bot will reply to in a thread; returns its ts."""
        return self.workspace.add_message(channel, text, user=user, thread_ts=thread_ts)

    def dm_channel(self, user_id: str) -> str:
        """The DM channel id ``conversations.open`` hands out for a user."""
        return self.workspace.dm_channel(user_id)

    def expire_trigger(self, trigger_id: str) -> None:
        """Make ``views.open``/``views.push`` with this trigger answer ``expired_trigger_id``."""
        with self.workspace.lock:
            self.workspace.view_store.expired_triggers.add(trigger_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with a failure instead of serving them.

        ``status=429`` sends ``Retry-After`` and ``ratelimited``; ``status=500`` an HTTP 500;
        ``error="channel_not_found"`` (status 200) a plain ``ok: false`` answer.
        """
        if status == 200 and error is None:
            raise ValueError("fail_next needs a non-200 status or an error code")
        default = "ratelimited" if status == 429 else "fatal_error"
        self._enqueue(method, _Failure(status, error or default, retry_after), times)

    def inject(
        self, method: str, fault: str, *, times: int = 1, delay: float = 0.0, retry_after: int = 1
    ) -> None:
        """Make the next ``times`` valid calls of ``method`` meet ``fault`` (queued with ``fail_next``'s,
        in the order arranged; a call refused for its token or its arguments never reaches a fault):

        - ``"slow"``: wait ``delay`` seconds, then serve the call normally.
        - ``"ratelimit"``: HTTP 429, ``Retry-After: retry_after``, ``ratelimited`` (as ``fail_next``).
        - ``"server_error"``: HTTP 500, ``fatal_error``; nothing is served.
        - ``"accept_then_timeout"``: serve the call (a post is posted), hold the connection ``delay``
          seconds without answering, then close it: a client with a shorter timeout sees a timeout
          although Slack did what it asked.
        - ``"reset_before"``: read the request, serve nothing, reset the connection (RST).
        - ``"reset_after"``: serve the call, then reset the connection without an answer.

        Every such call is recorded in ``calls`` with ``injected`` set; ``status``/``response`` say what
        Slack did (200 and the answer it would have sent when it served the call, even if the client
        never read it; ``status`` 0 and no response for ``reset_before``), and the workspace's state
        (``messages``...) holds the effect exactly when the call was served.
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(sorted(FAULTS))}")
        entry: _Failure | _Fault
        if fault == "ratelimit":
            entry = _Failure(429, "ratelimited", retry_after)
        elif fault == "server_error":
            entry = _Failure(500, "fatal_error", retry_after)
        else:
            entry = _Fault(fault, delay)
        self._enqueue(method, entry, times)

    def _enqueue(self, method: str, entry: _Failure | _Fault, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._failures.setdefault(method, deque()).extend([entry] * times)

    # ----- request handling (server threads) -------------------------------------------------------

    def _new_call(
        self, method: str, verb: str, headers: dict[str, str], query: dict[str, str], body: bytes
    ) -> tuple[Call, bool]:
        params: dict[str, Any] = dict(query)
        body_params, is_json = parse_body(headers.get("content-type", ""), body)
        params.update(body_params)
        for key in JSON_STRING_PARAMS & params.keys():
            if isinstance(params[key], str) and params[key][:1] in {"[", "{"}:
                with contextlib.suppress(ValueError):  # left as sent; the handler rejects it
                    params[key] = json.loads(params[key])
        return Call(method, params, headers, verb), is_json

    def _answer(self, call: Call, is_json: bool) -> tuple[dict[str, str], _Fault | None]:
        """Fill ``call.status``/``call.response``, record the call; return extra response headers and
        the connection-level fault the handler must apply, if any."""
        extra: dict[str, str] = {}
        fault: _Fault | None = None
        try:
            failure = self._check(call, is_json)
            if failure is not None:
                call.injected = True
            if isinstance(failure, _Fault):
                fault = failure
                if fault.kind == "reset_before":
                    call.status = 0
                    self._record(call)
                    return extra, fault
                if fault.kind == "slow":
                    self._hold(fault.delay)
            elif failure is not None:
                call.status = failure.status
                if failure.status == 429:
                    extra["Retry-After"] = str(failure.retry_after)
                raise SlackError(failure.error)
            handler = self.workspace.handlers.get(call.method)
            call.response = {"ok": True, **(handler(call.params) if handler else {})}
        except SlackError as exc:
            call.response = {"ok": False, "error": exc.error}
        except Exception as exc:  # a bug in the fake must fail the test, not hang the client in retries
            call.status, call.response = 500, {"ok": False, "error": "fake_slack_crashed"}
            call.violation = f"the fake itself failed: {exc!r}"
        self._record(call)
        return extra, fault

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            if call.violation:
                self.violations.append(Violation(call.method, call.violation, call.params))

    def _hold(self, seconds: float) -> None:
        """Wait as a slow Slack would; cut short when the fake stops so ``stop()`` never waits on it."""
        self._stopping.wait(seconds)

    def _check(self, call: Call, is_json: bool) -> _Failure | _Fault | None:
        """Refuse what Slack would refuse, then apply any injected failure."""
        spec = self.spec.lookup(call.method)
        if spec is None:
            call.violation = f"unknown method {call.method!r} (not in {self.spec.source})"
            raise SlackError("unknown_method")
        token = call.headers.get("authorization", "").removeprefix("Bearer ").strip()
        token = token or str(call.params.pop("token", "") or "")
        if spec.needs_auth and not token:
            raise SlackError("not_authed")
        if spec.needs_auth and token != self.token:
            raise SlackError("invalid_auth")
        if is_json and not spec.accepts_json:
            call.violation = f"{call.method} does not accept JSON bodies; Slack would ignore the arguments"
            raise SlackError("invalid_arguments")
        missing = sorted(p for p in spec.required if call.params.get(p) is None or call.params.get(p) == "")
        if missing:
            call.violation = f"missing required argument(s): {', '.join(missing)}"
            raise SlackError("invalid_arguments")
        with self._lock:
            queue = self._failures.get(call.method)
            return queue.popleft() if queue else None

    def _receive_upload(self, file_id: str, content: bytes) -> tuple[int, str]:
        """The upload URL handed out by ``files.getUploadURLExternal``: store the bytes."""
        upload = self.workspace.file_store.receive(file_id, content)
        reason = None
        if upload is None:
            reason = f"bytes sent to {file_id}, for which no upload URL is open"
        elif upload.length != len(content):
            reason = f"{file_id}: declared length {upload.length}, uploaded {len(content)} bytes"
        if reason:
            with self._lock:
                self.violations.append(Violation("(upload)", reason, {}))
        return (404, "not found") if upload is None else (200, f"OK - {len(content)}")
