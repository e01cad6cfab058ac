"""*Declare incident from message* on a message in a private conversation, end to end on both
backends (docs/behaviour.md, Declaring an incident): the open modal comes with its Private box
ticked and a hint saying why, and the incident opened from it is private unless the person
unticks the box; from a public channel nothing changes. Slack failing or slow to say what the
conversation is ticks the box too (the safe side)."""

from __future__ import annotations

import json
from typing import Any

from e2e_stack import Stack, bot_lines

from bot.render import actions
from slack_emulator import ANNOUNCE, GENERAL, payloads
from slack_emulator.records import Channel

PRIVATE_CHANNEL_HINT = "Ticked: the message is in a private channel."
DM_HINT = "Ticked: the message is in a direct message."
GROUP_DM_HINT = "Ticked: the message is in a group direct message."
UNSEEN_HINT = (
    "Ticked: the bot cannot see the message's conversation, so it is taken as private "
    "(a private one the bot is not in, or one Slack no longer has)."
)
UNANSWERED_HINT = "Ticked: Slack did not say in time whether the message's channel is public."


def declare(stack: Stack, channel: str, words: str) -> None:
    """Bob says `words` in `channel`; Alice declares an incident from it and waits for the modal."""
    ts = stack.user("bob").post_message(channel, words)
    answer = stack.user("alice").message_shortcut(channel, ts, actions.DECLARE_FROM_MESSAGE)
    assert (answer.status, answer.body) == (200, None)  # acknowledged at once: the lookup comes after
    stack.settle()


def visibility(stack: Stack) -> tuple[str, bool, str | None]:
    """Alice's open modal: its id, whether the Private box is ticked, the hint under it."""
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    (block,) = [block for block in view.body["blocks"] if block.get("block_id") == actions.PRIVATE_INPUT]
    ticked = [option["value"] for option in block["element"].get("initial_options", [])] == [actions.PRIVATE_OPTION]
    hint = block.get("hint")
    return view.id, ticked, hint["text"] if hint else None


def listed_to(stack: Stack, person: str) -> str:
    return json.dumps(stack.user(person).slash("list all").json)


def test_from_a_public_channel_the_box_is_not_ticked_and_the_incident_is_public(stack: Stack) -> None:
    declare(stack, GENERAL, "checkout is throwing 500s")
    view_id, ticked, hint = visibility(stack)
    assert (ticked, hint) == (False, None)
    assert [call.args.get("channel") for call in stack.emulator.calls("conversations.info")] == [GENERAL]
    stack.user("alice").submit_view(view_id)
    stack.settle()
    assert not stack.emulator.channel(stack.channel_of(1)).is_private
    assert "INC-1" in listed_to(stack, "bob")


def test_from_a_private_channel_the_box_is_ticked_and_the_incident_is_private_to_whoever_it_does_not_involve(
    stack: Stack,
) -> None:
    payroll = stack.emulator.create_channel("payroll", members=["alice", "bob", "incident-bot"], private=True)
    declare(stack, payroll, "the payroll export went to the wrong bucket")
    view_id, ticked, hint = visibility(stack)
    assert (ticked, hint) == (True, PRIVATE_CHANNEL_HINT)
    submitted = stack.user("alice").submit_view(view_id)  # as prefilled: Private still ticked
    assert submitted.status == 200 and not submitted.body
    stack.settle()

    channel = stack.emulator.channel(stack.channel_of(1))
    assert channel.is_private and stack.emulator.user("bob").id not in channel.members
    assert stack.emulator.messages(ANNOUNCE) == []  # no announcement
    assert "INC-1" not in listed_to(stack, "bob")  # not part of it: not listed to him
    assert "INC-1" in listed_to(stack, "alice")
    assert any("the payroll export went to the wrong bucket" in line for line in bot_lines(stack, channel.id))


def test_unticking_the_box_opens_a_public_incident_from_a_private_channel(stack: Stack) -> None:
    payroll = stack.emulator.create_channel("payroll", members=["alice", "bob", "incident-bot"], private=True)
    declare(stack, payroll, "the payroll run is late")
    view_id, ticked, _ = visibility(stack)
    assert ticked
    stack.user("alice").submit_view(view_id, {"title": "Payroll run late", "private": []})
    stack.settle()
    assert not stack.emulator.channel(stack.channel_of(1)).is_private
    assert "INC-1" in listed_to(stack, "bob")


