"""A burst of notes into one incident while Slack is slow: every note is acknowledged, and every
line reaches the channel once, in order, several lines to a message (a batch, bot.outbox.sender);
a message of several lines that timed out after Slack posted it is not posted again.

On SQLite and PostgreSQL, over real HTTP against the emulator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from e2e_stack import Stack, bot_lines, wait_for, wait_until_no_send_is_in_flight
from test_e2e_slow_slack import SLOWER, TIMEOUT, timed_out_effects

from bot.outbox.sender import CHANNEL_PACE_SECONDS
from bot.sandbox import ManualClock


def note_lines(stack: Stack, channel: str, word: str) -> list[str]:
    """The timeline lines in the channel that contain `word`, one per line, in the order shown."""
    return [line for message in bot_lines(stack, channel) for line in message.split("\n") if word in line]


def test_forty_notes_while_every_post_takes_300_ms_are_acknowledged_and_shown_once_each_in_order(
    stack: Stack,
) -> None:
    alice = stack.user("alice")
    alice.slash("open sev1 Payments are down")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.set_latency(0.3, "chat.postMessage")
    answers = [alice.slash(f"note burst {n:02d} still failing", channel=channel) for n in range(40)]
    assert [a.json["text"] for a in answers] == ["INC-1: note added to the timeline."] * 40, "no ack lost"
    stack.settle(timeout=60)
    shown = note_lines(stack, channel, "burst")
    assert [line.split("burst ")[1][:2] for line in shown] == [f"{n:02d}" for n in range(40)], "once each, in order"
    messages = [m for m in bot_lines(stack, channel) if "burst" in m]
    assert len(messages) < 40, "lines waiting together went out together"


def test_at_slacks_pace_a_busy_channel_gets_about_one_message_a_second_with_every_line_once_in_order(
    make_stack: Callable[..., Stack],
) -> None:
    """As deployed (one message a second in a channel, `CHANNEL_PACE_SECONDS`), with a fast Slack:
    30 notes in about a second reach the channel in a few messages, not 30 calls."""
    stack = make_stack(pace_seconds=CHANNEL_PACE_SECONDS)
    alice = stack.user("alice")
    alice.slash("open sev1 Payments are down")
    stack.settle()
    channel = stack.channel_of(1)
    posts_before = len(stack.emulator.calls("chat.postMessage"))
    started = time.monotonic()
    answers = [alice.slash(f"note paced {n:02d} still failing", channel=channel) for n in range(30)]
    assert [a.json["text"] for a in answers] == ["INC-1: note added to the timeline."] * 30
    stack.settle(timeout=30)
    seconds = time.monotonic() - started
    shown = note_lines(stack, channel, "paced")
    assert [line.split("paced ")[1][:2] for line in shown] == [f"{n:02d}" for n in range(30)], "once each, in order"
    posts = len(stack.emulator.calls("chat.postMessage")) - posts_before
    assert posts <= seconds / CHANNEL_PACE_SECONDS + 2, f"{posts} messages in {seconds:.1f} s"


def test_a_message_of_several_lines_that_timed_out_after_slack_posted_it_is_not_posted_again(
    make_stack: Callable[..., Stack],
) -> None:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    stack = make_stack(clock=clock, slack_timeout=TIMEOUT)
    alice = stack.user("alice")
    alice.slash("open sev1 Payments are down")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.rate_limit_next("chat.postMessage", retry_after=30)  # the first note waits, cleanly
    alice.slash("note INC-1 line A")
    wait_for(lambda: stack.emulator.calls("chat.postMessage")[-1].status == 429, timeout=15)
    wait_until_no_send_is_in_flight(stack)  # the 429's wait recorded before time moves on
    alice.slash("note INC-1 line B")
    alice.slash("note INC-1 line C")
    stack.emulator.set_latency(SLOWER, "chat.postMessage")  # Slack posts all three; the bot gives up waiting
    clock.advance(seconds=31)
    stack.runtime.sender_thread.notify()
    wait_for(lambda: len(note_lines(stack, channel, "line ")) == 3, timeout=20)
    wait_for(lambda: len(timed_out_effects(stack)) == 3, timeout=20)
    stack.emulator.set_latency(0.0, "chat.postMessage")
    clock.advance(seconds=31)  # past any backoff: the retry finds what was posted
    stack.settle()
    assert [line.rsplit(" ", 1)[1] for line in note_lines(stack, channel, "line ")] == ["A", "B", "C"]
