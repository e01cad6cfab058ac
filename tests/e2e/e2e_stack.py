"""The end-to-end harness: the whole bot over real HTTP against the Slack emulator.

The WSGI app runs under a real threaded server; the emulator sends it real signed requests
and answers its Web API calls. `Stack.settle()` waits until every due Slack effect was sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings, load_settings
from bot.emulator import ANNOUNCE, STATUS, SlackEmulator, UserActions
from bot.emulator.records import Message
from bot.runtime import Runtime
from bot.serve import ThreadingWSGIServer
from bot.storage import outbox

SIGNING_SECRET = "e2e-signing-secret"


@dataclass
class Stack:
    emulator: SlackEmulator
    runtime: Runtime
    server: ThreadingWSGIServer
    url: str

    def user(self, name: str) -> UserActions:
        return self.emulator.as_user(name)

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until the bot has sent every pending Slack effect and every ephemeral follow-up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.runtime.sender_thread.notify()
            with self.runtime.db.read() as session:
                pending = outbox.pending_count(session=session)
            if pending == 0:
                self.runtime.responder.join_queue()
                return
            time.sleep(0.02)
        raise AssertionError("the outbox did not settle in time")

    def channel_of(self, number: int) -> str:
        incident = self.runtime.service.list_incidents(team_id="T0EMULATOR", everything=True)
        for item in incident:
            if item.number == number and item.channel_id:
                return item.channel_id
        raise AssertionError(f"INC-{number} has no channel yet")


def settings_for(emulator: SlackEmulator, database_url: str, **overrides: str) -> Settings:
    environ = {
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
        "INCIDENT_STATUS_CHANNEL": STATUS,
        "INCIDENT_TIMEZONE": "Asia/Kolkata",
        "INCIDENT_PUBLIC_NAME": "Chirper",
        "INCIDENT_LANGUAGES": "en,fr",
        **overrides,
    }
    return load_settings(environ, require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))


KOLKATA = ZoneInfo("Asia/Kolkata")


def shown(message: Message) -> str:
    """What a person reads: the section texts of the blocks (the text is only the notification)."""
    sections = [block["text"]["text"] for block in message.blocks if block.get("type") == "section" and "text" in block]
    return "\n".join(sections) if sections else message.text


def sections_of(blocks: list[Any]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block.get("type") == "section" and "text" in block]


def bot_lines(stack: Stack, channel: str) -> list[str]:
    return [shown(m) for m in stack.emulator.messages(channel) if m.user == "U0BOT"]


def card_of(stack: Stack, channel: str) -> Message:
    pinned = [m for m in stack.emulator.messages(channel) if m.pinned]
    assert len(pinned) == 1, "exactly one pinned card"
    return pinned[0]
