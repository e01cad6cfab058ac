"""Card buttons, the open modal, the message shortcut and the :pushpin: reaction."""

from __future__ import annotations

import pytest
from e2e_stack import Stack, bot_lines, card_of

from bot.domain.incident import EntryKind
from bot.lookup import Where
from slack_emulator import GENERAL


@pytest.fixture
def opened(stack: Stack) -> str:
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.add_member(channel, "bob")  # bob joins the incident channel
    return channel


def timeline_kinds(stack: Stack) -> list[EntryKind]:
    return [entry.kind for entry in stack.runtime.service.timeline(Where("T0EMULATOR", number=1)).entries]


def button_labels(stack: Stack, channel: str) -> list[str]:
    card = card_of(stack, channel)
    actions = next(block for block in card.blocks if block["type"] == "actions")
    return [element["text"]["text"] for element in actions["elements"]]


@pytest.mark.parametrize(
    ("action_id", "status_word", "next_buttons"),
    [
        ("incident.status.identified", "identified", ["Investigating", "Monitoring", "Draft update", "Resolve"]),
        ("incident.status.monitoring", "monitoring", ["Investigating", "Identified", "Draft update", "Resolve"]),
    ],
)
def test_a_status_button_changes_the_status_and_the_card_offers_the_others(
    stack: Stack, opened: str, action_id: str, status_word: str, next_buttons: list[str]
) -> None:
    card = card_of(stack, opened)
    assert stack.user("bob").click(opened, card.ts, action_id).status == 200
    stack.settle()
    assert stack.runtime.service.get(Where("T0EMULATOR", number=1)).status.value == status_word
    assert button_labels(stack, opened) == next_buttons
    assert any(f"set the status to *{status_word}*" in line for line in bot_lines(stack, opened))


def test_a_second_click_on_the_same_transition_changes_nothing_and_says_so(stack: Stack, opened: str) -> None:
    card = card_of(stack, opened)
    bob = stack.user("bob")
    bob.click(opened, card.ts, "incident.status.identified")
    bob.click(opened, card.ts, "incident.status.identified")  # the card on screen was not refreshed yet
    stack.settle()
    assert timeline_kinds(stack).count(EntryKind.STATUS) == 1
    replies = [post.body.get("text", "") for post in stack.emulator.response_url_posts()]
    assert any("INC-1 is already identified" in reply for reply in replies)


def test_resolve_and_reopen_buttons(stack: Stack, opened: str) -> None:
    card = card_of(stack, opened)
    stack.user("bob").click(opened, card.ts, "incident.close")
    stack.settle()
    assert button_labels(stack, opened) == ["Draft update", "Reopen"]
    stack.user("bob").click(opened, card.ts, "incident.reopen")
    stack.settle()
    assert stack.runtime.service.get(Where("T0EMULATOR", number=1)).status.value == "investigating"


def test_open_without_a_title_opens_a_modal_whose_submission_opens_the_incident(stack: Stack) -> None:
    stack.emulator.add_bot_to(GENERAL)  # so the bot can tell alice, in #general, where the channel is
    answer = stack.user("alice").slash("open sev1")
    assert answer.status == 200
    stack.settle()
    views = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    assert len(views) == 1
    submitted = stack.user("alice").submit_view(views[0].id, {"title": "Search is down"})
    assert submitted.status == 200 and not submitted.body
    stack.settle()
    incident = stack.runtime.service.get(Where("T0EMULATOR", number=1))
    assert (incident.title, incident.severity) == ("Search is down", 1)
    channel = stack.emulator.channel_by_name("inc-1-search-is-down")
    assert channel is not None
    told = [e.text for e in stack.emulator.ephemerals(GENERAL, stack.emulator.user("alice").id)]
    assert f"INC-1 has its channel: <#{channel.id}>. You are in it and the summary card is pinned there." in told


