"""The outbox sender with a fake Slack and a fake clock: backoff, Retry-After, held work, give-up, order.

No HTTP and no sleeping: the clock is moved by hand and `drain()` is called where the sender
thread would call it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot import health
from bot.lookup import Where
from bot.outbox.backoff import Backoff
from bot.outbox.channel_pace import ChannelPace
from bot.outbox.claims import Claimed
from bot.outbox.failures import GiveUp, Hold, Retry
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.results import Attempted
from bot.outbox.sender import MAX_ATTEMPTS_FOR_BUGS, EffectSender
from bot.outbox.sender_thread import SenderThread
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import OPENING, FakeSlack, by_lane

START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)  # 21:41 in Kolkata


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def slack() -> FakeSlack:
    return FakeSlack()


@pytest.fixture
def service(sqlite_db: Database, clock: ManualClock) -> IncidentService:
    return IncidentService(sqlite_db, zone=KOLKATA, clock=clock)


def make_sender(db: Database, slack: FakeSlack, clock: ManualClock, jitter: float = 1.0) -> EffectSender:
    return EffectSender(db, slack, clock=clock, workspace=lambda: "T1", backoff=Backoff(random=lambda: jitter))


@pytest.fixture
def sender(sqlite_db: Database, slack: FakeSlack, clock: ManualClock) -> EffectSender:
    return make_sender(sqlite_db, slack, clock)


def open_incident(service: IncidentService, title: str = "Checkout fails") -> int:
    return service.open(team_id="T1", actor="U1", title=title).incident.number


def effects(db: Database, *states: str) -> list[EffectRow]:
    with db.read() as session:
        rows = session.exec(select(EffectRow).order_by(col(EffectRow.id))).all()
    return [row for row in rows if not states or row.state in states]


def wait_of(db: Database, clock: ManualClock) -> timedelta:
    """How long until the next try of the oldest pending effect (the head of the queue)."""
    return effects(db, "pending")[0].not_before - clock()


def stepping(clock: ManualClock, sender: EffectSender, *, seconds: float, until: datetime) -> Iterator[datetime]:
    """Move the clock in steps, draining after each, as the sender thread would."""
    while clock() < until:
        clock.advance(seconds=seconds)
        sender.drain()
        yield clock()


# --- backoff -----------------------------------------------------------------------------------


def test_backoff_doubles_from_one_second_and_never_exceeds_30_seconds() -> None:
    longest = Backoff(random=lambda: 1.0)
    waits = [longest.after(attempts).total_seconds() for attempts in range(10)]
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30]


def test_backoff_jitter_spreads_the_wait_between_one_second_and_the_ceiling() -> None:
    assert Backoff(random=lambda: 0.0).after(7) == timedelta(seconds=1)
    assert Backoff(random=lambda: 0.5).after(3) == timedelta(seconds=4.5)  # halfway between 1 s and 8 s
    seeded = random.Random(7)
    spread = {Backoff(random=seeded.random).after(9).total_seconds() for _ in range(50)}
    assert len(spread) > 40 and all(1 <= wait <= 30 for wait in spread)


# --- retries -----------------------------------------------------------------------------------


def test_a_server_error_waits_its_backoff_and_holds_back_the_rest_of_that_incident(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failures.append(Retry("slack 503 service_unavailable"))
    sender.drain()
    assert slack.sent == []
    assert wait_of(sqlite_db, clock) == timedelta(seconds=1)
    clock.advance(seconds=0.9)
    sender.drain()
    assert slack.sent == []
    clock.advance(seconds=0.1)
    sender.drain()
    assert slack.sent_for(1) == OPENING


def test_after_six_server_errors_in_a_row_the_next_try_is_30_seconds_later_not_more(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failures.extend(Retry("slack 500 fatal_error") for _ in range(7))
    waits = []
    for _ in range(7):
        sender.drain()
        wait = wait_of(sqlite_db, clock)
        waits.append(wait.total_seconds())
        clock.advance(seconds=wait.total_seconds())
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    sender.drain()
    assert slack.sent_for(1) == OPENING


def test_a_rate_limit_waits_exactly_retry_after_without_jitter(
    sqlite_db: Database, service: IncidentService, slack: FakeSlack, clock: ManualClock
) -> None:
    sender = make_sender(sqlite_db, slack, clock, jitter=0.37)
    open_incident(service)
    slack.failures.append(Retry("ratelimited", after_seconds=7))
    sender.drain()
    assert wait_of(sqlite_db, clock) == timedelta(seconds=7)
    clock.advance(seconds=6.999)
    sender.drain()
    assert slack.sent == []
    clock.advance(seconds=0.001)
    sender.drain()
    assert slack.sent_for(1) == OPENING


def test_once_slack_answers_again_every_incident_is_sent_within_30_seconds_in_its_order(
    sqlite_db: Database, service: IncidentService, slack: FakeSlack, clock: ManualClock
) -> None:
    sender = EffectSender(
        sqlite_db, slack, clock=clock, workspace=lambda: "T1", backoff=Backoff(random=random.Random(3).random)
    )
    slack.failing = lambda: Retry("network: ConnectionRefusedError")
    for title in ("Checkout fails", "Search is slow", "Login loops"):
        open_incident(service, title)
        sender.drain()
    for step, _ in enumerate(stepping(clock, sender, seconds=10, until=START + timedelta(minutes=5))):
        if step % 10 == 9:  # a change the card shows: the card is updated (each time superseding the last)
            service.set_impact(Where("T1", number=1), actor="U1", text=f"impact as of {clock():%H:%M:%S}")
        else:
            service.note(Where("T1", number=1), actor="U1", text=f"still down at {clock():%H:%M:%S}")
    assert slack.sent == []
    back = clock()
    slack.failing = None
    for _ in stepping(clock, sender, seconds=1, until=back + timedelta(seconds=30)):
        pass
    assert effects(sqlite_db, "pending") == []
    for number in (2, 3):
        assert slack.sent_for(number) == OPENING
    sent = slack.sent_for(1)
    assert sent[0] == CreateChannel.kind, "the channel first"
    assert by_lane(sent) == by_lane([*OPENING, *[PostTimeline.kind] * 30, UpdateCard.kind]), (
        "each lane in its order; older card updates superseded"
    )
    posted = [entry for number, entry in slack.entries if number == 1]
    assert len(set(posted)) == len(posted) == 31 and posted == sorted(posted), "each entry once, in order"


def test_an_effect_slack_can_never_accept_is_given_up_and_the_rest_goes_on(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database
) -> None:
    open_incident(service)
    slack.failures.append(GiveUp("slack error channel_not_found"))
    sender.drain()
    dead = effects(sqlite_db, "dead")
    assert [(row.kind, row.last_error) for row in dead] == [("channel.create", "slack error channel_not_found")]
    assert slack.sent_for(1) == OPENING[1:]


def test_work_this_version_cannot_read_is_given_up_with_the_reason_and_the_rest_goes_on(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    """A row of a newer version's kind, left after a rollback: `incident-bot outbox retry` can send it later."""
    with sqlite_db.write() as session:
        session.add(
            EffectRow(kind="channel.archive", team_id="T1", payload="{}", created_at=clock(), not_before=clock())
        )
    open_incident(service)
    sender.drain()
    [dead] = effects(sqlite_db, "dead")
    assert (dead.kind, dead.last_error) == (
        "channel.archive",
        "this version cannot read a channel.archive payload ('channel.archive' is not a kind this version knows)",
    )
    assert slack.sent_for(1) == OPENING


