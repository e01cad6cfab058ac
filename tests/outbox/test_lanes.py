"""Lanes: an incident's independent work goes side by side, what depends on something waits for it.

A fake Slack that checks, for every batch it is handed, what the work needs: the channel for
everything in it, the card for a card update, the lines in the order they happened. It answers
after a random moment and fails at random, so the senders' threads finish and retry in every
order; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.domain.declared import SourceMessage
from bot.domain.incident import Status
from bot.lookup import Where
from bot.outbox import claims as store_claims
from bot.outbox import store
from bot.outbox.attempts import Attempt
from bot.outbox.backoff import Backoff
from bot.outbox.claims import Claimed, Due
from bot.outbox.effect import CHANNEL_LANE, Effect
from bot.outbox.failures import Hold, Retry
from bot.outbox.kinds.create_channel import ChannelCreated, CreateChannel
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.link_message import LinkMessage
from bot.outbox.kinds.post_card import CardPosted, PostCard
from bot.outbox.kinds.post_notice import PostNotice
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.results import Nothing, Progress, Result
from bot.outbox.sender import EffectSender
from bot.outbox.view import IncidentView
from bot.service import IncidentService
from bot.storage import repository
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA


class CheckingSlack:
    """Answers like `Delivery.send` after a random moment, failing at random (a 503: nothing was
    done), and notes every batch sent before what it needs was there."""

    def __init__(self, seed: int, *, fail_rate: float = 0.2, seconds: float = 0.004) -> None:
        self.random = random.Random(seed)
        self.fail_rate = fail_rate
        self.seconds = seconds
        self.lock = threading.Lock()
        self.sent: list[tuple[int, str, int]] = []  # (incident number, kind, effect id), as sent
        self.lines: dict[int, list[int]] = {}  # incident number -> timeline entries posted, in order
        self.wrong: list[str] = []
        self.failing: set[tuple[int, str]] = set()  # (incident number, kind) Slack fails every time (a 503)
        self.failure: Exception = Retry("HTTP 503")  # how it fails

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: object = None,
    ) -> Result:
        first, view = effects[0], views[0]
        incident = view.incident
        with self.lock:
            pause, fails = self.random.random() * self.seconds, self.random.random() < self.fail_rate
        time.sleep(pause)  # the round's other batches may finish first
        if fails or (incident.number, first.kind) in self.failing:
            raise self.failure
        if isinstance(first, CreateChannel) and incident.channel_id is not None:
            return Nothing(note="channel exists")  # as the kind does: a retry after a lost record
        with self.lock:
            if type(first).after == CHANNEL_LANE and incident.channel_id is None:
                self.wrong.append(f"{first.kind} of {incident.name} before its channel")
            if isinstance(first, UpdateCard) and view.card_ts is None:
                self.wrong.append(f"card update of {incident.name} before its card")
            for effect_id, effect in zip(attempt.effect_ids, effects, strict=True):
                self.sent.append((incident.number, effect.kind, effect_id))
                if isinstance(effect, PostTimeline):
                    self.lines.setdefault(incident.number, []).append(effect.entry_id)
        if isinstance(first, CreateChannel):
            return ChannelCreated(channel_id=f"C{incident.number}", name=f"inc-{incident.number}")
        if isinstance(first, PostCard):
            progress(CardPosted(ts=f"{incident.number}.000100"))  # written beside the pin, as the kind does
            return CardPosted(ts=f"{incident.number}.000100")
        return Nothing()

    def kinds(self, number: int) -> list[str]:
        return [kind for sent_number, kind, _ in self.sent if sent_number == number]


class SteppedClock:
    """The time now, plus what the test skipped ahead (so retries come due without waiting)."""

    def __init__(self) -> None:
        self.skipped = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.skipped


def pending(db: Database) -> list[EffectRow]:
    with db.read() as session:
        return list(session.exec(select(EffectRow).where(col(EffectRow.state) == "pending")).all())


def entry_ids(db: Database, number: int) -> list[int]:
    with db.read() as session:
        stored = repository.get_by_number(session=session, team_id="T1", number=number)
        assert stored is not None
        return [item.id for item in repository.timeline(session=session, incident_id=stored.id)]


def sender_for(db: Database, slack: CheckingSlack, clock: SteppedClock, *, threads: int = 4) -> EffectSender:
    backoff = Backoff(random=lambda: 1.0)
    return EffectSender(db, slack, clock=clock, workspace=lambda: "T1", backoff=backoff, threads=threads)


def busy_incidents(service: IncidentService) -> None:
    """Two incidents opened, then notes, status changes and impacts into both, interleaved."""
    for title in ("Checkout fails", "Search is slow"):
        service.open(team_id="T1", actor="U1", title=title)
    for n in range(12):
        for number in (1, 2):
            where = Where("T1", number=number)
            service.note(where, actor="U1", text=f"step {n}")
            if n % 4 == 1:
                service.set_impact(where, actor="U1", text=f"impact as of step {n}")
            if n == 6:
                service.set_status(where, actor="U1", status=Status.IDENTIFIED)


def drain_until_done(db: Database, senders: list[EffectSender], clock: SteppedClock) -> None:
    """Each sender drains in a thread of its own; the clock skips ahead so every retry comes due,
    but only while no send is in flight: a real send ends within its timeout, long before its
    lease (two minutes) does, and skipping past a lease while a loaded machine had the send's
    thread waiting let another sender take the effect too (sent twice, by the test's clock)."""
    stop = threading.Event()

    def keep_draining(sender: EffectSender) -> None:
        while not stop.is_set():
            sender.drain()

    threads = [threading.Thread(target=keep_draining, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while (rows := pending(db)) and time.monotonic() < deadline:
        time.sleep(0.02)
        if not any(row.claimed_until is not None and row.claimed_until > clock() for row in rows):
            clock.skipped += timedelta(seconds=31)  # less than half a lease: a claim made meanwhile keeps its own
    stop.set()
    for thread in threads:
        thread.join(30)
    for sender in senders:
        sender.pool.close()


def assert_dependencies_held(db: Database, slack: CheckingSlack) -> None:
    assert pending(db) == []
    assert slack.wrong == []
    for number in (1, 2):
        assert slack.kinds(number)[0] == CreateChannel.kind, "nothing of an incident before its channel"
        assert slack.lines[number] == entry_ids(db, number), f"INC-{number}: every line once, in order"
        kinds = slack.kinds(number)
        assert kinds.index(PostCard.kind) < kinds.index(UpdateCard.kind), "the card before its updates"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_side_by_side_and_shuffled_by_failures_the_dependencies_hold(shared_db: Database, seed: int) -> None:
    service = IncidentService(shared_db, zone=KOLKATA)
    busy_incidents(service)
    slack, clock = CheckingSlack(seed), SteppedClock()
    drain_until_done(shared_db, [sender_for(shared_db, slack, clock)], clock)
    assert_dependencies_held(shared_db, slack)


def test_two_senders_running_incidents_side_by_side_never_send_one_effect_twice(shared_db: Database) -> None:
    service = IncidentService(shared_db, zone=KOLKATA)
    busy_incidents(service)
    slack, clock = CheckingSlack(7, fail_rate=0.1), SteppedClock()
    drain_until_done(shared_db, [sender_for(shared_db, slack, clock) for _ in range(2)], clock)
    assert_dependencies_held(shared_db, slack)
    ids = [effect_id for _, _, effect_id in slack.sent]
    assert len(ids) == len(set(ids)), "no effect sent twice"
    with shared_db.read() as session:
        done = session.exec(select(EffectRow.id).where(col(EffectRow.state) == "done")).all()
    superseded = len(done) - len(ids)
    assert superseded >= 0 and set(ids) <= set(done)


def test_a_failing_channel_creation_holds_what_needs_the_channel_and_nothing_else(any_db: Database) -> None:
    service = IncidentService(any_db, zone=KOLKATA)
    # declared from a message: its permalink is looked up, which needs no channel of ours
    declared = SourceMessage("C0ELSEWHERE", str(time.time() - 60), "U0BOB", "checkout is throwing 500s")
    service.open(team_id="T1", actor="U1", title="Checkout fails", message=declared)
    service.open(team_id="T1", actor="U1", title="Search is slow")
    slack, clock = CheckingSlack(11, fail_rate=0.0), SteppedClock()
    sender = sender_for(any_db, slack, clock, threads=1)
    slack.failing = {(1, CreateChannel.kind)}
    sender.drain()
    clock.skipped += timedelta(seconds=31)
    sender.drain()
    assert slack.kinds(1) == [LinkMessage.kind], "INC-1: only what needs no channel"
    assert slack.kinds(2)[0] == CreateChannel.kind and PostCard.kind in slack.kinds(2), "INC-2 goes on"
    waiting = {row.kind for row in pending(any_db)}
    assert waiting >= {CreateChannel.kind, Invite.kind, PostCard.kind, PostTimeline.kind}, "held, not lost"
    slack.failing = set()
    while pending(any_db):
        clock.skipped += timedelta(seconds=31)
        sender.drain()
    assert slack.wrong == []
    assert slack.kinds(1)[:2] == [LinkMessage.kind, CreateChannel.kind], "once the channel exists, the rest"
    assert slack.lines[1] == entry_ids(any_db, 1)


def test_a_kind_naming_no_lane_keeps_the_strict_order_of_its_incident(any_db: Database) -> None:
    service = IncidentService(any_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    with any_db.write() as session:
        stored = repository.get_by_number(session=session, team_id="T1", number=1)
        assert stored is not None
        store.enqueue(session=session, incident_id=stored.id, effect=PostNotice(text="Reminder"), now=datetime.now(UTC))
    service.note(Where("T1", number=1), actor="U1", text="after the notice")
    assert PostNotice.lane is None
    slack, clock = CheckingSlack(5, fail_rate=0.0), SteppedClock()
    sender = sender_for(any_db, slack, clock, threads=1)
    while pending(any_db):
        sender.drain()
    sender.pool.close()
    kinds = slack.kinds(1)
    notice = kinds.index(PostNotice.kind)
    assert notice == len(kinds) - 2, "after everything recorded before it"
    assert kinds[-1] == PostTimeline.kind, "and what was recorded after it waited for it"


def test_the_channel_created_lets_its_work_go_in_the_same_round_claimed_as_it_is_recorded(
    shared_db: Database,
) -> None:
    """Open to pinned card is three round trips: once the channel's creation is recorded, the card
    (and the rest that waited for the channel) goes without waiting for another round's read."""
    service = IncidentService(shared_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    slack, clock = CheckingSlack(3, fail_rate=0.0), SteppedClock()
    sender = sender_for(shared_db, slack, clock)
    reads: list[int] = []
    read = sender.claimable

    def one_read_only(**arguments: Any) -> list[Due]:
        reads.append(1)
        return read(**arguments) if len(reads) == 1 else []

    sender.claimable = one_read_only  # type: ignore[method-assign,assignment]
    sender.drain()
    sender.pool.close()
    kinds = slack.kinds(1)
    assert kinds[0] == CreateChannel.kind and len(reads) == 2, "one round, then a read that found nothing"
    assert {PostCard.kind, Invite.kind, PostTimeline.kind} <= set(kinds), "the card and the rest let go at once"
    assert slack.wrong == []
    waiting = {row.kind for row in pending(shared_db)}
    assert PostCard.kind not in waiting and CreateChannel.kind not in waiting


def test_work_let_go_by_the_channel_is_claimed_once_though_another_sender_reads_it_meanwhile(
    shared_db: Database,
) -> None:
    """The card claimed as the channel's creation is recorded is not claimable by any other sender:
    a second sender's round right after finds it leased."""
    service = IncidentService(shared_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    slack, clock = CheckingSlack(4, fail_rate=0.0), SteppedClock()
    first, second = sender_for(shared_db, slack, clock, threads=1), sender_for(shared_db, slack, clock, threads=1)
    seen: list[list[str]] = []
    record = first.record

    def and_another_sender_looks(batch: Sequence[Claimed], attempted: object, **then: Any) -> bool:
        going_on = record(batch, attempted, **then)  # type: ignore[arg-type]
        if batch[0].kind == CreateChannel.kind:
            with shared_db.read() as session:
                due = store_claims.claimable(session=session, team_id="T1", now=clock())
            seen.append([d.kind for d in due])
            second.drain()
        return going_on

    first.record = and_another_sender_looks  # type: ignore[method-assign]
    first.drain()
    assert seen and PostCard.kind not in seen[0], "the card was leased in the transaction that recorded the channel"
    ids = [effect_id for _, _, effect_id in slack.sent]
    assert len(ids) == len(set(ids)), "no effect sent twice"
    assert slack.kinds(1).count(PostCard.kind) == 1 and slack.wrong == []


def card_ts(db: Database, number: int = 1) -> str | None:
    with db.read() as session:
        stored = repository.get_by_number(session=session, team_id="T1", number=number)
        assert stored is not None
        return stored.card_ts


def test_the_card_goes_to_slack_as_soon_as_the_channel_is_made_before_its_creation_is_recorded(
    shared_db: Database,
) -> None:
    """Open to pinned card is three Slack calls one after the other: the card, leased and read
    while the channel was being created, is posted the moment Slack made the channel, without
    waiting for the creation to be recorded (nor for the invite's, topic's and lines' claims);
    once recorded, everything holds: the channel and the card's ts stored, the rest sent once."""
    service = IncidentService(shared_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    slack, clock = CheckingSlack(6, fail_rate=0.0), SteppedClock()
    sender = sender_for(shared_db, slack, clock)
    record, recorded_after_the_card = sender.record, threading.Event()

    def record_once_the_card_was_posted(batch: Sequence[Claimed], attempted: Any, **then: Any) -> bool:
        if batch[0].kind == CreateChannel.kind:
            deadline = time.monotonic() + 10
            while PostCard.kind not in slack.kinds(1) and time.monotonic() < deadline:
                time.sleep(0.005)
            if PostCard.kind in slack.kinds(1):
                recorded_after_the_card.set()
        return record(batch, attempted, **then)

    sender.record = record_once_the_card_was_posted  # type: ignore[method-assign]
    sender.drain()
    sender.pool.close()
    assert recorded_after_the_card.is_set(), "the card waited for the channel's creation to be recorded"
    assert slack.kinds(1)[:2] == [CreateChannel.kind, PostCard.kind]
    assert {Invite.kind, PostTimeline.kind} <= set(slack.kinds(1)), "the rest goes too"
    assert slack.wrong == [] and pending(shared_db) == []
    assert card_ts(shared_db) == "1.000100", "the card's ts, recorded before the channel was, is kept"
    ids = [effect_id for _, _, effect_id in slack.sent]
    assert len(ids) == len(set(ids)), "no effect sent twice"


def assert_the_channel_then_its_card_once(slack: CheckingSlack, db: Database) -> None:
    """The channel made once, its card posted once after it, nothing left pending, the card's ts kept."""
    kinds = slack.kinds(1)
    assert kinds.count(CreateChannel.kind) == kinds.count(PostCard.kind) == 1
    assert kinds.index(CreateChannel.kind) < kinds.index(PostCard.kind)
    assert slack.wrong == [] and pending(db) == [] and card_ts(db) == "1.000100"


def test_with_no_thread_to_read_the_card_ahead_the_channel_is_made_all_the_same_and_the_card_goes_after_it(
    shared_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process has no thread to spare (`can't start new thread`) for the card's read ahead: the
    channel is created all the same, at its first attempt (before, the failed start counted as a
    bug of the creation, never sent, until it was given up after five), and the card goes after it."""
    service = IncidentService(shared_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    slack, clock = CheckingSlack(9, fail_rate=0.0), SteppedClock()
    sender = sender_for(shared_db, slack, clock)
    start = threading.Thread.start

    def no_thread_to_read_ahead(thread: threading.Thread) -> None:
        if thread.name == "effect-ahead":
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", no_thread_to_read_ahead)
    sender.drain()
    sender.pool.close()
    assert_the_channel_then_its_card_once(slack, shared_db)
    with shared_db.read() as session:
        created = session.exec(select(EffectRow).where(EffectRow.kind == CreateChannel.kind)).one()
    assert created.state == "done" and created.attempts == 0, "sent at its first attempt"


@pytest.mark.parametrize(
    "failure", [Retry("HTTP 503"), Hold("token_revoked"), RuntimeError("a bug")], ids=["retry", "hold", "bug"]
)
def test_a_failed_channel_creation_gives_the_card_read_ahead_back_at_once(
    shared_db: Database, failure: Exception
) -> None:
    """The card leased while its channel was being created is given back when the creation
    failed, whatever the failure: it is not held for the lease's two minutes, and goes once the
    channel exists."""
    service = IncidentService(shared_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    slack, clock = CheckingSlack(8, fail_rate=0.0), SteppedClock()
    sender = sender_for(shared_db, slack, clock)
    slack.failing, slack.failure = {(1, CreateChannel.kind)}, failure
    sender.drain()
    card = next(row for row in pending(shared_db) if row.kind == PostCard.kind)
    assert card.claimed_until is None and card.attempts == 0, "given back, no attempt counted"
    assert slack.kinds(1) == []
    slack.failing = set()
    sender.check_now()  # the token is back (a Hold paused the outbox): held work is checked at once
    while pending(shared_db):
        clock.skipped += timedelta(seconds=31)
        sender.drain()
    sender.pool.close()
    assert_the_channel_then_its_card_once(slack, shared_db)


def test_a_card_sent_ahead_records_its_channel_with_its_ts_so_a_lost_record_of_the_creation_makes_no_second_channel(
    shared_db: Database,
) -> None:
    """The card posted the moment Slack made the channel records that channel with its ts: when
    the creation's own record is then lost (the database went away, the process died), the
    creation's retry finds the channel there and makes no second one, and the card is in it."""
    service = IncidentService(shared_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    slack, clock = CheckingSlack(9, fail_rate=0.0), SteppedClock()
    sender = sender_for(shared_db, slack, clock)
    record, lost = sender.record, []

    def creation_record_lost(batch: Sequence[Claimed], attempted: Any, **then: Any) -> bool:
        if batch[0].kind == CreateChannel.kind and not lost:
            deadline = time.monotonic() + 10
            while card_ts(shared_db) is None and time.monotonic() < deadline:
                time.sleep(0.005)
            lost.append(batch[0].id)
            raise OperationalError("UPDATE incident", {}, Exception("the database went away"))
        return record(batch, attempted, **then)

    sender.record = creation_record_lost  # type: ignore[method-assign]
    with pytest.raises(OperationalError):
        sender.drain()
    clock.skipped += timedelta(minutes=3)  # the creation's lease ran out
    while pending(shared_db):
        sender.drain()
    sender.pool.close()
    with shared_db.read() as session:
        stored = repository.get_by_number(session=session, team_id="T1", number=1)
    assert stored is not None and stored.incident.channel_id == "C1" and stored.card_ts == "1.000100"
    assert slack.kinds(1).count(CreateChannel.kind) == 1, "no second channel"
    assert slack.kinds(1).count(PostCard.kind) == 1 and slack.wrong == []
