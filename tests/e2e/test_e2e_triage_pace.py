"""The alert channel at its pace (docs/behaviour.md, Alerts): a new alert's message is posted
before the edits waiting for older alerts' messages, and when an incident is made private, every
waiting message stops offering it, however many wait, the rest after the first page. Over real
HTTP against the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from alert_posts import alerting_stack, enqueue
from e2e_stack import Stack

from bot.alerts import message
from slack_emulator.records import Message
from tests.alert_samples import event

TITLE = "Customer PII exposed through search"
PACE = 0.4  # a channel's pace here: slow enough that edits are still waiting when the alert comes


def alert(stack: Stack, n: int) -> None:
    answered = enqueue(stack.url, event("pagerduty_trigger_documented", dedup_key=f"disk-{n}"))
    assert answered.status == 202, answered.body


def bot_messages(stack: Stack, channel: str) -> list[Message]:
    return [m for m in stack.emulator.messages(channel) if m.user == "U0BOT"]


def offered(found: Message) -> list[str]:
    """The options of *Add to incident* in a triage message."""
    menus = [e for b in found.blocks if b["type"] == "actions" for e in b["elements"] if "options" in e]
    return [option["text"]["text"] for menu in menus for option in menu["options"]]


def test_a_new_alert_s_message_goes_before_the_edits_waiting_for_older_alerts_messages(
    make_stack: Callable[..., Stack],
) -> None:
    stack = alerting_stack(make_stack, pace_seconds=PACE)
    channel = stack.settings.alert_channel
    assert channel is not None
    for n in range(8):
        alert(stack, n)
    stack.user("alice").slash(f"open sev2 {TITLE}")
    stack.settle(timeout=60)
    assert [offered(m) for m in bot_messages(stack, channel)] == [[f"INC-1 {TITLE}"]] * 8
    stack.user("alice").slash("private INC-1")  # eight edits wait, one goes every PACE
    alert(stack, 8)
    arrived = len(stack.emulator.calls())
    stack.settle(timeout=60)
    after = stack.emulator.calls()[arrived:]
    in_channel = [call for call in after if call.args.get("channel") == channel]
    [post] = [i for i, call in enumerate(in_channel) if call.method == "chat.postMessage"]
    # At most the edit already on its way when the alert came goes before the new alert's message.
    assert post <= 1, [call.method for call in in_channel]
    assert len(in_channel) > post + 2  # the other edits waited behind it
    messages = bot_messages(stack, channel)
    assert len(messages) == 9
    assert all(offered(m) == [] for m in messages)
    assert TITLE not in json.dumps([m.blocks for m in messages])  # every edit shows the newest state


def test_every_waiting_message_stops_offering_a_private_incident_past_the_first_page(
    make_stack: Callable[..., Stack], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(message, "OFFER_REFRESH", 3)  # pages of 3: 7 messages are edited in three steps
    stack = alerting_stack(make_stack)
    channel = stack.settings.alert_channel
    assert channel is not None
    for n in range(7):
        alert(stack, n)
    stack.settle()
    alice = stack.user("alice")
    for command, shown in [
        (f"open sev2 {TITLE}", [f"INC-1 {TITLE}"]),
        ("private INC-1", []),
        ("public INC-1", [f"INC-1 {TITLE}"]),
        ("close INC-1 Search fixed", []),
    ]:
        alice.slash(command)
        stack.settle()
        messages = bot_messages(stack, channel)
        assert len(messages) == 7
        assert [offered(m) for m in messages] == [shown] * 7, command