def test_a_bug_is_retried_with_backoff_and_given_up_after_five_attempts(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failures.extend(KeyError("channel") for _ in range(MAX_ATTEMPTS_FOR_BUGS))
    for _ in range(MAX_ATTEMPTS_FOR_BUGS):
        sender.drain()
        clock.advance(seconds=30)
    [dead] = effects(sqlite_db, "dead")
    assert dead.attempts == MAX_ATTEMPTS_FOR_BUGS and "KeyError" in (dead.last_error or "")
    assert slack.sent_for(1) == OPENING[1:]


# --- held for auth -----------------------------------------------------------------------------


def refuse(code: str = "invalid_auth") -> Callable[[], Exception]:
    return lambda: Hold(code)


def test_a_refused_token_holds_the_work_and_pauses_the_whole_outbox_after_one_call(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    open_incident(service, "Search is slow")
    slack.failing = refuse("token_revoked")
    sender.drain()
    assert slack.tried == [(CreateChannel.kind, 1)]
    [held] = effects(sqlite_db, "held")
    assert (held.kind, held.last_error) == ("channel.create", "token_revoked")
    assert len([row for row in effects(sqlite_db, "pending") if row.kind != "outbox.auth_hold"]) == 13
    for _ in stepping(clock, sender, seconds=1, until=START + timedelta(seconds=59)):
        pass
    assert len(slack.tried) == 1, "nothing else is tried before the next check"
    assert health.problem(sqlite_db, KOLKATA) == "slack auth failing since 21:41: token_revoked"


def test_a_paused_outbox_checks_once_a_minute_with_the_oldest_held_effect(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failing = refuse()
    sender.drain()
    for _ in stepping(clock, sender, seconds=5, until=START + timedelta(minutes=5)):
        pass
    assert slack.tried == [(CreateChannel.kind, 1)] * 6  # the first failure, then one check a minute
    [held] = effects(sqlite_db, "held")
    assert held.attempts == 6
    assert health.problem(sqlite_db, KOLKATA) == "slack auth failing since 21:41: invalid_auth"


def test_when_slack_accepts_the_token_again_held_work_is_sent_in_order_and_once(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failing = refuse()
    sender.drain()
    service.note(Where("T1", number=1), actor="U1", text="rolled back")
    open_incident(service, "Search is slow")
    clock.advance(seconds=90)
    slack.failing = None
    assert health.problem(sqlite_db, KOLKATA) is not None
    sender.drain()
    assert slack.sent_for(1)[0] == CreateChannel.kind
    assert by_lane(slack.sent_for(1)) == by_lane([*OPENING, PostTimeline.kind]), "each lane in its order"
    assert slack.sent_for(2) == OPENING
    assert effects(sqlite_db, "pending", "held") == []
    assert health.problem(sqlite_db, KOLKATA) is None


def test_a_token_accepted_at_start_up_checks_held_work_at_once(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database
) -> None:
    open_incident(service)
    slack.failing = refuse()
    sender.drain()
    slack.failing = None
    sender.drain()
    assert slack.sent == [], "the next check is a minute away"
    sender.check_now()
    sender.drain()
    assert slack.sent_for(1) == OPENING


def test_a_missing_scope_holds_and_resumes_like_a_refused_token(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failures.append(Hold("missing_scope"))
    sender.drain()
    assert health.problem(sqlite_db, KOLKATA) == "slack auth failing since 21:41: missing_scope"
    clock.advance(seconds=60)
    sender.drain()
    assert slack.sent_for(1) == OPENING


def test_slack_down_during_a_check_keeps_the_work_held_and_checks_again_within_30_seconds(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failures.extend([Hold("invalid_auth"), Retry("slack 503 service_unavailable")])
    sender.drain()
    clock.advance(seconds=60)
    sender.drain()
    assert [row.kind for row in effects(sqlite_db, "held")] == ["channel.create"]
    assert health.problem(sqlite_db, KOLKATA) == "slack auth failing since 21:41: invalid_auth"
    clock.advance(seconds=1)  # the check's first backoff
    sender.drain()
    assert slack.sent_for(1) == OPENING


def test_a_held_effect_slack_then_refuses_for_good_is_given_up_and_the_rest_resumes(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failures.extend([Hold("invalid_auth"), GiveUp("slack error name_taken")])
    sender.drain()
    clock.advance(seconds=60)
    sender.drain()
    assert [row.kind for row in effects(sqlite_db, "dead")] == ["channel.create"]
    assert slack.sent_for(1) == OPENING[1:]
    assert health.problem(sqlite_db, KOLKATA) is None


def test_two_senders_share_one_pause_and_one_check(
    service: IncidentService, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    first, second = make_sender(sqlite_db, slack, clock), make_sender(sqlite_db, slack, clock)
    open_incident(service)
    slack.failing = refuse()
    first.drain()
    second.drain()
    clock.advance(seconds=60)
    first.drain()
    second.drain()
    assert len(slack.tried) == 2, "one failure, then one check for both"
    assert len([row for row in effects(sqlite_db, "pending") if row.kind == "outbox.auth_hold"]) == 1


def test_a_second_pause_started_by_a_racing_sender_adds_no_second_check(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    open_incident(service)
    slack.failing = refuse()
    sender.drain()
    with sqlite_db.write() as session:  # what two senders holding at the same instant on PostgreSQL may leave
        session.add(
            EffectRow(kind="outbox.auth_hold", team_id="T1", created_at=clock(), not_before=clock(), last_error="x")
        )
    clock.advance(seconds=60)
    sender.drain()
    assert len(slack.tried) == 2, "one failure, then one check"
    slack.failing = None
    clock.advance(seconds=60)
    sender.drain()
    assert slack.sent_for(1) == OPENING
    assert effects(sqlite_db, "pending", "held") == []
    assert health.problem(sqlite_db, KOLKATA) is None


def test_when_recording_a_checks_outcome_fails_the_next_round_checks_again_at_once(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database, clock: ManualClock
) -> None:
    """The database went away as the check went through: the next round checks again rather than
    wait two minutes for the check's lease to run out."""
    open_incident(service)
    slack.failing = refuse()
    sender.drain()
    slack.failing = None
    clock.advance(seconds=60)
    record = sender.record

    def database_away_once(batch: Sequence[Claimed], attempted: Attempted) -> bool:
        sender.record = record  # type: ignore[method-assign]
        raise OperationalError("UPDATE effect", {}, Exception("the database went away"))

    sender.record = database_away_once  # type: ignore[method-assign]
    with pytest.raises(OperationalError):
        sender.drain()
    sender.drain()
    assert slack.sent_for(1) == [OPENING[0], *OPENING], "checked again at once, then the rest sent"
    assert health.problem(sqlite_db, KOLKATA) is None


# --- stopping ------------------------------------------------------------------------------------


def test_a_stopping_sender_finishes_the_effect_in_hand_and_leaves_the_rest_pending(
    service: IncidentService, sender: EffectSender, slack: FakeSlack, sqlite_db: Database
) -> None:
    """A process shutting down while Slack is slow must not keep sending (and writing) after it stopped."""
    open_incident(service)
    open_incident(service, "Search is down")
    asked = [False]

    def stopping() -> bool:
        asked[0] = asked[0] or len(slack.sent) >= 1  # the stop arrives during the first send
        return asked[0]

    assert sender.drain(stopping=stopping) == 1
    assert len(slack.sent) == 1
    assert len(effects(sqlite_db, "pending")) == len(effects(sqlite_db)) - 1


def test_woken_after_a_quiet_moment_the_sender_goes_at_once_and_in_a_busy_one_gathers_first(
    service: IncidentService, sender: EffectSender
) -> None:
    """An ack wakes the sender: after a quiet moment its round begins at once (an opened incident's
    channel is not kept waiting); within `gather_seconds` of the beginning of its last round that
    sent something it first waits out the rest of it, so the notes acknowledged meanwhile go as one
    batch. A round that found nothing (the sender's look every second, or one that read just before
    the ack's work was committed) makes no busy moment: the ack after it goes at once."""
    now = [100.0]
    thread = SenderThread(sender, gather_seconds=0.05, monotonic=lambda: now[0])
    waits: list[float] = []
    thread.sleep = waits.append  # type: ignore[method-assign]
    thread.woken()
    assert waits == [], "no round yet: nothing to gather for"
    open_incident(service)
    thread.run_round()
    now[0] += 0.02
    thread.woken()
    assert waits == [pytest.approx(0.03)], "busy: the rest of the gather, counted from the round's beginning"
    now[0] += 1.0
    thread.run_round()  # nothing left to send
    now[0] += 0.01
    thread.woken()
    assert waits == [pytest.approx(0.03)], "the last round found nothing: at once"
    open_incident(service, "Search is down")
    thread.run_round()
    now[0] += 0.3
    thread.woken()
    assert waits == [pytest.approx(0.03)], "quiet since the last round: at once"


def test_an_ack_of_lines_a_channels_pace_holds_back_wakes_the_sender_only_when_it_would_sleep_past_the_pace(
    sender: EffectSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy channel's notes cost a round a second, not a round each: after an ack of lines of a
    channel that posted less than its pace ago, the sender is not woken when, asleep, it starts its
    next round before the pace ends (that round sees the lines and sleeps until they may go); it is
    woken for anything else: a channel not held back, other work, a sleep past the pace's end. A
    round in progress (what it read may not show the lines) is not woken either: it sleeps no later
    than the pace's end instead, as the pace is when it ends (woken, it began the next round at
    once, and a steady flow of notes kept its rounds back to back)."""
    sender.pace = ChannelPace(1.0)
    sender.pace.posted(PostTimeline.kind, 1)  # INC-1's channel just had its message
    thread = SenderThread(sender)
    woken: list[str] = []
    monkeypatch.setattr(thread, "notify", lambda: woken.append("woken"))
    line, other_channel, card = (1, PostTimeline.kind), (2, PostTimeline.kind), (1, UpdateCard.kind)

    thread.wakes_at = time.monotonic() + 0.5  # asleep, it looks again before INC-1's pace ends
    thread.offer([line])
    end = sender.pace.held_until(PostTimeline.kind, 1)
    assert end is not None
    thread.wakes_at = end + 0.02  # slept until the pace's end, counted from the end of its round
    thread.offer([line])
    assert woken == [], "held back by the pace, and seen by the next round anyway"
    for work in ([other_channel], [line, card], [line, other_channel]):
        thread.offer(work)
    assert woken == ["woken"] * 3, "work the pace does not hold back goes now"

    woken.clear()
    thread.wakes_at = time.monotonic() + 5.0  # asleep past the pace's end: the line would be late
    thread.offer([line])
    assert woken == ["woken"]
    thread.wakes_at = math.inf  # in a round
    thread.offer([line])
    assert woken == ["woken"], "the round in hand sleeps until the pace's end instead"
    before = time.monotonic()
    wait = thread.run_round()  # reads nothing: without the line, it would sleep its whole poll
    assert wait <= end - before
    assert thread.wakes_at <= end, "it looks again when INC-1's line may go"
    assert thread.run_round() == thread.poll_seconds, "once only: the next round sleeps its poll"

    thread.wakes_at = math.inf  # in a round that sends INC-1's lines: the pace stamped as it began
    thread.offer([line])
    time.sleep(0.1)
    sender.pace.posted(PostTimeline.kind, 1)  # and again as the send ended, later in the round
    later = sender.pace.held_until(PostTimeline.kind, 1)
    assert later is not None
    wait = thread.run_round()
    assert wait >= later - time.monotonic(), "until the pace as it is at the round's end: one round, not two"


def test_a_round_that_failed_leaves_acks_of_held_lines_to_wake_it_as_when_asleep(
    sender: EffectSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round that raised (the database briefly away) is followed by the thread's retry sleep, not
    by the end of a round: an ack then compares its lines' pace with that sleep, as when asleep."""
    sender.pace = ChannelPace(1.0)
    sender.pace.posted(PostTimeline.kind, 1)
    thread = SenderThread(sender)
    thread.retry_seconds = 5.0
    woken: list[str] = []
    monkeypatch.setattr(thread, "notify", lambda: woken.append("woken"))

    def fails(**_: object) -> int:
        raise OperationalError("SELECT 1", {}, Exception("database is away"))

    monkeypatch.setattr(sender, "drain", fails)
    thread.wakes_at = math.inf
    thread.offer([(1, PostTimeline.kind)])  # acked during the round that is about to fail
    with pytest.raises(OperationalError):
        thread.run_round()
    assert thread.wakes_at >= time.monotonic() + 4.0, "its retry sleep, not the pace of what was acked in it"
    thread.offer([(1, PostTimeline.kind)])
    assert woken == ["woken"], "its retry sleep would hold INC-1's line past its pace"


def test_a_channel_s_pace_counts_from_the_beginning_of_its_send_and_again_from_its_end(
    sender: EffectSender, service: IncidentService
) -> None:
    """A channel's pace counts from the beginning of its send too: what is acknowledged while the
    batch is with Slack is held back (`SenderThread.offer` starts no round for it), and the pace
    counts again from the send's end."""
    held_while_sent: list[float | None] = []
    attempt = sender.attempt

    answered: list[float] = []

    def watched(*args: object, **kwargs: object) -> object:
        held_while_sent.append(sender.pace.held_until(PostTimeline.kind, 1))
        try:
            return attempt(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            answered.append(time.monotonic())

    open_incident(service)
    sender.drain()
    service.note(Where("T1", number=1), actor="U1", text="rolled back")
    sender.pace = ChannelPace(1.0)  # the channel's last message long ago: the line goes now
    sender.attempt = watched  # type: ignore[method-assign]
    began = time.monotonic()
    sender.drain()
    assert held_while_sent, "the line was sent"
    assert held_while_sent[-1] is not None and held_while_sent[-1] >= began + 1.0, "held from the beginning of its send"
    end = sender.pace.held_until(PostTimeline.kind, 1)
    assert end is not None and end >= answered[-1] + 1.0, "and again from its end"
