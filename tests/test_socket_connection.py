"""`incident-bot socket`'s connection to Slack (bot.socket_mode.SocketConnection): a stop never
waits without end for slack_sdk, and a connection made while the process stops is closed too."""

from __future__ import annotations

import threading
import time

import pytest

from bot import socket_mode
from bot.socket_mode import SocketConnection

BOUND = 30.0  # a failure bound for a stop that hangs, not a measure of speed


class Handler:
    """Bolt's SocketModeHandler as the connection sees it: connect() and close()."""

    def __init__(self, *, close_hangs: bool = False, connect_waits: bool = False) -> None:
        self.close_hangs = close_hangs
        self.connect_may_end = threading.Event()
        if not connect_waits:
            self.connect_may_end.set()
        self.connected = threading.Event()
        self.closes = 0
        self.never = threading.Event()

    def connect(self) -> None:
        self.connect_may_end.wait()
        self.connected.set()

    def close(self) -> None:
        self.closes += 1
        if self.close_hangs:
            self.never.wait()  # slack_sdk's close() waiting for a session thread that never ends


def closed_within_bound(connection: SocketConnection) -> bool:
    stopping = threading.Thread(target=connection.close, daemon=True)
    stopping.start()
    stopping.join(BOUND)
    return not stopping.is_alive()


def test_a_stop_does_not_wait_without_end_for_a_client_whose_close_hangs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(socket_mode, "CLOSING_WAIT_SECONDS", 0.2)
    handler = Handler(close_hangs=True)
    connection = SocketConnection(handler, threading.Event()).start()
    assert handler.connected.wait(BOUND)
    assert closed_within_bound(connection), "close() waited for slack_sdk's close() without end"
    assert handler.closes == 1
    assert "did not close within" in caplog.text


def test_a_connection_made_while_the_process_stops_is_closed_by_the_attempt_s_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket_mode, "CONNECTING_WAIT_SECONDS", 0.1)
    handler = Handler(connect_waits=True)
    connection = SocketConnection(handler, threading.Event()).start()
    assert closed_within_bound(connection)  # closed while apps.connections.open is still in hand
    assert handler.closes == 1
    handler.connect_may_end.set()  # then the attempt makes its connection
    assert handler.connected.wait(BOUND)
    deadline = time.monotonic() + BOUND
    while handler.closes < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert handler.closes == 2  # its thread closes it: no envelope arrives after the stop
