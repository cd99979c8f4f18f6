"""The TCP proxy the fault scenarios stand on: it forwards, and each switch does what it says, first
on raw sockets to an echo server (no database needed), then with psycopg to the local PostgreSQL."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

from tests.platforms.slack.harness import wait_for
from tests.reliability.tcp_proxy import TcpProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


@pytest.fixture
def echo_proxy() -> Iterator[TcpProxy]:
    """A proxy in front of a local echo server."""
    server = _EchoServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        with TcpProxy("127.0.0.1", server.server_address[1]) as proxy:
            yield proxy
    finally:
        server.shutdown()
        server.server_close()


def dial(proxy: TcpProxy) -> socket.socket:
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=10)


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "the proxy closed the connection"
        data += chunk
    return data


def pg_params(url: str, **extra: Any) -> dict[str, Any]:
    """psycopg's connection arguments for a SQLAlchemy URL."""
    parsed = make_url(url)
    params = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "dbname": parsed.database}
    if parsed.password:
        params["password"] = parsed.password
    return {**params, **extra}


# ----- raw sockets ----------------------------------------------------------------------------------


def test_url_for_aims_the_same_url_at_the_proxy() -> None:
    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = proxy.url_for("postgresql+psycopg://app:s3cret@db.internal:6543/sqms?options=-csearch_path%3Dx")

        parsed = make_url(url)
        assert (parsed.host, parsed.port) == ("127.0.0.1", proxy.port)
        assert (parsed.username, parsed.password) == ("app", "s3cret")
        assert parsed.drivername == "postgresql+psycopg"
        assert parsed.database == "sqms" and parsed.query == {"options": "-csearch_path=x"}


def test_many_connections_are_forwarded_at_once(echo_proxy: TcpProxy) -> None:
    sockets = [dial(echo_proxy) for _ in range(60)]
    try:
        for n, sock in enumerate(sockets):
            sock.sendall(f"ping {n:03d}".encode())
        answers = [read_exactly(sock, 8).decode() for sock in sockets]

        assert answers == [f"ping {n:03d}" for n in range(60)]
        assert echo_proxy.connections == 60
    finally:
        for sock in sockets:
            sock.close()
    wait_for(lambda: echo_proxy.connections == 0)


def test_pause_holds_bytes_both_ways_and_resume_delivers_them(echo_proxy: TcpProxy) -> None:
    with dial(echo_proxy) as sock:
        sock.sendall(b"before")
        assert read_exactly(sock, 6) == b"before"

        echo_proxy.pause()
        sock.sendall(b"held")
        wait_for(lambda: echo_proxy.pending_bytes == 4)
        with dial(echo_proxy) as late:  # a connection made while paused is held too
            late.sendall(b"late")
            wait_for(lambda: echo_proxy.pending_bytes == 8)
            echo_proxy.resume()

            assert read_exactly(sock, 4) == b"held"
            assert read_exactly(late, 4) == b"late"
        assert echo_proxy.pending_bytes == 0


def test_refuse_closes_connections_and_refuses_new_ones_until_heal(echo_proxy: TcpProxy) -> None:
    sock = dial(echo_proxy)
    port = echo_proxy.port

    echo_proxy.refuse()

    assert sock.recv(16) == b""  # closed by the proxy
    sock.close()
    assert echo_proxy.connections == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
    echo_proxy.heal()
    with dial(echo_proxy) as again:
        again.sendall(b"back")
        assert read_exactly(again, 4) == b"back"
    assert echo_proxy.port == port


def test_hang_accepts_but_forwards_nothing_until_heal(echo_proxy: TcpProxy) -> None:
    echo_proxy.hang()

    with dial(echo_proxy) as sock:
        sock.sendall(b"anyone?")
        wait_for(lambda: echo_proxy.pending_bytes == 7)
        assert echo_proxy.connections == 1
        echo_proxy.heal()
        assert read_exactly(sock, 7) == b"anyone?"


def test_stop_closes_everything_and_leaves_no_thread(echo_proxy: TcpProxy) -> None:
    sock = dial(echo_proxy)
    name = f"tcp-proxy-{echo_proxy.port}"
    assert name in {t.name for t in threading.enumerate()}

    echo_proxy.stop()

    assert sock.recv(16) == b""
    sock.close()
    assert name not in {t.name for t in threading.enumerate()}
    assert echo_proxy.connections == 0
    echo_proxy.stop()  # idempotent (the fixture stops it again)


# ----- psycopg and PostgreSQL -----------------------------------------------------------------------


def test_a_query_goes_through_the_proxy(pg_proxy: TcpProxy, pg_url: str) -> None:
    with psycopg.connect(**pg_params(pg_proxy.url_for(pg_url))) as conn:
        assert conn.execute("SELECT inet_server_port()").fetchone() == (make_url(pg_url).port or 5432,)
        assert pg_proxy.connections == 1
    wait_for(lambda: pg_proxy.connections == 0)


def test_pause_holds_a_query_until_resume(pg_proxy: TcpProxy, pg_url: str) -> None:
    with psycopg.connect(**pg_params(pg_proxy.url_for(pg_url)), autocommit=True) as conn:
        conn.execute("SELECT 1")
        order: list[str] = []
        failures: list[BaseException] = []

        def query() -> None:
            try:
                assert conn.execute("SELECT 2").fetchone() == (2,)
                order.append("query finished")
            except BaseException as exc:
                failures.append(exc)

        pg_proxy.pause()
        worker = threading.Thread(target=query)
        worker.start()
        wait_for(lambda: pg_proxy.pending_bytes > 0)  # sent, and held by the proxy: no answer can come
        order.append("resumed")
        pg_proxy.resume()
        worker.join(timeout=30)

        assert failures == []
        assert order == ["resumed", "query finished"]


def test_refuse_fails_connections_with_operational_error(pg_proxy: TcpProxy, pg_url: str) -> None:
    params = pg_params(pg_proxy.url_for(pg_url), connect_timeout=5)
    with psycopg.connect(**params, autocommit=True) as conn:
        pg_proxy.refuse()

        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(**params)
    pg_proxy.heal()
    with psycopg.connect(**params) as conn:
        assert conn.execute("SELECT 3").fetchone() == (3,)


def test_hang_makes_a_connect_time_out(pg_proxy: TcpProxy, pg_url: str) -> None:
    params = pg_params(pg_proxy.url_for(pg_url))
    pg_proxy.hang()

    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(**params, connect_timeout=1)
    pg_proxy.heal()
    with psycopg.connect(**params, connect_timeout=5) as conn:
        assert conn.execute("SELECT 4").fetchone() == (4,)


def test_many_psycopg_connections_at_once(pg_proxy: TcpProxy, pg_url: str) -> None:
    params = pg_params(pg_proxy.url_for(pg_url), connect_timeout=10)
    together = threading.Barrier(16, timeout=30)
    counted: list[int] = []
    results: list[object] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        try:
            with psycopg.connect(**params) as conn:
                row = conn.execute("SELECT %s::int", (n,)).fetchone()
                if together.wait() == 0:  # all 16 open at this moment
                    counted.append(pg_proxy.connections)
                together.wait()
            with lock:
                results.append(row)
        except BaseException as exc:
            with lock:
                results.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results, key=str) == sorted([(n,) for n in range(16)], key=str)
    assert counted == [16]
    wait_for(lambda: pg_proxy.connections == 0)
