"""Batches: timeline lines waiting for one channel go out together, each once, in order.

A fake Slack (one call per batch) and a manual clock; the two-sender test runs
real threads against one database, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.lookup import Where
from bot.outbox import claims
from bot.outbox.attempts import Attempt
from bot.outbox.claims import MAX_BATCH, Claimed
from bot.outbox.effect import Effect
from bot.outbox.failures import Retry
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.results import Attempted, Progress, Result
from bot.outbox.sender import EffectSender
from bot.outbox.view import IncidentView
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage import repository
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import OPENING, FakeSlack
from tests.outbox.test_sender import make_sender

START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def entry_ids(db: Database, number: int) -> list[int]:
    """The incident's timeline entries, in timeline order (the opening line first)."""
    with db.read() as session:
        stored = repository.get_by_number(session=session, team_id="T1", number=number)
        assert stored is not None
        return [item.id for item in repository.timeline(session=session, incident_id=stored.id)]


def pending(db: Database) -> list[EffectRow]:
    with db.read() as session:
        return list(session.exec(select(EffectRow).where(col(EffectRow.state) == "pending")).all())


def opened(
    db: Database, *more_titles: str, pace_seconds: float = 0.0
) -> tuple[ManualClock, FakeSlack, IncidentService, EffectSender]:
    """INC-1 "Checkout fails" (and one incident per further title) opened, and its Slack work sent."""
    clock, slack = ManualClock(START), FakeSlack()
    service = IncidentService(db, zone=KOLKATA, clock=clock)
    for title in ("Checkout fails", *more_titles):
        service.open(team_id="T1", actor="U1", title=title)
    sender = make_sender(db, slack, clock)
    sender.pace.seconds = pace_seconds
    sender.drain()
    return clock, slack, service, sender


def test_notes_waiting_for_one_channel_are_sent_in_one_call_each_line_once_and_in_order(sqlite_db: Database) -> None:
    _clock, slack, service, sender = opened(sqlite_db)
    for n in range(30):
        service.note(Where("T1", number=1), actor="U1", text=f"step {n}")
    assert sender.drain() == 30
    assert slack.batches[-1] == 30, "the 30 lines went out in one call"
    assert [entry for _, entry in slack.entries] == entry_ids(sqlite_db, 1), "every line once, in timeline order"
    assert pending(sqlite_db) == []


def test_a_batch_goes_past_other_lanes_work_and_stops_at_the_batch_limit(sqlite_db: Database) -> None:
    _clock, slack, service, sender = opened(sqlite_db)
    for n in range(3):
        service.note(Where("T1", number=1), actor="U1", text=f"before {n}")
    service.set_severity(Where("T1", number=1), actor="U1", severity=1)  # a line, then the card and topic
    for n in range(MAX_BATCH + 5):
        service.note(Where("T1", number=1), actor="U1", text=f"after {n}")
    sender.drain()
    # the card's and the topic's updates are other lanes: they do not split the run of lines
    assert slack.batches[len(OPENING) :] == [MAX_BATCH, 1, 1, 4 + 5]
    assert [entry for _, entry in slack.entries] == entry_ids(sqlite_db, 1)


def test_a_batch_slack_fails_is_tried_again_whole_and_then_sent_once(sqlite_db: Database) -> None:
    clock, slack, service, sender = opened(sqlite_db)
    for n in range(5):
        service.note(Where("T1", number=1), actor="U1", text=f"step {n}")
    slack.failures.append(Retry("HTTP 500"))  # clean: Slack said so before doing anything
    sender.drain()
    assert {row.attempts for row in pending(sqlite_db)} == {1} and len(pending(sqlite_db)) == 5
    clock.advance(seconds=31)
    sender.drain()
    assert slack.batches[-1] == 5
    assert [entry for _, entry in slack.entries] == entry_ids(sqlite_db, 1)


class SlowSlack(FakeSlack):
    """Takes a moment per call, so two senders really overlap."""

    def __init__(self, seconds: float = 0.002) -> None:
        super().__init__()
        self.seconds = seconds

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: object = None,
    ) -> Result:
        time.sleep(self.seconds)
        return super().send(effects, views, progress, attempt=attempt)


