"""What Slack answered a sender whose lease ran out is kept only while the effect is still its own
(`store.mark_done` reports what it marked, `store.still_ours` guards a step of the send): sender A's
call is not answered for longer than its lease, sender B claims the effect, sends it and records
what Slack answered B (the channel, the card's `ts`); then A's answer comes, and nothing of it
replaces B's record: before, A's card `ts` was written over B's (the step beside the pin, then the
record), and A's late channel over B's (which cleared B's card too). Through the real sender, its
delivery and the Slack emulator, over HTTP; on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from sqlmodel import col, select

from bot.config import Settings
from bot.outbox import claims, store
from bot.outbox.delivery import Delivery
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.kinds.post_card import PostCard
from bot.outbox.sender import EffectSender
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage import repository
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from bot.storage.repository import StoredIncident
from slack_emulator import BOT_USER_ID, TEAM_ID, SlackEmulator
from tests.conftest import KOLKATA

WAIT = 30.0  # seconds: only a failure waits this long


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as slack:
        yield slack
        assert slack.internal_errors == []


def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token=emulator.bot_token, base_url=emulator.api_url, retry_handlers=[])


def sender(db: Database, emulator: SlackEmulator, clock: ManualClock) -> EffectSender:
    """A sender as a process runs it, sending one batch at a time, through a real WebClient."""
    delivery = Delivery(client(emulator), Settings(zone=KOLKATA), bot_user_id=lambda: BOT_USER_ID)
    return EffectSender(db, delivery, clock=clock, workspace=lambda: TEAM_ID)


def incident(db: Database) -> StoredIncident:
    with db.read() as session:
        stored = repository.get_by_number(session=session, team_id=TEAM_ID, number=1)
    assert stored is not None
    return stored


def effect(db: Database, kind: str) -> tuple[object, ...]:
    """The incident's effect of `kind`: its id, state, who sent it, when it was done, and its note."""
    with db.read() as session:
        row = session.exec(select(EffectRow).where(col(EffectRow.kind) == kind)).one()
    return (row.id, row.state, row.claimed_by, row.done_at, row.last_error)


def answered_late(
    db: Database, emulator: SlackEmulator, clock: ManualClock, method: str, meanwhile: Callable[[], None]
) -> EffectSender:
    """Sender A sends the incident's work, and its first call of `method` is not answered for longer
    than its lease: B claims what A held, sends it all and records it; then `meanwhile` runs, and
    A's call is answered at last (A's round then ends). Returns B."""
    a, b = sender(db, emulator, clock), sender(db, emulator, clock)
    held = emulator.hold(method)  # A's call; B's, later, go through the one that replaces it
    a_sending = threading.Thread(target=a.drain)
    a_sending.start()
    try:
        assert held.wait_arrived(WAIT), f"A called {method}"
        clock.advance(seconds=claims.LEASE.total_seconds() + 1)  # A's leases ran out while Slack was slow
        emulator.hold(method).release()  # B's calls are answered at once; A's still waits
        b.drain()
        meanwhile()
        clock.advance(seconds=5)
    finally:
        held.release()
        a_sending.join(WAIT)
    assert not a_sending.is_alive()
    return b


def test_a_card_posted_after_its_lease_ran_out_leaves_the_card_of_the_sender_that_took_over(
    shared_db: Database, emulator: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A posts the card and Slack answers only after A's lease ran out and B posted and pinned its
    own (A's message reached Slack too late for B to find it). Before, A's `ts` was written over
    B's, beside A's pin and again when A recorded it: the incident pointed at A's card, and
    updates edited that one. Now B's stays, and the card is done once, by B."""
    clock = ManualClock(datetime.now(UTC))
    IncidentService(shared_db, zone=KOLKATA, clock=clock).open(team_id=TEAM_ID, actor="U0ALICE", title="Checkout")
    sender(shared_db, emulator, clock).drain(stopping=lambda: bool(emulator.calls("conversations.create")))
    channel = incident(shared_db).incident.channel_id
    assert channel is not None and incident(shared_db).card_ts is None, "the channel made, the card still to post"
    caplog.set_level(logging.INFO, logger="bot.outbox")
    after_b: list[tuple[object, ...]] = []
    b = answered_late(
        shared_db, emulator, clock, "chat.postMessage", lambda: after_b.append(effect(shared_db, PostCard.kind))
    )
    cards = [
        call
        for call in emulator.calls("chat.postMessage")
        if call.ok and call.args.get("metadata", {}).get("event_payload", {}).get("effect_id") == after_b[0][0]
    ]
    assert len(cards) == 2, "B's card, then A's, answered last"
    b_card, a_card = (str(call.response["ts"]) for call in cards)
    assert incident(shared_db).card_ts == b_card != a_card, "B's card stays the incident's"
    assert incident(shared_db).incident.channel_id == channel
    card_id, state, sent_by, _, _ = after_b[0]
    assert (state, sent_by) == ("done", store.worker_label(b.worker))
    assert effect(shared_db, PostCard.kind) == after_b[0], "done once, by B"
    assert f"effect {card_id}: no longer this sender's" in caplog.text


def test_a_channel_created_after_its_lease_ran_out_leaves_the_channel_of_the_sender_that_took_over(
    shared_db: Database, emulator: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A creates the incident's channel and Slack answers only after A's lease ran out: B created the
    channel meanwhile, posted the card and the rest, and the channel was renamed since, so A's call
    made a second one. Before, A's record pointed the incident at A's empty channel and cleared
    B's card. Now the incident keeps B's channel and card, and the creation is done once, by B."""
    clock = ManualClock(datetime.now(UTC))
    IncidentService(shared_db, zone=KOLKATA, clock=clock).open(team_id=TEAM_ID, actor="U0ALICE", title="Checkout")
    caplog.set_level(logging.INFO, logger="bot.outbox")
    after_b: list[StoredIncident] = []
    creation: list[tuple[object, ...]] = []

    def b_channel_renamed() -> None:
        after_b.append(incident(shared_db))
        creation.append(effect(shared_db, CreateChannel.kind))
        b_channel = after_b[0].incident.channel_id
        assert b_channel is not None
        client(emulator).conversations_rename(channel=b_channel, name="checkout-war-room")

    b = answered_late(shared_db, emulator, clock, "conversations.create", b_channel_renamed)
    made = [str(call.response["channel"]["id"]) for call in emulator.calls("conversations.create") if call.ok]
    assert len(made) == 2, "B's channel, then A's, answered last"
    b_made, a_made = made
    b_record = after_b[0]
    assert (b_record.incident.channel_id, b_record.card_ts is not None) == (b_made, True), "B sent it all"
    assert incident(shared_db) == b_record, "B's channel and card stay the incident's"
    assert a_made != b_made
    creation_id, state, sent_by, _, _ = creation[0]
    assert (state, sent_by) == ("done", store.worker_label(b.worker))
    assert effect(shared_db, CreateChannel.kind) == creation[0], "done once, by B"
    assert f"effect {creation_id}: no longer this sender's" in caplog.text
