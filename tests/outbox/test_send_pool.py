"""The send pool is closed for good with its sender's thread: a round still going after the
thread's stop gave up waiting for it starts no new threads and sends nothing more; what it did
not send is pending again at once, for the next process (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.outbox.attempts import Attempt
from bot.outbox.effect import Effect
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.results import Progress, Result
from bot.outbox.send_pool import PoolClosed, SendPool
from bot.outbox.sender import EffectSender
from bot.outbox.sender_thread import SenderThread
from bot.outbox.view import IncidentView
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import FakeSlack

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WAIT = 30  # seconds: only a failure waits this long


def pool_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("effect-send")}


def until(condition: Callable[[], bool]) -> None:
    """Wait for `condition` (a failure waits `WAIT` seconds)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def test_a_closed_pool_refuses_new_work_with_the_batches_and_starts_no_thread() -> None:
    pool = SendPool(2)
    sent: list[list[int]] = []

    def send(batch: list[int]) -> list[list[int]]:
        sent.append(batch)
        return []

    assert pool.send_all(send, [[1], [2, 3]]) == 3
    pool.close()
    before = pool_threads()
    with pytest.raises(PoolClosed, match="closed") as refused:
        pool.send_all(send, [[4], [5]])
    assert refused.value.unsent == [[4], [5]] and refused.value.handled == 0
    assert sorted(sent) == [[1], [2, 3]]  # nothing sent after the close
    assert pool_threads() <= before  # and no thread started for it
    assert pool.closed


def test_work_let_go_after_the_pool_closed_is_handed_back_unsent() -> None:
    pool = SendPool(2)
    started, release = threading.Event(), threading.Event()
    sent: list[list[int]] = []

    def send(batch: list[int]) -> list[list[int]]:
        sent.append(batch)
        if batch == [1]:  # a slow Slack call, during which the sender's thread is stopped
            started.set()
            release.wait(WAIT)
            return [[9]]  # the work it let go
        return []

    outcome: list[BaseException | int] = []

    def round_() -> None:
        try:
            outcome.append(pool.send_all(send, [[1], [2]]))
        except BaseException as error:  # noqa: BLE001 - what the round raised is the test's subject
            outcome.append(error)

    sending = threading.Thread(target=round_)
    sending.start()
    assert started.wait(WAIT)
    closing = threading.Thread(target=pool.close)  # the send in hand goes on
    closing.start()
    until(lambda: pool.closed)
    release.set()
    sending.join(WAIT)
    closing.join(WAIT)
    [error] = outcome
    assert isinstance(error, PoolClosed), error
    assert error.unsent == [[9]] and error.handled == 2
    assert [9] not in sent


def test_a_batch_handed_to_the_pool_and_not_begun_when_it_closes_never_begins_and_is_handed_back() -> None:
    """One thread, two batches: the first in hand (Slack slow), the second waiting for the thread.
    Before, closing the pool waited for the first, then sent the second anyway; now the second never
    begins (the sender gives it back, pending at once) and the first is waited for only as long as
    the stop's deadline allows (`wait_for_sends`)."""
    pool = SendPool(1)
    started, release = threading.Event(), threading.Event()
    sent: list[list[int]] = []

    def send(batch: list[int]) -> list[list[int]]:
        sent.append(batch)
        if batch == [1]:
            started.set()
            release.wait(WAIT)
        return []

    outcome: list[BaseException | int] = []

    def round_() -> None:
        try:
            outcome.append(pool.send_all(send, [[1], [2]]))
        except PoolClosed as closed:  # the second was not handed over yet when the pool closed
            outcome.append(closed)

    sending = threading.Thread(target=round_)
    sending.start()
    assert started.wait(WAIT)
    cancelled = pool.close()  # the second handed over and waiting for the thread, or not yet
    assert not pool.wait_for_sends(0), "the first still in hand"
    release.set()
    sending.join(WAIT)
    assert pool.wait_for_sends(WAIT)
    [ended] = outcome
    refused = ended.unsent if isinstance(ended, PoolClosed) else []
    assert cancelled + refused == [[2]], "handed back, not begun"
    assert sent == [[1]], "the second never sent"


class BlockingSlack(FakeSlack):
    """Creating a channel takes until `release` is set (Slack is slow as the process stops)."""

    def __init__(self) -> None:
        super().__init__()
        self.creating, self.release = threading.Event(), threading.Event()

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: object = None,
    ) -> Result:
        if isinstance(effects[0], CreateChannel):
            self.creating.set()
            self.release.wait(WAIT)
        return super().send(effects, views, progress, attempt=attempt, group=group)


def test_a_sender_stopped_while_slack_is_slow_sends_nothing_more_and_leaves_the_rest_pending(
    any_db: Database,
) -> None:
    clock, slack = ManualClock(NOW), BlockingSlack()
    IncidentService(any_db, zone=KOLKATA, clock=clock).open(team_id="T1", actor="U1", title="Checkout fails")
    sender = EffectSender(any_db, slack, clock=clock, workspace=lambda: "T1", threads=4)
    thread = SenderThread(sender, name="sender-stopped-in-a-test").start()
    assert slack.creating.wait(WAIT)
    before = pool_threads()
    stopping = threading.Thread(target=thread.stop, kwargs={"timeout": 0.05})
    stopping.start()  # gives up waiting for the round in hand, then closes the pool
    until(lambda: sender.pool.closed)
    slack.release.set()  # the channel is created: the card, the invite and the rest are let go
    stopping.join(WAIT)
    until(lambda: "sender-stopped-in-a-test" not in {t.name for t in threading.enumerate()})
    assert [kind for kind, _ in slack.sent] == [CreateChannel.kind]  # nothing after the stop
    assert pool_threads() <= before  # no pool started again
    with any_db.read() as session:
        rows = session.exec(select(EffectRow).where(col(EffectRow.state) == "pending")).all()
    assert rows and all(row.claimed_until is None for row in rows)  # pending again at once, for the next process
