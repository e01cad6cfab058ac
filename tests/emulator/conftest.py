"""Fixtures for the emulator's tests: a running emulator, a real WebClient, a signature-checking app,
and Socket Mode apps (slack_sdk's client, and the ``websockets`` library's client)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from websockets.sync.client import ClientConnection

from slack_emulator import SlackEmulator

from .signed_app import SIGNING_SECRET, SignedApp, serve_wsgi
from .socket_apps import SdkApp, open_url, raw_connection, receive_json


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    """A fresh emulator; fails the test if the server hit an internal error."""
    with SlackEmulator() as emu:
        yield emu
        assert emu.internal_errors == []


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    """The real slack_sdk client, pointed at the emulator (no retry handlers)."""
    return WebClient(token=emulator.bot_token, base_url=emulator.api_url, retry_handlers=[])


@pytest.fixture
def bot_channel(client: WebClient) -> str:
    """A channel the bot created (so it is a member), with alice invited."""
    channel_id: str = client.conversations_create(name="inc-1-checkout-down")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users="U0ALICE")
    return channel_id


@pytest.fixture
def signed_app(emulator: SlackEmulator) -> Iterator[SignedApp]:
    """A signature-checking app, served on loopback and connected to the emulator."""
    app = SignedApp()
    with serve_wsgi(app) as url:
        emulator.connect_app(request_url=url, signing_secret=SIGNING_SECRET)
        yield app


@pytest.fixture
def sdk_app(emulator: SlackEmulator) -> Iterator[SdkApp]:
    """slack_sdk's Socket Mode client connected to the emulator, which delivers actions over the socket."""
    connected = SdkApp(emulator)
    connected.client.connect()
    assert emulator.socket_mode.wait_connected(timeout=5)
    emulator.connect_socket_mode()
    yield connected
    emulator.socket_mode.close_all()  # the emulator hangs up first, so the client stops reading at once
    deadline = time.monotonic() + 5
    while connected.client.is_connected() and time.monotonic() < deadline:
        time.sleep(0.01)  # slack_sdk's disconnect() is not safe to run twice at once: let its reader finish
    connected.client.close()


@pytest.fixture
def raw_socket(emulator: SlackEmulator) -> Iterator[ClientConnection]:
    """The ``websockets`` client on a Socket Mode connection, Slack's hello read; the emulator is in Socket Mode."""
    with raw_connection(open_url(emulator)) as connection:
        assert receive_json(connection)["type"] == "hello"
        emulator.connect_socket_mode()
        yield connection
