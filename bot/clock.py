"""The time the services read: a clock they are given (tests freeze it), the moment a change
happened (`--at`), and how long a Slack trigger id may still open a modal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.timeparse import parse_at

Clock = Callable[[], datetime]
TRIGGER_LIFETIME = timedelta(seconds=3)  # Slack's: a modal opened after the ack must be opened by then


def utc_now() -> datetime:
    return datetime.now(UTC)


def when(at: str | None, now: datetime, zone: ZoneInfo) -> datetime:
    """The moment a change happened: `--at TIME` (read in `zone`), or now."""
    return parse_at(at, now=now, zone=zone) if at else now