def test_a_modal_title_over_150_characters_is_refused_in_the_modal(stack: Stack, unchanged: object) -> None:
    stack.user("alice").slash("open")
    stack.settle()
    view = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)[0]
    with unchanged(stack.runtime.db):  # type: ignore[operator]
        answer = stack.user("alice").submit_view(view.id, {"title": "x" * 151})
    assert answer.json["response_action"] == "errors"
    assert "151 characters long; the limit is 150" in answer.json["errors"]["title"]


def test_a_pushpin_adds_the_message_once_even_when_slack_redelivers_the_event(stack: Stack, opened: str) -> None:
    """On both backends: on PostgreSQL every first delivery used to be taken for a redelivery."""
    ts = stack.user("bob").post_message(opened, "rolled back deploy 4411")
    delivered = stack.user("bob").react(opened, ts, "pushpin")
    assert delivered is not None and delivered.status == 200
    again = stack.emulator.redeliver(delivered.sent["event_id"])
    assert again.status == 200
    stack.settle()
    entries = stack.runtime.service.timeline(Where("T0EMULATOR", number=1)).entries
    copied = [entry for entry in entries if entry.kind is EntryKind.MESSAGE]
    assert len(copied) == 1
    assert (copied[0].text, copied[0].actor) == ("rolled back deploy 4411", stack.emulator.user("bob").id)
    assert copied[0].at.timestamp() == pytest.approx(float(ts), abs=1)
    reactions = stack.emulator.message(opened, ts).reactions
    assert any(reaction.name == "white_check_mark" for reaction in reactions)
    shown = str(stack.user("alice").slash("timeline", channel=opened).json["blocks"])
    assert shown.count("rolled back deploy 4411") == 1


def test_a_second_pushpin_by_someone_else_does_not_copy_the_message_again(stack: Stack, opened: str) -> None:
    ts = stack.user("bob").post_message(opened, "db failover done")
    stack.user("bob").react(opened, ts, "pushpin")
    stack.settle()
    stack.user("alice").react(opened, ts, "pushpin")
    stack.settle()
    assert timeline_kinds(stack).count(EntryKind.MESSAGE) == 1


def test_a_pushpin_outside_an_incident_channel_is_ignored(stack: Stack, opened: str, unchanged: object) -> None:
    stack.emulator.add_bot_to(GENERAL)  # Slack only sends events from channels the bot is in
    ts = stack.user("bob").post_message(GENERAL, "lunch?")
    stack.settle()
    with unchanged(stack.runtime.db):  # type: ignore[operator]
        assert stack.user("bob").react(GENERAL, ts, "pushpin").status == 200  # type: ignore[union-attr]


def test_the_add_to_timeline_shortcut_copies_the_message(stack: Stack, opened: str) -> None:
    ts = stack.user("bob").post_message(opened, "error rate back to normal")
    answer = stack.user("alice").message_shortcut(opened, ts, "incident.add_to_timeline")
    assert answer.status == 200
    stack.settle()
    assert timeline_kinds(stack).count(EntryKind.MESSAGE) == 1
    replies = [post.body.get("text", "") for post in stack.emulator.response_url_posts()]
    assert "Added to the INC-1 timeline." in replies


@pytest.mark.parametrize("where", ["private", "direct"])
def test_opening_through_the_modal_from_where_the_bot_is_not_tells_the_opener_in_a_direct_message(
    stack: Stack, where: str
) -> None:
    origin = stack.emulator.create_channel(
        "war-room", members=["alice", "bob"], private=where == "private", direct=where == "direct"
    )
    assert stack.user("alice").slash("open sev1", channel=origin).status == 200
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    assert stack.user("alice").submit_view(view.id, {"title": "Search is down"}).status == 200
    stack.settle()
    channel = stack.emulator.channel_by_name("inc-1-search-is-down")
    assert channel is not None
    alice = stack.emulator.user("alice").id
    direct = [m.text for m in stack.emulator.messages(f"D{alice}") if m.user == "U0BOT"]
    assert direct == [f"INC-1 has its channel: <#{channel.id}>. You are in it and the summary card is pinned there."]
    assert stack.emulator.messages(origin) == []  # nothing was posted where the bot is not
