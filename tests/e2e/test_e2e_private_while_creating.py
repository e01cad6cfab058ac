"""`/incident private` while Slack is still making the incident's channel, public as the incident
was when that began (docs/behaviour.md, Private incidents): the incident ends in a new private
channel with nobody asking again, and the public one Slack made keeps nothing of it readable (its
name, topic and card). Before, it stayed in the public channel, the reply said nothing of it, and
no move was offered until someone typed `/incident private` again in that channel."""

from __future__ import annotations

from collections.abc import Callable

from e2e_stack import Stack, bot_lines, card_of

from bot.domain.incident import EntryKind
from bot.lookup import Where

TITLE = "Secret payroll leak"
WAIT = 30.0  # a failure bound, never a timing assertion


def made_first(stack: Stack) -> str:
    """The channel Slack made for the incident's opening (the first conversations.create answered)."""
    created = [call for call in stack.emulator.calls("conversations.create") if call.ok]
    return str(created[0].response["channel"]["id"])


def test_private_while_its_channel_is_made_public_moves_it_to_a_private_one(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack()
    creating = stack.emulator.hold("conversations.create")  # Slack has not answered yet
    opened = stack.user("alice").slash(f"open sev2 {TITLE}")
    assert opened.json["text"].startswith("Opened *INC-1* (sev2)"), opened.json
    assert creating.wait_arrived(WAIT), "the channel's creation is in hand"
    answer = stack.user("bob").slash("private INC-1")  # bob, in #general: the channel is not recorded yet
    text = answer.json["text"]
    assert text.startswith("INC-1: now *private*"), text
    assert "Its channel is not made yet: it will be private." in text
    assert "I move the incident to a new private channel as soon as it is made" in text
    creating.release()
    stack.settle()

    public, moved = made_first(stack), stack.channel_of(1)
    old, new = stack.emulator.channel(public), stack.emulator.channel(moved)
    assert moved != public and new.is_private and new.name == "inc-1-secret-payroll-leak-2"
    assert {stack.emulator.user(name).id for name in ("alice", "bob")} <= set(new.members)
    card = card_of(stack, moved)
    assert TITLE in str(card.blocks) and ":lock: *Private*" in str(card.blocks)
    assert any("The timeline so far" in line for line in bot_lines(stack, moved))
    # The public channel Slack made: nothing of the incident in its name, topic or card any more
    assert not old.is_private and old.is_archived and old.name == "inc-1-moved"
    assert old.topic is not None and "payroll" not in old.topic.value.lower()
    assert "has moved to a private channel" in old.topic.value
    former_card = card_of(stack, public)
    assert "payroll" not in str(former_card.blocks).lower() and "payroll" not in former_card.text.lower()
    assert "is private now and has moved to a private channel" in former_card.text
    assert not [
        each.name
        for each in (stack.emulator.channel(c) for c in (public, moved))
        if not each.is_private and "payroll" in each.name
    ]
    # asked by whoever made it private, with nobody pressing anything
    entries = stack.runtime.service.timeline(Where(team_id="T0EMULATOR", number=1)).entries
    assert [e.actor for e in entries if e.kind is EntryKind.CHANNEL] == [stack.emulator.user("bob").id]
    assert stack.runtime.service.timeline(Where(team_id="T0EMULATOR", number=1)).incident.channel_id == moved
    # its channel from now on: a note typed there reaches it; the public one reaches nothing
    stack.user("alice").slash("note Payroll files locked down", channel=moved)
    stack.settle()
    assert any("Payroll files locked down" in line for line in bot_lines(stack, moved))
    refused = stack.user("alice").slash("note Still here?", channel=public)
    assert "this channel is no longer INC-1's" in refused.json["text"]