def test_from_a_private_channel_the_bot_is_not_in_the_box_is_ticked(stack: Stack) -> None:
    hr = stack.emulator.create_channel("hr-cases", members=["alice", "bob"], private=True)
    declare(stack, hr, "someone's salary is in the shared drive")
    view_id, ticked, hint = visibility(stack)
    assert (ticked, hint) == (True, UNSEEN_HINT)
    stack.user("alice").submit_view(view_id)
    stack.settle()
    assert stack.emulator.channel(stack.channel_of(1)).is_private


def test_from_a_direct_message_the_box_is_ticked_without_asking_slack(stack: Stack) -> None:
    direct = stack.emulator.create_channel("", members=["alice", "bob"], direct=True)
    declare(stack, direct, "my laptop shows someone else's account")
    view_id, ticked, hint = visibility(stack)
    assert (ticked, hint) == (True, DM_HINT)
    assert stack.emulator.calls("conversations.info") == []  # its D id says it is a direct message
    stack.user("alice").submit_view(view_id)
    stack.settle()
    assert stack.emulator.channel(stack.channel_of(1)).is_private
    assert "INC-1" not in listed_to(stack, "bob")


def test_from_a_group_direct_message_the_box_is_ticked(stack: Stack) -> None:
    group = stack.emulator.create_channel("", members=["alice", "bob", "incident-bot"], group=True)
    declare(stack, group, "the admin password is in the wiki")
    _, ticked, hint = visibility(stack)
    assert (ticked, hint) == (True, GROUP_DM_HINT)


def test_slack_failing_to_say_what_the_channel_is_ticks_the_box(stack: Stack) -> None:
    stack.emulator.fail_next("conversations.info", status=500)
    declare(stack, GENERAL, "checkout is throwing 500s")
    view_id, ticked, hint = visibility(stack)
    assert (ticked, hint) == (True, UNANSWERED_HINT)
    stack.user("alice").submit_view(view_id)
    stack.settle()
    assert stack.emulator.channel(stack.channel_of(1)).is_private


def test_slack_too_slow_to_say_what_the_channel_is_ticks_the_box_and_the_modal_still_opens(stack: Stack) -> None:
    stack.emulator.set_latency(2.5, "conversations.info")  # past the lookup's second, within the trigger's 3
    declare(stack, GENERAL, "checkout is throwing 500s")
    _, ticked, hint = visibility(stack)
    assert (ticked, hint) == (True, UNANSWERED_HINT)


def shortcut_payload(stack: Stack, channel: Channel | None) -> dict[str, Any]:
    """A *Declare incident from message* payload as Slack would send it for Alice on a message in
    `channel` (None: a payload naming no conversation)."""
    emulator, ws = stack.emulator, stack.emulator.workspace
    alice = emulator.user("alice")
    ts = stack.user("bob").post_message(GENERAL, "the old ops channel is leaking")
    url = ws.mint_response_url(alice.id, GENERAL, source="shortcut")
    payload = payloads.message_action(
        ws,
        user=alice,
        channel=channel or ws.channels[GENERAL],
        message=emulator.message(GENERAL, ts).to_slack(ws.team_id),
        callback_id=actions.DECLARE_FROM_MESSAGE,
        trigger_id=emulator.mint_trigger("alice"),
        response_url=f"{emulator.url}/response_url/{url.id}",
        action_ts=ts,
    )
    if channel is None:
        del payload["channel"]
    return payload


def test_a_shortcut_on_a_channel_slack_no_longer_knows_opens_the_modal_ticked_and_stores_no_incident(
    stack: Stack,
) -> None:
    gone = Channel(id="C0GONE0001", name="old-ops", created=0, creator="U0ALICE")
    answer = stack.emulator.app.send_payload(shortcut_payload(stack, gone))
    assert (answer.status, answer.body) == (200, None)
    stack.settle()
    _, ticked, hint = visibility(stack)
    assert (ticked, hint) == (True, UNSEEN_HINT)  # "... or one Slack no longer has"
    assert "No incidents yet." in listed_to(stack, "alice")


def test_a_shortcut_naming_no_conversation_is_refused_with_a_reply_and_stores_nothing(
    stack: Stack, unchanged: Any
) -> None:
    payload = shortcut_payload(stack, None)
    with unchanged(stack.runtime.db):
        answer = stack.emulator.app.send_payload(payload)
        assert (answer.status, answer.body) == (200, None)
        stack.settle()
    told = [post.body.get("text", "") for post in stack.emulator.response_url_posts()]
    assert any("Slack did not say which conversation this message is in" in text for text in told), told
    assert stack.emulator.views(stack.emulator.user("alice").id) == []
    assert stack.emulator.calls("views.open") == []
