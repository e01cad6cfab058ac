"""A private incident leaves its public channel for a new private one (docs/behaviour.md, Private
incidents): offered under `/incident private`, done through the outbox, refused with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_stack import Stack, bot_lines, card_of
from sqlalchemy.exc import OperationalError

from bot.domain.incident import EntryKind
from bot.lookup import Where
from bot.storage import left_channels
from slack_emulator.records import Ephemeral

INC_1 = Where(team_id="T0EMULATOR", number=1)
MOVE = "incident.move_private"
COPIED = "The timeline so far"


@pytest.fixture
def public(stack: Stack) -> str:
    """INC-1, opened public by alice in #general, with bob in its channel and a note on its timeline."""
    stack.user("alice").slash("open sev1 Card numbers in the logs")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.add_member(channel, "bob")
    stack.user("bob").slash("note Rotated the signing keys", channel=channel)
    stack.settle()
    return channel


def offer(stack: Stack, channel: str, user: str = "alice") -> Ephemeral:
    """The newest ephemeral message `user` sees in `channel` that offers the move."""
    offers = [e for e in stack.emulator.ephemerals(channel, user) if MOVE in str(e.blocks)]
    assert offers, "no offer to move"
    return offers[-1]


def replies(stack: Stack) -> list[str]:
    return [str(post.body.get("text", "")) for post in stack.emulator.response_url_posts()]


def shown(stack: Stack, channel: str) -> list[str]:
    """Every message of the channel as text and blocks, as a person reads them."""
    return [f"{m.text} {m.blocks}" for m in stack.emulator.messages(channel)]


def moves(stack: Stack) -> list[str]:
    return [entry.actor for entry in stack.runtime.service.timeline(INC_1).entries if entry.kind is EntryKind.CHANNEL]


def test_private_on_an_incident_with_a_public_channel_says_so_and_moves_it_when_asked(
    stack: Stack, public: str
) -> None:
    answer = stack.user("alice").slash("private", channel=public)
    assert answer.json["text"].startswith("INC-1: now *private*")
    assert f"Its channel <#{public}> is *public*: anyone in the workspace can still find it" in answer.json["text"]
    assert stack.channel_of(1) == public, "nothing moves until someone asks"
    named = stack.emulator.channel(public).name
    stack.user("alice").click_ephemeral(public, offer(stack, public).ts, MOVE)
    stack.settle()
    assert replies(stack)[-1].startswith("INC-1: moving to a new private channel.")
    moved = stack.channel_of(1)
    old, new = stack.emulator.channel(public), stack.emulator.channel(moved)
    assert moved != public and new.is_private and new.name == f"{named}-2", "the same name, a suffix"
    assert {stack.emulator.user(name).id for name in ("alice", "bob")} <= set(new.members)
    card = card_of(stack, moved)
    assert "Card numbers in the logs" in str(card.blocks) and ":lock: *Private*" in str(card.blocks)
    assert "INC-1" in (new.topic.value if new.topic else "")
    lines = bot_lines(stack, moved)
    copied = next(line for line in lines if COPIED in line)
    assert "Rotated the signing keys" in copied
    assert f"*alice* :lock: moved the incident to a new private channel: from #{named}" in copied
    assert old.is_archived
    (pointer,) = [m for m in stack.emulator.messages(public) if "moved to a new private channel" in m.text]
    assert f"<#{moved}>" not in pointer.text and "Ask its lead, *alice*" in pointer.text
    assert pointer.text.endswith("This channel is archived.")
    assert moves(stack) == [stack.emulator.user("alice").id]
    stack.user("bob").slash("note Keys rotated everywhere", channel=moved)  # its channel from now on
    stack.settle()
    assert any("Keys rotated everywhere" in line for line in bot_lines(stack, moved))
    assert not any("Keys rotated everywhere" in line for line in shown(stack, public))


def dm_of(stack: Stack, person: str) -> list[str]:
    """The app's direct messages to `person`, as text and blocks."""
    return [f"{m.text} {m.blocks}" for m in stack.emulator.messages(f"D{stack.emulator.user(person).id}")]


def test_a_page_waiting_for_an_answer_links_the_new_channel_once_moved(stack: Stack, public: str) -> None:
    """Before, bob's page kept "You are invited to its channel, <#old>", archived since."""
    stack.emulator.add_user("carol", real_name="Carol Jones")
    stack.user("alice").slash("page @bob", channel=public)
    stack.user("alice").slash("page @carol", channel=public)
    stack.settle()
    carols = stack.emulator.messages(f"D{stack.emulator.user('carol').id}")[0]
    stack.user("carol").click(carols.channel, carols.ts, "page.decline")
    stack.settle()
    stack.user("alice").slash("private", channel=public)
    stack.user("alice").click_ephemeral(public, offer(stack, public).ts, MOVE)
    stack.settle()
    moved = stack.channel_of(1)
    [bobs] = dm_of(stack, "bob")
    assert f"You are invited to its channel, <#{moved}>." in bobs and f"<#{public}>" not in bobs
    assert "page.acknowledge" in bobs  # still waiting for his answer
    [carols_now] = dm_of(stack, "carol")
    assert "You said you can't take it" in carols_now and "page.acknowledge" not in carols_now  # answered: as it was
    [message] = stack.emulator.messages(f"D{stack.emulator.user('bob').id}")
    stack.user("bob").click(message.channel, message.ts, "page.acknowledge")
    stack.settle()
    assert replies(stack)[-1].startswith("INC-1: thank you, you acknowledged it at ")
    assert f"The channel: <#{moved}>." in dm_of(stack, "bob")[0]


