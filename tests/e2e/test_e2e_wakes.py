"""After an ack, only the senders a request gave work to are woken (bot.outbox.wakes), on both backends:
a refused or read-only command wakes no background thread, a note the Slack sender (and the
reminders, whose deadlines a change may move) but not the App Home's sender, opening the App Home
the App Home's sender. A woken thread that has nothing to do still runs a round of queries, and
on SQLite the App Home's took the database's one writer: the acks of a busy channel waited for it."""

from __future__ import annotations

from collections import Counter

import pytest
from e2e_stack import Stack, wait_for

from bot.background import Background


@pytest.fixture
def woken(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each background thread was woken since the incident was opened."""
    stack.user("alice").slash("open sev2 Checkout is slow")
    stack.settle()
    counts: Counter[str] = Counter()
    threads: dict[str, Background] = {
        "slack": stack.runtime.sender_thread,
        "reminders": stack.runtime.reminder_thread,
        "home": stack.runtime.home_thread,
    }
    for name, thread in threads.items():
        wake = thread.notify

        def counted(*work: object, name: str = name, wake: object = wake) -> None:
            counts[name] += 1
            wake()  # type: ignore[operator]

        # the Slack sender is offered the work (it may let its channel's pace hold it: tests/outbox)
        monkeypatch.setattr(thread, "offer" if name == "slack" else "notify", counted)
    return counts


def test_a_refused_or_read_only_command_wakes_no_background_thread(stack: Stack, woken: Counter[str]) -> None:
    channel = stack.channel_of(1)
    assert "Unknown" in stack.user("alice").slash("frobnicate INC-1", channel=channel).json["text"]
    assert stack.user("alice").slash("list", channel=channel).status == 200
    assert stack.user("alice").slash("help").status == 200
    assert woken == Counter()


def test_a_note_wakes_the_slack_sender_and_not_the_app_homes(stack: Stack, woken: Counter[str]) -> None:
    channel = stack.channel_of(1)
    assert stack.user("bob").open_home().status == 200  # someone watches their Home: changes may show there
    wait_for(lambda: woken["home"] == 1, timeout=5)
    answer = stack.user("alice").slash("note INC-1 rolled back the deploy", channel=channel)
    assert answer.json["text"] == "INC-1: note added to the timeline."
    assert woken == Counter({"slack": 1, "reminders": 1, "home": 1})  # the Home's wake was the opening's
    assert stack.user("alice").slash("status INC-1 identified", channel=channel).status == 200
    assert woken == Counter({"slack": 2, "reminders": 2, "home": 2})  # a status shows on the Homes
