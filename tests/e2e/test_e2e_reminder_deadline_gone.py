"""A reminder whose deadline a change took away (docs/behaviour.md, Update promises and
reminders): a severity without reminders, or one that moves the deadline, replaces its buttons
with the change and whether any update is due now; a click on buttons still shown (a Slack that
had not redrawn the message) says what really happened, and stores nothing. On both backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from e2e_stack import Stack, shown

from bot.sandbox import ManualClock, Sandbox
from slack_emulator import SlackEmulator
from slack_emulator.records import Message

REMINDERS = "sev1=30m,sev2=60m,sev3=off,sev4=off"


def replies(stack: Stack) -> list[str]:
    return [str(post.body.get("text", "")) for post in stack.emulator.response_url_posts()]


def context_of(message: Message) -> list[str]:
    return [e["text"] for b in message.blocks if b.get("type") == "context" for e in b.get("elements", [])]


@contextmanager
def nudged(make_stack: Callable[..., Sandbox]) -> Iterator[tuple[Stack, str, Message]]:
    """INC-1 (sev1, opened at 21:41 IST) at 22:16, its 22:15 nudge posted with its buttons."""
    clock = ManualClock(datetime(2022, 2, 17, 16, 11, tzinfo=UTC))
    stack = make_stack(
        clock=clock, emulator=SlackEmulator(clock=clock.timestamp), settings={"INCIDENT_REMINDERS": REMINDERS}
    )
    stack.user("alice").slash("open sev1 Payments down")
    stack.settle()
    channel = stack.channel_of(1)
    clock.advance(minutes=35)
    stack.settle()
    [nudge] = [m for m in stack.emulator.messages(channel) if "reminder.snooze.15" in str(m.blocks)]
    yield stack, channel, nudge


def current(stack: Stack, channel: str, ts: str) -> Message:
    [message] = [m for m in stack.emulator.messages(channel) if m.ts == ts]
    return message


def test_a_severity_without_reminders_replaces_the_buttons_and_a_stale_click_says_why(
    make_stack: Callable[..., Sandbox], unchanged: Any
) -> None:
    with nudged(make_stack) as (stack, channel, nudge):
        assert stack.user("alice").slash("sev 3", channel=channel).json["text"] == "INC-1: now sev3."
        stack.settle()
        now = current(stack, channel, nudge.ts)
        assert "actions" not in str(now.blocks)
        assert shown(now).startswith(":alarm_clock: <@U0ALICE> the next public update of *INC-1* was due by *22:15")
        assert context_of(now) == [
            "No longer due: `22:16 IST` *alice* changed the severity: sev1 -&gt; sev3 · no public update is due now"
        ]
        with unchanged(stack.runtime.db):
            for action in ("reminder.snooze.15", "reminder.no_update"):
                stack.user("alice").click_as_shown(channel, nudge.ts, nudge.blocks, action)
                stack.settle()
                assert replies(stack)[-1] == (
                    ":warning: Nothing changed: that reminder of INC-1 no longer applies: alice changed the severity "
                    "from sev1 to sev3 at 22:16 IST. No public update is due."
                )
        stack.user("alice").open_home()
        stack.settle()
        assert "overdue" not in str(stack.emulator.home("alice").body)


def test_a_severity_that_moves_the_deadline_replaces_the_buttons_with_the_new_one_due(
    make_stack: Callable[..., Sandbox], unchanged: Any
) -> None:
    with nudged(make_stack) as (stack, channel, nudge):
        stack.user("alice").slash("sev 2", channel=channel)
        stack.settle()
        [said] = context_of(current(stack, channel, nudge.ts))
        assert said == "No longer due: `22:16 IST` *alice* changed the severity: sev1 -&gt; sev2"
        with unchanged(stack.runtime.db):
            stack.user("alice").click_as_shown(channel, nudge.ts, nudge.blocks, "reminder.snooze.30")
            stack.settle()
        assert replies(stack)[-1] == (
            ":warning: Nothing changed: that reminder of INC-1 no longer applies: alice changed the severity "
            "from sev1 to sev2 at 22:16 IST. The next public update is due by 22:45 IST; next reminder at 22:45 IST."
        )


def test_a_stale_click_after_a_snooze_says_who_snoozed_it(make_stack: Callable[..., Sandbox], unchanged: Any) -> None:
    with nudged(make_stack) as (stack, channel, nudge):
        stack.user("alice").click(channel, nudge.ts, "reminder.snooze.15")
        stack.settle()
        with unchanged(stack.runtime.db):
            stack.user("alice").click_as_shown(channel, nudge.ts, nudge.blocks, "reminder.no_update")
            stack.settle()
        assert replies(stack)[-1].startswith(
            ":warning: Nothing changed: that reminder of INC-1 was snoozed by alice at 22:16 IST. "
            "The next public update is due by 22:15 IST"
        )
