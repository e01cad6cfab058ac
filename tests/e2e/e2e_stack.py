"""Helpers for the end-to-end tests: reading what the bot posted, as a person would."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox import Sandbox
from slack_emulator.records import Message

Stack = Sandbox  # the end-to-end tests' name for a running sandbox


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
