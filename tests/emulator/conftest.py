"""Fixtures for the emulator's tests: a running emulator, a real WebClient, a signature-checking app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.emulator import SlackEmulator

from .signed_app import SIGNING_SECRET, SignedApp, serve_wsgi


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