def test_when_slack_will_not_archive_the_public_channel_the_note_left_there_says_so(stack: Stack, public: str) -> None:
    stack.emulator.admin.restrict_archiving()
    stack.user("alice").slash("private", channel=public)
    stack.user("alice").click_ephemeral(public, offer(stack, public).ts, MOVE)
    stack.settle()
    assert stack.channel_of(1) != public
    assert not stack.emulator.channel(public).is_archived
    (pointer,) = [m for m in stack.emulator.messages(public) if "moved to a new private channel" in m.text]
    assert "I could not archive this channel (Slack said `restricted_action`): a workspace admin can" in pointer.text


def test_the_move_waits_out_a_failing_slack_and_does_each_step_once(stack: Stack, public: str) -> None:
    stack.user("alice").slash("private", channel=public)
    for method in ("conversations.create", "conversations.members", "chat.postMessage", "conversations.archive"):
        stack.emulator.fail_next(method, status=503)
    stack.emulator.fail_next("conversations.invite", status=500)
    stack.user("alice").click_ephemeral(public, offer(stack, public).ts, MOVE)
    stack.settle(timeout=90)
    moved = stack.channel_of(1)
    assert moved != public and stack.emulator.channel(public).is_archived
    created = [call for call in stack.emulator.calls("conversations.create") if call.ok]
    assert len(created) == 2, "INC-1's channel, then the private one, once"
    assert len([line for line in bot_lines(stack, moved) if COPIED in line]) == 1
    assert len([m for m in stack.emulator.messages(moved) if m.pinned]) == 1
    assert len([m for m in stack.emulator.messages(public) if "moved to a new private channel" in m.text]) == 1
    assert stack.emulator.user("bob").id in stack.emulator.channel(moved).members


def test_asking_again_offers_the_move_again_and_stores_nothing(stack: Stack, public: str, unchanged: Any) -> None:
    stack.user("alice").slash("private", channel=public)
    stack.settle()
    with unchanged(stack.runtime.db):
        again = stack.user("alice").slash("private", channel=public)
    assert again.json["text"].startswith("INC-1 is already *private*.")
    assert MOVE in str(again.json["blocks"])


@pytest.mark.parametrize("single_channel", [False, True])
def test_a_click_by_someone_turned_guest_is_refused_and_nothing_is_stored(
    stack: Stack, public: str, unchanged: Any, single_channel: bool
) -> None:
    stack.user("bob").slash("private", channel=public)
    stack.settle()
    assert stack.emulator.admin.turn_into_guest("bob", single_channel=single_channel).status == 200
    with unchanged(stack.runtime.db):
        stack.user("bob").click_ephemeral(public, offer(stack, public, "bob").ts, MOVE)
        stack.settle()
    assert replies(stack)[-1] == (
        ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."
    )
    assert stack.channel_of(1) == public and moves(stack) == []


def test_a_second_click_or_one_after_the_incident_went_public_again_changes_nothing(
    stack: Stack, public: str, unchanged: Any
) -> None:
    stack.user("alice").slash("private", channel=public)
    offered = offer(stack, public)
    stack.emulator.set_latency(0.5, "conversations.create")  # the move is under way for a while
    stack.user("alice").click_ephemeral(public, offered.ts, MOVE)
    stack.user("alice").click_ephemeral(public, offered.ts, MOVE)
    stack.settle()
    assert replies(stack)[-1] == ":warning: INC-1 is already moving to a new private channel."
    assert len(moves(stack)) == 1
    moved = stack.channel_of(1)
    with unchanged(stack.runtime.db):
        stack.user("alice").click_ephemeral(public, offered.ts, MOVE)
        stack.settle()
    assert replies(stack)[-1] == ":warning: INC-1's channel is already private: there is nothing to move."
    stack.user("alice").slash("public", channel=moved)
    stack.settle()
    with unchanged(stack.runtime.db):
        stack.user("alice").click_ephemeral(public, offered.ts, MOVE)
        stack.settle()
    assert replies(stack)[-1].startswith(":warning: INC-1 is public, so its channel stays as it is.")


def test_an_incident_opened_private_is_offered_no_move_when_made_private_again(stack: Stack) -> None:
    stack.user("alice").slash("open --private sev1 Card numbers in the logs")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("public", channel=channel)
    answer = stack.user("alice").slash("private", channel=channel)
    assert answer.json["text"].startswith("INC-1: now *private*") and "blocks" not in answer.json


def test_a_channel_left_whose_record_failed_is_recorded_by_the_retry(
    stack: Stack, public: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails the record of the channel left once, as the new channel is remembered
    beside the invitations (on PostgreSQL the new channel was written already): the retry records
    it, so what is typed in the old channel is answered so and reaches nothing."""
    record, failed = left_channels.record, []

    def failing_once(**arguments: Any) -> None:
        if not failed:
            failed.append(arguments)
            raise OperationalError("INSERT INTO left_channel", {}, Exception("server closed the connection"))
        record(**arguments)

    monkeypatch.setattr(left_channels, "record", failing_once)
    stack.user("alice").slash("private", channel=public)
    stack.user("alice").click_ephemeral(public, offer(stack, public).ts, MOVE)
    stack.settle(timeout=60)
    assert failed and stack.channel_of(1) != public
    entries = len(stack.runtime.service.timeline(INC_1).entries)
    answer = stack.user("bob").slash("note Rotated the keys again", channel=public)
    assert "this channel is no longer INC-1's" in answer.json["text"]
    assert len(stack.runtime.service.timeline(INC_1).entries) == entries, "nothing reached the incident"
