"""Helpers for the end-to-end tests: reading what the bot posted, as a person would."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import col, select

from bot.sandbox import Sandbox
from bot.storage.effect_tables import EffectRow
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


def wait_for(condition: Callable[[], Any], timeout: float) -> Any:
    """Poll `condition` until it returns something true (returned), for `timeout` real seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def wait_until_no_send_is_in_flight(stack: Stack) -> None:
    """Wait until the sender has recorded the outcome of every try it started (no pending work is
    claimed: the test's senders never die holding a claim). On a loaded machine it can lag behind
    the test's clock: a failure recorded after the clock's next step would be due that much later
    again in story time, a time the test never reaches (its settle then times out). A claim whose
    lease ran out in story time is still in flight in real time, so leases are not looked at."""

    def idle() -> bool:
        with stack.runtime.db.read() as session:
            rows = session.exec(select(EffectRow).where(col(EffectRow.state) == "pending")).all()
        return all(row.claimed_until is None for row in rows)

    wait_for(idle, timeout=30)