def test_two_senders_draining_at_once_never_send_one_line_twice_and_keep_each_incidents_order(
    shared_db: Database,
) -> None:
    service = IncidentService(shared_db, zone=KOLKATA)
    slack = SlowSlack()
    senders = [
        EffectSender(shared_db, slack, clock=lambda: datetime.now(UTC), workspace=lambda: "T1") for _ in range(2)
    ]
    for number in (1, 2, 3):
        service.open(team_id="T1", actor="U1", title=f"Outage {number}")
    stop = threading.Event()

    def keep_draining(sender: EffectSender) -> None:
        while not stop.is_set():
            sender.drain()

    threads = [threading.Thread(target=keep_draining, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for n in range(40):
        for number in (1, 2, 3):
            service.note(Where("T1", number=number), actor="U1", text=f"note {n}")
    deadline = datetime.now(UTC) + timedelta(seconds=60)
    while pending(shared_db) and datetime.now(UTC) < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert pending(shared_db) == []
    for number in (1, 2, 3):
        posted = [entry for posted_in, entry in slack.entries if posted_in == number]
        assert posted == entry_ids(shared_db, number), f"INC-{number}: every line once, in order"
    assert PostTimeline.kind in {kind for kind, _ in slack.sent}


def test_a_busy_channel_gets_one_message_a_second_and_what_waits_meanwhile_goes_as_one(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr("bot.outbox.channel_pace.time.monotonic", lambda: now[0])
    _clock, slack, service, sender = opened(sqlite_db, "Search is down", pace_seconds=1.0)
    now[0] += 5
    service.note(Where("T1", number=1), actor="U1", text="first")
    sender.drain()
    calls = len(slack.batches)
    assert sender.next_in is None, "a line in a quiet channel goes at once"
    service.note(Where("T1", number=1), actor="U1", text="second")
    service.note(Where("T1", number=1), actor="U1", text="third")
    service.note(Where("T1", number=2), actor="U1", text="another channel")
    assert sender.drain() == 1, "only the other incident's line: INC-1 posted less than a second ago"
    assert slack.batches[calls:] == [1]
    assert sender.next_in == pytest.approx(1.0)
    assert [effect.incident_id for effect in pending(sqlite_db)] == [1, 1]
    now[0] += 1.0
    assert sender.drain() == 2
    assert slack.batches[calls:] == [1, 2], "the two lines that waited went as one message"
    assert [entry for n, entry in slack.entries if n == 1] == entry_ids(sqlite_db, 1), "each line once, in order"
    assert pending(sqlite_db) == [] and sender.next_in is None


def test_a_batch_of_lines_is_read_in_a_few_statements_not_two_a_line(any_db: Database) -> None:
    """The sender's reads are CPU the acks share: a batch's incident, entries and names are read
    once for the batch (bot.outbox.view.read_views)."""
    _clock, slack, service, sender = opened(any_db)
    for n in range(30):
        service.note(Where("T1", number=1), actor=f"U{n % 3}", text=f"step {n} with <@U9>")
    reads: list[str] = []
    event.listen(
        any_db.engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: reads.append(statement) if statement.lstrip().startswith("SELECT") else None,
    )
    assert sender.drain() == 30
    during = list(reads)
    assert [entry for _, entry in slack.entries] == entry_ids(any_db, 1)
    # Two rounds of finding work, the batch's claim, and its views read twice (the people whose
    # names the members table lacks are looked up, then the views read again): 11, for 30 lines.
    assert len(during) <= 12, "\n".join(r[:150].replace("\n", " ") for r in during)


def test_two_senders_share_the_incidents_each_claiming_a_few_at_a_time_and_none_is_sent_twice(
    shared_db: Database,
) -> None:
    service = IncidentService(shared_db, zone=KOLKATA)
    for number in range(1, 13):
        service.open(team_id="T1", actor="U1", title=f"Outage {number}")
    slacks = [SlowSlack(0.01), SlowSlack(0.01)]  # 60 calls: long enough for both threads to be at work
    senders = [
        EffectSender(shared_db, slack, clock=lambda: datetime.now(UTC), workspace=lambda: "T1") for slack in slacks
    ]
    threads = [threading.Thread(target=sender.drain) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    while senders[0].drain() or senders[1].drain():  # what opening queued after a sender's last round
        pass
    assert pending(shared_db) == []
    assert slacks[0].sent and slacks[1].sent, "both senders sent some of the incidents' work"
    with shared_db.read() as session:
        done = session.exec(select(EffectRow).where(col(EffectRow.state) == "done")).all()
    assert len(slacks[0].sent) + len(slacks[1].sent) == len(done), "each piece of work sent once"
    for number in range(1, 13):
        posted = [entry for slack in slacks for posted_in, entry in slack.entries if posted_in == number]
        assert posted == entry_ids(shared_db, number), f"INC-{number}: its opening line once"


def test_when_recording_an_outcome_fails_the_rest_of_the_round_is_given_back_at_once(sqlite_db: Database) -> None:
    """The database went away mid-round: the batches claimed with the failed one are pending again,
    sent by the next round a second later, not stuck in their two-minute leases."""
    clock, _, service, sender = opened(sqlite_db, "Search is down", "Login fails")
    for number in (1, 2, 3):
        service.note(Where("T1", number=number), actor="U1", text="line")
    record = sender.record
    failed: list[int] = []

    def database_away_once(batch: Sequence[Claimed], attempted: Attempted, **then: Any) -> bool:
        if not failed:
            failed.append(batch[0].id)
            raise OperationalError("UPDATE effect", {}, Exception("the database went away"))
        return record(batch, attempted, **then)

    sender.record = database_away_once  # type: ignore[method-assign]
    with pytest.raises(OperationalError):
        sender.drain()
    clock.advance(seconds=1)
    assert sender.drain() == 2, "the two batches not yet sent went out in the next round"


class SlowFirstCall(FakeSlack):
    """The first call takes long enough for the round's leases to run out, and `meanwhile` runs then."""

    def __init__(self, meanwhile: Callable[[], None]) -> None:
        super().__init__()
        self.meanwhile: Callable[[], None] | None = meanwhile

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: object = None,
    ) -> Result:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return super().send(effects, views, progress, attempt=attempt)


def test_a_batch_whose_lease_ran_out_while_slack_was_slow_is_sent_by_one_sender_only(sqlite_db: Database) -> None:
    clock, _, service, _ = opened(sqlite_db, "Search is down", "Login fails")
    for number in (1, 2, 3):
        service.note(Where("T1", number=number), actor="U1", text="line")
    other_slack = FakeSlack()
    other = make_sender(sqlite_db, other_slack, clock)

    def leases_run_out_and_another_sender_drains() -> None:
        clock.advance(seconds=121)
        other.drain()

    slack = SlowFirstCall(leases_run_out_and_another_sender_drains)
    make_sender(sqlite_db, slack, clock).drain()
    posted = Counter(number for number, _ in slack.entries + other_slack.entries)
    # INC-1's batch was the one in flight (a call is bounded by the Slack timeout, far inside the
    # lease); INC-2's and INC-3's were claimed with it and waited: given back, sent by one sender.
    assert (posted[2], posted[3]) == (1, 1), posted


def test_lines_whose_batch_may_have_reached_slack_go_as_one_batch_again_each_once(sqlite_db: Database) -> None:
    """A batch that failed while Slack was away (a 503: it may have posted) is sent again as one
    batch, not line by line (a second of the channel's pace each), and the kind is told to look
    for what it posted."""
    clock, slack, service, sender = opened(sqlite_db)
    for n in range(5):
        service.note(Where("T1", number=1), actor="U1", text=f"step {n}")
    slack.failures.append(Retry("HTTP 503", maybe_sent=True))
    sender.drain()
    assert len(pending(sqlite_db)) == 5
    clock.advance(seconds=31)
    calls = len(slack.batches)
    assert sender.drain() == 5
    assert slack.batches[calls:] == [5], "the five lines again as one batch"
    assert slack.attempts[-1].maybe_sent, "told that an earlier attempt may have posted some of them"
    assert [entry for _, entry in slack.entries] == entry_ids(sqlite_db, 1), "every line once, in timeline order"


def test_a_database_error_between_two_leases_gives_the_leased_effects_back_at_once(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The round's first lines are leased, the rest of the first batch too, then the database fails
    the lease of the second batch's rest: on PostgreSQL each lease had committed by itself, and what
    was leased is pending again at once (not left for the lease's two minutes), sent next round."""
    _clock, _slack, service, sender = opened(any_db, "Search is down")
    for number in (1, 2):
        for text in ("first line", "second line"):
            service.note(Where("T1", number=number), actor="U1", text=text)
    claim_rest, rests = claims.claim_rest_of_batch, []

    def database_away_at_the_second(**arguments: Any) -> list[Claimed]:
        rests.append(arguments["first"].id)
        if len(rests) == 2:
            raise OperationalError("UPDATE effect", {}, Exception("the database went away"))
        return claim_rest(**arguments)

    monkeypatch.setattr(claims, "claim_rest_of_batch", database_away_at_the_second)
    with pytest.raises(OperationalError):
        sender.drain()
    assert len(rests) == 2 and [(row.claimed_by, row.claimed_until) for row in pending(any_db)] == [(None, None)] * 4
    monkeypatch.setattr(claims, "claim_rest_of_batch", claim_rest)
    assert sender.drain() == 4, "sent by the next round, without waiting for a lease to run out"
    assert [(row.state, row.attempts) for row in done_lines(any_db)] == [("done", 0)] * 4


def done_lines(db: Database) -> list[EffectRow]:
    """The last four timeline lines recorded (the notes'), in that order."""
    with db.read() as session:
        rows = session.exec(
            select(EffectRow).where(col(EffectRow.kind) == PostTimeline.kind).order_by(col(EffectRow.id))
        )
        return list(rows)[-4:]
