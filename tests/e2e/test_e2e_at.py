"""`--at TIME` in Slack: an HH:MM that would silently mean yesterday is refused (nothing is stored or
sent); `/incident open --at TIME` without a title opens the modal carrying the time, a title after
the time is kept, and a time that cannot be read is refused before any modal opens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from e2e_stack import KOLKATA, Stack, bot_lines, card_of

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


def now_21_41(make_stack: Callable[..., Stack]) -> tuple[Stack, ManualClock]:
    clock = ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))
    return make_stack(clock=clock), clock


def card_fields(stack: Stack, channel: str) -> list[str]:
    section = next(block for block in card_of(stack, channel).blocks if "fields" in block)
    return [field["text"] for field in section["fields"]]


def test_open_at_without_a_title_opens_the_modal_with_the_time_and_the_incident_starts_then(
    make_stack: Callable[..., Stack],
) -> None:
    stack, clock = now_21_41(make_stack)
    stack.user("alice").slash("open sev1 --at 10m ago")
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    notes = [
        element["text"] for block in view.body["blocks"] if block["type"] == "context" for element in block["elements"]
    ]
    assert notes == [
        ":clock3: Impact began *2022-02-17 21:31 IST*, as given with `--at`: the incident will start then."
    ]
    clock.set(datetime(2022, 2, 17, 21, 44, tzinfo=KOLKATA))  # the title takes a while to write
    stack.user("alice").submit_view(view.id, {"title": "Checkout errors"})
    stack.settle()
    fields = card_fields(stack, stack.channel_of(1))
    assert ":mag: Investigating since 21:31 IST" in fields[0]
    assert "*Impact began*\n2022-02-17 21:31 IST" in fields
    assert "*Opened by*\nalice at 21:44 IST" in fields


def test_open_with_the_title_after_the_time_keeps_both(make_stack: Callable[..., Stack]) -> None:
    stack, _ = now_21_41(make_stack)
    answer = stack.user("alice").slash("open --at 13h ago Old errors")
    assert answer.json["text"] == (
        "Opened *INC-1* (sev2): Old errors. I am creating its channel and will tell you here when it is ready. "
        "Impact began 08:41 IST, 13h before it was reported."
    )
    stack.settle()
    assert not stack.emulator.views(stack.emulator.user("alice").id), "no modal: the title was given"
    assert "*Impact began*\n2022-02-17 08:41 IST" in card_fields(stack, stack.channel_of(1))


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("open sev1 --at 21:50", ":warning: 21:50 has not happened yet today (2022-02-17)"),
        ("open --at yesterday Old", ":warning: 'yesterday Old' is not a time I can read."),
    ],
)
def test_open_at_a_time_that_cannot_be_read_is_refused_before_any_modal_and_nothing_is_stored(
    make_stack: Callable[..., Stack], unchanged: Any, typed: str, said: str
) -> None:
    stack, _ = now_21_41(make_stack)
    calls_before = len(stack.emulator.calls())
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").slash(typed)
        stack.settle()
    assert answer.json["text"].startswith(said)
    assert not stack.emulator.views(stack.emulator.user("alice").id), "no modal"
    assert len(stack.emulator.calls()) == calls_before, "nothing was sent to Slack"


def test_the_cards_times_carry_their_date_when_not_on_the_day_the_impact_began(
    make_stack: Callable[..., Stack],
) -> None:
    clock = ManualClock(datetime(2022, 2, 18, 0, 41, tzinfo=KOLKATA))  # 3h after 21:41 the day before
    stack = make_stack(clock=clock)
    stack.user("alice").slash("open sev2 Checkout errors --at 3h ago")
    stack.settle()
    channel = stack.channel_of(1)
    clock.set(datetime(2022, 2, 18, 0, 50, tzinfo=KOLKATA))
    stack.user("alice").slash("status identified Cache at fault", channel=channel)
    stack.settle()
    fields = card_fields(stack, channel)
    assert "Identified since 2022-02-18 00:50 IST" in fields[0]
    assert "*Impact began*\n2022-02-17 21:41 IST" in fields
    assert "*Opened by*\nalice at 2022-02-18 00:41 IST" in fields
