"""The public channel a private incident left (docs/behaviour.md, Private incidents): once the move
is made, its card and topic say only that the incident moved, its name no longer gives the title,
and it is archived; Slack failing there is retried or held, and never holds back the private
channel's work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from e2e_stack import Stack, bot_lines, card_of, shown, wait_for, wait_until_no_send_is_in_flight
from sqlmodel import select

from bot.lookup import Where
from bot.render import actions
from bot.sandbox import ManualClock
from bot.storage.effect_tables import EffectRow

TITLE = "Card numbers in the logs"
MOVED_NOTICE = ":lock: *INC-1* is private now and has moved to a private channel."


def open_public(stack: Stack) -> str:
    """INC-1, public, opened by alice, with bob in its channel."""
    stack.user("alice").slash(f"open sev1 {TITLE}")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.add_member(channel, "bob")
    return channel


def click_move(stack: Stack, channel: str) -> None:
    stack.user("alice").slash("private", channel=channel)
    offers = [e for e in stack.emulator.ephemerals(channel, "alice") if actions.MOVE_PRIVATE in str(e.blocks)]
    stack.user("alice").click_ephemeral(channel, offers[-1].ts, actions.MOVE_PRIVATE)


def waiting(stack: Stack) -> dict[str, str]:
    """The outbox rows not done yet, kind: state."""
    with stack.runtime.db.read() as session:
        rows = session.exec(select(EffectRow).where(EffectRow.state != "done")).all()
    return {row.kind: row.state for row in rows}


def test_the_public_channel_left_behind_shows_neither_the_title_nor_the_state(stack: Stack) -> None:
    public = open_public(stack)
    old_card = card_of(stack, public)
    assert TITLE in str(old_card.blocks)
    click_move(stack, public)
    stack.settle()
    moved = stack.channel_of(1)
    old = stack.emulator.channel(public)
    assert old.name == "inc-1-moved", "no longer inc-1-card-numbers-in-the-logs"
    assert old.topic.value == (
        ":lock: INC-1 is private now and has moved to a private channel. This is no longer its channel."
    )
    card = card_of(stack, public)  # still pinned, where people look first
    assert card.ts == old_card.ts and shown(card).startswith(MOVED_NOTICE)
    assert not [block for block in card.blocks if block.get("type") == "actions"], "no buttons left"
    everything_the_bot_shows_now = [str(card.blocks), card.text, old.topic.value, old.name]
    assert not [text for text in everything_the_bot_shows_now if TITLE in text or "investigating" in text]
    assert not [text for text in everything_the_bot_shows_now if moved in text], "where it went stays unsaid"
    assert old.is_archived
    assert [call.args["name"] for call in stack.emulator.calls("conversations.rename")] == ["inc-1-moved"]
    assert stack.emulator.channel(moved).name == "inc-1-card-numbers-in-the-logs-2"
    assert TITLE in str(card_of(stack, moved).blocks), "the private channel has the card as it was"


def test_a_channel_already_called_inc_n_moved_gets_a_suffix(stack: Stack) -> None:
    public = open_public(stack)
    stack.emulator.create_channel("inc-1-moved", members=["alice"])
    click_move(stack, public)
    stack.settle()
    assert stack.emulator.channel(public).name == "inc-1-moved-2"
    assert stack.emulator.channel(public).is_archived


def test_where_only_admins_may_rename_channels_the_name_stays_and_the_rest_is_done(stack: Stack) -> None:
    stack.emulator.admin.restrict_renaming()
    public = open_public(stack)
    named = stack.emulator.channel(public).name
    click_move(stack, public)
    stack.settle()
    old = stack.emulator.channel(public)
    assert old.name == named and old.is_archived
    assert shown(card_of(stack, public)).startswith(MOVED_NOTICE) and TITLE not in old.topic.value
    assert [call.error for call in stack.emulator.calls("conversations.rename")] == ["not_authorized"], "asked once"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def slow_stack(make_stack: Callable[..., Stack], clock: ManualClock) -> Stack:
    return make_stack(clock=clock)


def test_slack_failing_on_the_old_channel_is_retried_and_never_holds_back_the_private_one(
    slow_stack: Stack, clock: ManualClock
) -> None:
    stack = slow_stack
    public = open_public(stack)
    stack.emulator.rate_limit_next("conversations.rename", retry_after=20)
    stack.emulator.fail_next("conversations.archive", status=503)
    click_move(stack, public)
    wait_for(lambda: stack.emulator.calls("conversations.rename"), timeout=15)
    wait_for(lambda: list(waiting(stack)) == ["channel.vacate"], timeout=15)
    moved = stack.channel_of(1)
    stack.user("bob").slash("note Rotated the signing keys", channel=moved)
    stack.user("bob").slash("status identified", channel=moved)
    wait_for(lambda: list(waiting(stack)) == ["channel.vacate"], timeout=15)  # while the old channel waits
    assert any("Rotated the signing keys" in line for line in bot_lines(stack, moved))
    assert card_of(stack, moved).text.startswith("INC-1 (identified, sev1)"), "the new card follows it"
    assert stack.emulator.channel(public).name != "inc-1-moved" and not stack.emulator.channel(public).is_archived
    wait_until_no_send_is_in_flight(stack)
    clock.advance(seconds=20)  # Retry-After
    stack.runtime.sender_thread.notify()
    wait_for(lambda: stack.emulator.calls("conversations.archive"), timeout=15)
    wait_until_no_send_is_in_flight(stack)
    clock.advance(seconds=30)
    stack.settle()
    old = stack.emulator.channel(public)
    assert (old.name, old.is_archived) == ("inc-1-moved", True)
    assert [call.status for call in stack.emulator.calls("conversations.rename")] == [429, 200]
    assert [call.status for call in stack.emulator.calls("conversations.archive")] == [503, 200]
    notes = [m for m in stack.emulator.messages(public) if "has moved to a new private channel" in m.text]
    assert len(notes) == 1, "the note once, though the work was tried three times"


def test_a_token_revoked_during_the_clean_up_holds_it_until_slack_takes_the_token_again(
    slow_stack: Stack, clock: ManualClock
) -> None:
    stack = slow_stack
    public = open_public(stack)
    stack.emulator.fail_next("conversations.rename", status=503)
    click_move(stack, public)
    wait_for(lambda: stack.emulator.calls("conversations.rename"), timeout=15)
    wait_for(lambda: list(waiting(stack)) == ["channel.vacate"], timeout=15)
    wait_until_no_send_is_in_flight(stack)
    stack.emulator.revoke_token("token_revoked")
    clock.advance(seconds=30)
    stack.runtime.sender_thread.notify()
    wait_for(lambda: waiting(stack).get("channel.vacate") == "held", timeout=15)
    assert stack.emulator.channel(public).name != "inc-1-moved"
    stack.emulator.restore_token()
    clock.advance(seconds=60)  # the next check of the token lets the held work go
    stack.settle(timeout=30)
    old = stack.emulator.channel(public)
    assert (old.name, old.is_archived) == ("inc-1-moved", True)
    assert shown(card_of(stack, public)).startswith(MOVED_NOTICE)
    assert len([m for m in stack.emulator.messages(public) if "has moved to a new private channel" in m.text]) == 1


LEFT_BEHIND = (
    "this channel is no longer INC-1's. INC-1 was made private and moved to a private channel; "
    "its people work on it there."
)


@pytest.fixture
def left_open(stack: Stack) -> str:
    """INC-1 moved out of its public channel, which Slack would not let the bot archive: people can
    still type there."""
    stack.emulator.admin.restrict_archiving()
    public = open_public(stack)
    click_move(stack, public)
    stack.settle()
    assert not stack.emulator.channel(public).is_archived and stack.channel_of(1) != public
    return public


def test_commands_typed_in_the_channel_left_behind_are_answered_so_and_change_nothing(
    stack: Stack, left_open: str, unchanged: Any
) -> None:
    """Before, they were answered "This is not an incident channel: name the incident ...", which
    invites the very command that would reach into the private incident from a public channel."""
    with unchanged(stack.runtime.db):
        for person, command in [
            ("bob", "note The keys leaked again"),
            ("alice", "status resolved"),
            ("bob", "timeline"),
            ("alice", "private"),
        ]:
            answer = stack.user(person).slash(command, channel=left_open)
            assert answer.json["text"] == f":warning: Nothing was changed: {LEFT_BEHIND}"
        refused = stack.user("bob").slash("note INC-1 The keys leaked again", channel=left_open)
        assert refused.json["text"].startswith(":warning: INC-1 is private: only its opener and role holders")
        stack.settle()
    entries = stack.runtime.service.timeline(Where(team_id="T0EMULATOR", number=1)).entries
    assert not [entry for entry in entries if "leaked again" in entry.text]
    assert not [m for m in stack.emulator.messages(stack.channel_of(1)) if "leaked again" in m.text]


def test_the_answer_in_the_channel_left_behind_stays_true_once_the_incident_is_public_again(
    stack: Stack, left_open: str, unchanged: Any
) -> None:
    """It said "INC-1 is private now", untrue after `/incident public INC-1`; it says what happened."""
    made_public = stack.user("alice").slash("public", channel=stack.channel_of(1))
    assert not made_public.json["text"].startswith(":warning:"), made_public.json["text"]
    stack.settle()
    with unchanged(stack.runtime.db):
        answer = stack.user("bob").slash("note Still broken?", channel=left_open)
    assert answer.json["text"] == f":warning: Nothing was changed: {LEFT_BEHIND}"


def test_a_pushpin_or_add_to_timeline_in_the_channel_left_behind_adds_nothing_and_says_so(
    stack: Stack, left_open: str
) -> None:
    """Before, the :pushpin: was ignored without a word and *Add to timeline* answered that this is
    not an incident channel."""
    ts = stack.user("bob").post_message(left_open, "Card numbers are in the nginx logs too")
    stack.user("bob").react(left_open, ts)
    stack.settle()
    told = [m.text for m in stack.emulator.messages(f"D{stack.emulator.user('bob').id}")]
    assert told == [f":pushpin: In <#{left_open}>: Not added to the timeline: {LEFT_BEHIND}"]
    shortcut = stack.user("alice").message_shortcut(left_open, ts, actions.ADD_TO_TIMELINE)
    assert shortcut.status == 200
    stack.settle()
    assert stack.emulator.response_url_posts()[-1].body["text"] == (
        f":warning: Not added to the timeline: {LEFT_BEHIND}"
    )
    entries = stack.runtime.service.timeline(Where(team_id="T0EMULATOR", number=1)).entries
    assert not [entry for entry in entries if "nginx" in entry.text]


def test_a_card_slack_posted_only_after_the_click_is_replaced_too(slow_stack: Stack, clock: ManualClock) -> None:
    """Slack failing as the incident opened: the move is clicked before its card is posted, and the
    card, posted in the public channel just before the move, must not stay there showing the title."""
    stack = slow_stack
    stack.emulator.fail_next("chat.postMessage", status=503, times=3)
    stack.user("alice").slash(f"open sev1 {TITLE}")
    wait_for(lambda: len(stack.emulator.calls("chat.postMessage")) >= 3, timeout=15)
    public = stack.channel_of(1)
    assert not [m for m in stack.emulator.messages(public) if m.pinned], "no card yet"
    click_move(stack, public)
    wait_until_no_send_is_in_flight(stack)
    clock.advance(seconds=30)
    stack.settle(timeout=30)
    assert stack.channel_of(1) != public
    card = card_of(stack, public)
    assert shown(card).startswith(MOVED_NOTICE) and TITLE not in str(card.blocks) + card.text
    assert stack.emulator.channel(public).name == "inc-1-moved"


def test_a_bot_message_a_member_pinned_is_not_taken_for_the_card_posted_after_the_click(
    slow_stack: Stack, clock: ManualClock
) -> None:
    """The card's ts unknown at the click, each try of the clean-up looks for the card among the
    pinned messages: the note it left, which bob pinned before the archive was tried again, is
    another of the bot's pinned messages, and stays as it is."""
    stack = slow_stack
    stack.emulator.fail_next("chat.postMessage", status=503, times=3)
    stack.user("alice").slash(f"open sev1 {TITLE}")
    wait_for(lambda: len(stack.emulator.calls("chat.postMessage")) >= 3, timeout=15)
    public = stack.channel_of(1)
    stack.emulator.add_member(public, "bob")
    click_move(stack, public)
    stack.emulator.fail_next("conversations.archive", status=503)  # the clean-up is tried again
    wait_until_no_send_is_in_flight(stack)
    clock.advance(seconds=30)
    wait_for(lambda: stack.emulator.calls("conversations.archive"), timeout=15)
    wait_until_no_send_is_in_flight(stack)
    card = card_of(stack, public)
    [note] = [m for m in stack.emulator.messages(public) if m.ts > card.ts and "has moved to" in m.text]
    assert not note.pinned, "the note the clean-up left, before it was tried again"
    stack.user("bob").pin(public, note.ts)
    clock.advance(seconds=30)
    stack.settle(timeout=30)
    assert stack.emulator.channel(public).is_archived
    kept = stack.emulator.message(public, note.ts)
    assert (kept.text, kept.blocks) == (note.text, note.blocks), "bob's pinned note is not made a card"
    replaced = stack.emulator.message(public, card.ts)
    assert shown(replaced).startswith(MOVED_NOTICE) and TITLE not in str(replaced.blocks) + replaced.text
