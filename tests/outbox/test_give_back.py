"""A give-back clears only the giver's own lease (`claims.give_back`): a sender whose lease ran out
(a slow round) and that gives back what it did not send (it is stopping) leaves the effect to the
sender that claimed it since, which is sending it; no third sender takes it and sends it again.
Through the real sender, its delivery and the Slack emulator, over HTTP; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from sqlmodel import col, select

from bot.config import Settings
from bot.outbox import claims, store
from bot.outbox.delivery import Delivery
from bot.outbox.kinds.post_notice import PostNotice
from bot.outbox.sender import EffectSender
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage import repository
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from slack_emulator import BOT_USER_ID, TEAM_ID, SlackEmulator
from slack_emulator.faults import Held
from tests.conftest import KOLKATA

WAIT = 30.0  # seconds: only a failure waits this long


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as slack:
        yield slack
        assert slack.internal_errors == []


def sender(db: Database, emulator: SlackEmulator, clock: ManualClock) -> EffectSender:
    """A sender as a process runs it, sending one batch at a time, through a real WebClient."""
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url, retry_handlers=[])
    delivery = Delivery(client, Settings(zone=KOLKATA), bot_user_id=lambda: BOT_USER_ID)
    return EffectSender(db, delivery, clock=clock, workspace=lambda: TEAM_ID)


def notices(emulator: SlackEmulator, text: str) -> int:
    """How many times Slack was asked to post this notice."""
    return sum(1 for call in emulator.calls("chat.postMessage") if call.args.get("text") == text)


def row(db: Database, effect_id: int) -> EffectRow:
    with db.read() as session:
        return session.exec(select(EffectRow).where(col(EffectRow.id) == effect_id)).one()


def test_a_sender_whose_lease_ran_out_gives_back_only_its_own_lease_so_the_notice_is_posted_once(
    db: Database, emulator: SlackEmulator
) -> None:
    """A claims both incidents' notices and posts the first; its round is slow, so by then its lease
    on the second has run out and B claimed it and is posting it (Slack has not answered yet). A is
    stopped and gives the second back: before, that cleared B's lease, and C claimed the notice and
    posted it a second time while B was still posting it. Now the notice stays B's, C finds nothing
    to send, and the channel gets it once."""
    clock = ManualClock(datetime.now(UTC))
    service = IncidentService(db, zone=KOLKATA, clock=clock)
    for title in ("Checkout fails", "Search is slow"):
        service.open(team_id=TEAM_ID, actor="U0ALICE", title=title)
    sender(db, emulator, clock).drain()  # the channels, the cards and the rest: sent
    with db.write() as session:
        for number in (1, 2):
            stored = repository.get_by_number(session=session, team_id=TEAM_ID, number=number)
            assert stored is not None
            notice = PostNotice(text=f"Reminder for INC-{number}")
            store.enqueue(session=session, incident_id=stored.id, effect=notice, now=clock())
        later = clock() + 2 * claims.LEASE
        ids = [due.id for due in claims.claimable(session=session, team_id=TEAM_ID, now=later)]
    assert len(ids) == 2, "the two notices, and nothing else, to send"
    first, second = ids
    a, b, c = (sender(db, emulator, clock) for _ in range(3))
    b_sending = threading.Thread(target=b.drain)
    held: list[Held] = []  # B's call, unanswered while A is stopped and C looks for work

    def a_stops_once_b_is_posting() -> bool:
        if not held and notices(emulator, "Reminder for INC-1") == 1:
            clock.advance(seconds=claims.LEASE.total_seconds() + 1)  # A's round took longer than its lease
            held.append(emulator.hold("chat.postMessage"))
            b_sending.start()
            assert held[0].wait_arrived(WAIT), "B claimed the second notice and is posting it"
        return bool(held)

    c_sending = threading.Thread(target=c.drain)
    try:
        a.drain(stopping=a_stops_once_b_is_posting)
        assert held, "A posted the first notice, then was stopped"
        leased = row(db, second)
        c_sending.start()  # before, C claimed the notice A had given back and posted it too
        deadline = time.monotonic() + WAIT
        while c_sending.is_alive() and held[0].arrived < 2 and time.monotonic() < deadline:
            c_sending.join(0.01)
    finally:
        for each in held:
            each.release()
        for thread in (b_sending, c_sending):
            if thread.is_alive():
                thread.join(WAIT)
    assert not b_sending.is_alive() and not c_sending.is_alive()
    assert notices(emulator, "Reminder for INC-1") == 1
    assert notices(emulator, "Reminder for INC-2") == 1, "posted once, by B"
    assert leased.claimed_by == store.worker_label(b.worker), "A's give-back left B's lease"
    assert leased.claimed_until is not None and leased.claimed_until > clock()
    assert row(db, first).state == row(db, second).state == "done"
