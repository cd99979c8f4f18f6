"""A TCP proxy a test steers, put between the code under test and PostgreSQL to break the network on cue.

One thread runs a selector loop over every connection; the test switches modes from its own thread,
and each switch has taken effect when the call returns::

    with TcpProxy() as proxy:
        engine = create_engine(proxy.url_for(database_url))
        proxy.pause()   # connections stay open, no byte moves either way (they are held, not lost)
        proxy.resume()  # what was held is delivered, as TCP does when a partition heals
        proxy.refuse()  # every connection closed, new ones refused (the server is down)
        proxy.hang()    # new connections accepted, nothing forwarded on any (the server froze)
        proxy.heal()    # normal forwarding for new and existing connections

While paused or hanging the proxy still reads what each side sends, up to a limit, and holds it:
``pending_bytes`` tells a test that a query was sent and is being held, so it can prove ordering
with events rather than sleeps. A side that hangs up while nothing is forwarded keeps its connection
until forwarding resumes, so the bytes it sent before hanging up still arrive then (a COMMIT whose
answer was lost is committed all the same: the ambiguity a real partition leaves).
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import threading
from collections import deque
from collections.abc import Callable
from typing import Literal, TypeVar

from sqlalchemy.engine import make_url

__all__ = ["TcpProxy"]

_CHUNK = 65536
_BUFFER_LIMIT = 1 << 20  # per direction and connection: past it the proxy stops reading that side
_CONTROL_TIMEOUT_S = 10.0  # safety deadline for the loop to carry out a switch
_Role = Literal["client", "upstream"]
T = TypeVar("T")


class _Pipe:
    """One proxied connection: the client's socket, ours to the target, and what is held each way."""

    def __init__(self, client: socket.socket) -> None:
        self.client = client
        self.upstream: socket.socket | None = None
        self.connected = False
        self.to_upstream = bytearray()
        self.to_client = bytearray()
        self.client_eof = False
        self.upstream_eof = False
        self.closed = False


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target_host:target_port``; use as a context manager."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self._port: int | None = None
        self._forwarding = True
        self._refusing = False
        self._stopping = False
        self._pipes: set[_Pipe] = set()
        self._interest: dict[socket.socket, int] = {}
        self._commands: deque[tuple[Callable[[], object], threading.Event, list[object]]] = deque()
        self._lock = threading.Lock()
        self._selector: selectors.BaseSelector | None = None
        self._listener: socket.socket | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # ----- lifecycle -------------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        """Bind ``127.0.0.1`` on an ephemeral port and start forwarding."""
        if self._thread is not None:
            raise RuntimeError("TcpProxy is already running")
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._forwarding, self._refusing, self._stopping = True, False, False
        self._listen(0)
        self._thread = threading.Thread(target=self._run, name=f"tcp-proxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection and the listener, and end the loop's thread (idempotent)."""
        thread = self._thread
        if thread is None:
            return
        if thread.is_alive():
            with contextlib.suppress(RuntimeError):
                self._control(self._do_stop)
        thread.join(timeout=_CONTROL_TIMEOUT_S)
        self._thread = None
        for sock in (self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        self._wake_r = self._wake_w = None

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the proxy listens on (kept across ``refuse()``/``heal()``)."""
        if self._port is None:
            raise RuntimeError("TcpProxy is not started")
        return self._port

    def url_for(self, database_url: str) -> str:
        """The same SQLAlchemy URL (driver, credentials, database, query) aimed at the proxy."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    # ----- what the test switches --------------------------------------------------------------------

    def pause(self) -> None:
        """Keep every connection open but move no byte either way; new connections are held the same."""
        self._control(lambda: self._set_forwarding(False))

    def resume(self) -> None:
        """End a pause (or a hang): deliver what was held and forward again; the same as ``heal()``."""
        self.heal()

    def hang(self) -> None:
        """Accept new connections but forward nothing on them, and hold the existing ones too."""
        self._control(lambda: self._set_forwarding(False))

    def refuse(self) -> None:
        """Close every connection and refuse new ones (the listener is closed: connection refused)."""
        self._control(self._do_refuse)

    def heal(self) -> None:
        """Back to normal forwarding for new and existing connections (listening again if refused)."""
        self._control(self._do_heal)

    @property
    def connections(self) -> int:
        """Connections the proxy holds open now (0 once stopped)."""
        if self._thread is None:
            return 0
        return self._control(lambda: len(self._pipes))

    @property
    def pending_bytes(self) -> int:
        """Bytes read from one side and not yet delivered to the other (held while paused or hanging)."""
        if self._thread is None:
            return 0
        return self._control(lambda: sum(len(p.to_upstream) + len(p.to_client) for p in self._pipes))

    # ----- the loop's thread -----------------------------------------------------------------------

    def _control(self, command: Callable[[], T]) -> T:
        """Run ``command`` on the loop's thread and return its result once it has run."""
        if self._thread is None or not self._thread.is_alive() or self._wake_w is None:
            raise RuntimeError("TcpProxy is not running")
        done = threading.Event()
        result: list[object] = []
        with self._lock:
            self._commands.append((command, done, result))
        self._wake_w.send(b"\0")
        if not done.wait(_CONTROL_TIMEOUT_S):
            raise RuntimeError("the proxy's loop did not answer")
        if isinstance(result[0], BaseException):
            raise result[0]
        return result[0]  # type: ignore[return-value]  # what `command` returned

    def _run(self) -> None:
        selector = self._selector
        assert selector is not None
        try:
            while not self._stopping:
                for key, mask in selector.select():
                    if key.data == "wake":
                        self._run_commands()
                    elif key.data == "listen":
                        if key.fileobj is self._listener:
                            self._accept()
                    else:
                        pipe, role = key.data
                        if not pipe.closed:
                            self._serve(pipe, role, mask)
        finally:
            for pipe in list(self._pipes):
                self._close(pipe)
            self._close_listener()
            self._run_commands()  # answer whatever arrived meanwhile instead of leaving callers waiting
            selector.close()

    def _run_commands(self) -> None:
        if self._wake_r is not None:
            with contextlib.suppress(BlockingIOError, OSError):
                while self._wake_r.recv(4096):
                    pass
        while True:
            with self._lock:
                if not self._commands:
                    return
                command, done, result = self._commands.popleft()
            try:
                result.append(command())
            except Exception as exc:  # handed to the caller's thread
                result.append(exc)
            done.set()

    def _listen(self, port: int) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(512)
        listener.setblocking(False)
        self._port = listener.getsockname()[1]
        self._listener = listener
        assert self._selector is not None
        self._selector.register(listener, selectors.EVENT_READ, "listen")

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            assert self._selector is not None
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(listener)
            listener.close()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            client.setblocking(False)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pipe = _Pipe(client)
            self._pipes.add(pipe)
            if self._forwarding:
                self._connect(pipe)
            self._update(pipe)

    def _connect(self, pipe: _Pipe) -> None:
        """Open the connection to the target without blocking the loop."""
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        upstream.setblocking(False)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code = upstream.connect_ex((self.target_host, self.target_port))
        pipe.upstream = upstream
        if code == 0:
            pipe.connected = True
        elif code not in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            self._close(pipe)  # the client sees its connection closed: the target is not there

    def _serve(self, pipe: _Pipe, role: _Role, mask: int) -> None:
        try:
            if role == "client":
                self._serve_client(pipe, mask)
            else:
                self._serve_upstream(pipe, mask)
        except OSError:
            self._close(pipe)
            return
        if not pipe.closed:
            self._settle(pipe)

    def _serve_client(self, pipe: _Pipe, mask: int) -> None:
        if mask & selectors.EVENT_READ:
            data = self._receive(pipe.client)
            if data:
                pipe.to_upstream += data
            elif data is not None:
                pipe.client_eof = True
        if mask & selectors.EVENT_WRITE and pipe.to_client:
            sent = pipe.client.send(pipe.to_client)
            del pipe.to_client[:sent]

    def _serve_upstream(self, pipe: _Pipe, mask: int) -> None:
        upstream = pipe.upstream
        assert upstream is not None
        if not pipe.connected:
            if mask & selectors.EVENT_WRITE:
                error = upstream.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    raise OSError(error, "cannot reach the target")
                pipe.connected = True
            return
        if mask & selectors.EVENT_READ:
            data = self._receive(upstream)
            if data:
                pipe.to_client += data
            elif data is not None:
                pipe.upstream_eof = True
        if mask & selectors.EVENT_WRITE and pipe.to_upstream:
            sent = upstream.send(pipe.to_upstream)
            del pipe.to_upstream[:sent]

    @staticmethod
    def _receive(sock: socket.socket) -> bytes | None:
        """Bytes from a readable socket; ``b""`` when the peer hung up (a reset counts as hanging up),
        None when there is nothing after all."""
        try:
            return sock.recv(_CHUNK)
        except (BlockingIOError, InterruptedError):
            return None
        except ConnectionResetError:
            return b""

    def _settle(self, pipe: _Pipe) -> None:
        """Close a connection one side has left once what it sent is delivered; else update interest."""
        if self._forwarding:
            if pipe.client_eof and not pipe.to_upstream:
                self._close(pipe)
                return
            if pipe.upstream_eof and not pipe.to_client:
                self._close(pipe)
                return
        self._update(pipe)

    def _update(self, pipe: _Pipe) -> None:
        """Watch each socket for what it can do now: read while there is room, write what is due."""
        read, write = selectors.EVENT_READ, selectors.EVENT_WRITE
        client = 0
        if not pipe.client_eof and len(pipe.to_upstream) < _BUFFER_LIMIT:
            client |= read
        if self._forwarding and pipe.to_client:
            client |= write
        self._watch(pipe.client, client, (pipe, "client"))
        if pipe.upstream is not None:
            upstream = 0
            if not pipe.connected:
                upstream = write
            else:
                if not pipe.upstream_eof and len(pipe.to_client) < _BUFFER_LIMIT:
                    upstream |= read
                if self._forwarding and pipe.to_upstream:
                    upstream |= write
            self._watch(pipe.upstream, upstream, (pipe, "upstream"))

    def _watch(self, sock: socket.socket, events: int, data: tuple[_Pipe, _Role]) -> None:
        assert self._selector is not None
        current = self._interest.get(sock, 0)
        if events == current:
            return
        if events == 0:
            self._selector.unregister(sock)
            del self._interest[sock]
        elif current == 0:
            self._selector.register(sock, events, data)
            self._interest[sock] = events
        else:
            self._selector.modify(sock, events, data)
            self._interest[sock] = events

    def _close(self, pipe: _Pipe) -> None:
        if pipe.closed:
            return
        pipe.closed = True
        self._pipes.discard(pipe)
        for sock in (pipe.client, pipe.upstream):
            if sock is None:
                continue
            if self._interest.pop(sock, 0):
                assert self._selector is not None
                with contextlib.suppress(KeyError, ValueError):
                    self._selector.unregister(sock)
            sock.close()

    # ----- switches, run on the loop's thread ------------------------------------------------------

    def _set_forwarding(self, forwarding: bool) -> None:
        self._forwarding = forwarding
        for pipe in list(self._pipes):
            if forwarding and pipe.upstream is None:
                self._connect(pipe)
            if not pipe.closed:
                self._settle(pipe)

    def _do_refuse(self) -> None:
        self._refusing = True
        for pipe in list(self._pipes):
            self._close(pipe)
        self._close_listener()

    def _do_heal(self) -> None:
        if self._refusing:
            self._listen(self.port)
            self._refusing = False
        self._set_forwarding(True)

    def _do_stop(self) -> None:
        self._stopping = True
