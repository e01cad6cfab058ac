"""`--at HH:MM` that would silently mean yesterday is refused in Slack; nothing is stored or sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from e2e_stack import KOLKATA, Stack, bot_lines

from bot.sandbox import ManualClock


def opened_at_21_30_now_21_41(make_stack: Callable[..., Stack]) -> tuple[Stack, str]:
    """INC-1 opened at 21:30 IST; the clock now reads 21:41 (the stack and the incident channel)."""
    clock = ManualClock(datetime(2022, 2, 17, 21, 30, tzinfo=KOLKATA))
    stack = make_stack(clock=clock)
    stack.user("alice").slash("open sev1 Something went wrong")
    stack.settle()
    clock.set(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))
    return stack, stack.channel_of(1)


def test_close_at_a_time_still_to_come_today_is_refused_naming_both_dates_and_nothing_changes(
    make_stack: Callable[..., Stack], unchanged: Any
) -> None:
    stack, channel = opened_at_21_30_now_21_41(make_stack)
    lines_before, calls_before = bot_lines(stack, channel), len(stack.emulator.calls())
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").slash("close Fixed the cache --at 21:50", channel=channel)
        stack.settle()
    assert answer.json["text"] == (
        ":warning: 21:50 has not happened yet today (2022-02-17); did you mean yesterday, 2022-02-16 21:50 "
        "(23h 51m ago)? Write the date: `--at 2022-02-16 21:50`."
    )
    assert bot_lines(stack, channel) == lines_before
    assert len(stack.emulator.calls()) == calls_before, "nothing was sent to Slack"


def test_close_at_a_time_minutes_ago_is_accepted(make_stack: Callable[..., Stack]) -> None:
    stack, channel = opened_at_21_30_now_21_41(make_stack)
    stack.user("alice").slash("close Fixed the cache --at 21:40", channel=channel)
    stack.settle()
    closing = next(line for line in bot_lines(stack, channel) if "resolved INC-1" in line)
    assert "Total duration *10m*" in closing
