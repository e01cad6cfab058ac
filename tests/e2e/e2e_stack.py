"""Helpers for the end-to-end tests: reading what the bot posted, as a person would."""

from __future__ import annotations

import urllib.request
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client.parser import text_string_to_metric_families

from bot.sandbox import Sandbox
from slack_emulator.records import Message

Stack = Sandbox  # the end-to-end tests' name for a running sandbox


KOLKATA = ZoneInfo("Asia/Kolkata")


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def metrics_at(url: str) -> Samples:
    """`GET <url>/metrics`, in Prometheus' text format, as {(sample name, sorted labels): value}."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as answer:  # noqa: S310 - loopback
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = answer.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


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
