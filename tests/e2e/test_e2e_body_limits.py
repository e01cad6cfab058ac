"""An unauthenticated client cannot make the web process hold a big body: 413, memory flat.

Both servers the product ships are tested over real sockets: `incident-bot serve` (wsgiref)
and the Procfile's gunicorn line.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from as_operator import Started, children, clean_environment, rss_kib, write_dotenv
from stopping import stop
from test_e2e_gunicorn import web_command

from bot.request_body import MAX_BODY_BYTES
from bot.sandbox import SIGNING_SECRET
from slack_emulator import SlackEmulator
from tests.free_ports import free_port

MIB = 1024 * 1024
STREAMED = 64 * MIB  # far past the cap; an uncapped reader would hold all of it


class Server:
    def __init__(self, port: int, pid: int) -> None:
        self.port = port
        self.pid = pid  # the process that runs the app (gunicorn: the worker)


@pytest.fixture(params=["serve", "gunicorn"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    with SlackEmulator() as emulator:
        settings = {
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path}/limits.db",
        }
        write_dotenv(tmp_path, settings)
        if request.param == "serve":
            started = Started(tmp_path, clean_environment())
            yield Server(started.port, started.process.pid)
            started.stop()
            return
        port = free_port()
        process = subprocess.Popen(
            web_command(port),
            env=clean_environment(),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            worker = wait_for_gunicorn(port, process.pid)
            yield Server(port, worker)
        finally:
            stop(process)


def wait_for_gunicorn(port: int, master: int) -> int:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return children(master)[0]
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.1)


def head(headers: str) -> bytes:
    lines = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_of(connection: socket.socket) -> str:
    """The status line of the answer (read before the server closes or while it keeps alive)."""
    connection.settimeout(10)
    received = b""
    while b"\r\n" not in received:
        piece = connection.recv(4096)
        if not piece:
            break
        received += piece
    return received.split(b"\r\n")[0].decode()


def stream(connection: socket.socket, piece: bytes, total: int) -> None:
    """Send `piece` until `total` bytes went out or the server stops reading and closes."""
    connection.settimeout(10)
    sent = 0
    try:
        while sent < total:
            connection.sendall(piece)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass


def test_a_declared_200_mb_body_gets_413_before_it_is_sent(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(head(f"Content-Length: {200 * MIB}") + b'{"type": ')
        assert status_of(connection).split()[1] == "413"


def test_a_body_one_byte_over_the_cap_gets_413(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(head(f"Content-Length: {MAX_BODY_BYTES + 1}") + b"x" * (MAX_BODY_BYTES + 1))
        assert status_of(connection).split()[1] == "413"


@pytest.mark.parametrize("framing", ["declared", "chunked"])
def test_memory_stays_flat_while_a_client_streams_64_mb(server: Server, framing: str) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as warm_up:  # the same path once, to warm up
        warm_up.sendall(head(f"Content-Length: {MAX_BODY_BYTES + 1}"))
        assert status_of(warm_up).split()[1] == "413"
    before = rss_kib(server.pid)
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        if framing == "declared":
            connection.sendall(head(f"Content-Length: {STREAMED}"))
            stream(connection, b"x" * 65536, STREAMED)
        else:
            connection.sendall(head("Transfer-Encoding: chunked"))
            stream(connection, b"10000\r\n" + b"x" * 65536 + b"\r\n", STREAMED)
    grown_mib = (rss_kib(server.pid) - before) / 1024
    assert grown_mib < 8, f"the process grew by {grown_mib:.0f} MiB"


def test_a_chunked_body_under_the_cap_is_read_whole_and_checked(server: Server) -> None:
    body = b'{"type": "event_callback"}'
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(head("Transfer-Encoding: chunked") + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
        assert status_of(connection).split()[1] == "401"  # read whole, then refused: it is not signed
