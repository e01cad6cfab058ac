"""Paging's Slack work in its lanes (docs/behaviour.md, Paging; `bot.outbox.effect`): a page's
direct message needs no channel, so it goes while the incident's channel cannot be created, and
its edit goes after it; "nobody answered" is posted in the channel, so it waits for the channel,
right after its timeline line. On SQLite and PostgreSQL, with the lanes test's checking Slack
(tests/outbox/test_lanes.py), which notes anything sent before what it needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.domain.catalog import Catalog
from bot.lookup import Where
from bot.outbox.effect import TIMELINE_LANE
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.post_unanswered import PostUnanswered
from bot.outbox.kinds.send_page import SendPage
from bot.outbox.kinds.update_page import UpdatePage
from bot.outbox.registry import KINDS
from bot.paging import PagingService
from bot.service import IncidentService
from bot.storage import members
from bot.storage.db import Database
from bot.storage.members import Member
from bot.storage.paging_tables import PageRow
from tests.conftest import KOLKATA
from tests.outbox.test_lanes import CheckingSlack, SteppedClock, pending, sender_for


def page_ids(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {row.user_id: row.id for row in session.exec(select(PageRow)) if row.id is not None}


def test_a_page_goes_while_the_channel_cannot_be_created_and_nobody_answered_waits_for_it(any_db: Database) -> None:
    now = datetime.now(UTC)
    IncidentService(any_db, zone=KOLKATA).open(team_id="T1", actor="U1", title="Checkout fails")
    with any_db.write() as session:
        people = [Member(user_id=p, team_id="T1", display_name=p.lower(), real_name="") for p in ("U1", "U2", "U3")]
        members.put(session=session, members=people, learned_at=now)
    paging = PagingService(any_db, zone=KOLKATA, clock=lambda: datetime.now(UTC), catalog=Catalog(()))
    paging.page(Where("T1", number=1, user_id="U1"), actor="U1", people=["U2"])
    paging.page(Where("T1", number=1, user_id="U1"), actor="U1", people=["U3"])
    slack, clock = CheckingSlack(3, fail_rate=0.0), SteppedClock()
    slack.failing = {(1, CreateChannel.kind)}  # Slack refuses the channel for now (a 503 each time)
    sender = sender_for(any_db, slack, clock, threads=1)

    def drain() -> None:
        for _ in range(3):
            sender.drain()
            clock.skipped += timedelta(seconds=31)

    drain()
    assert slack.kinds(1) == [SendPage.kind, SendPage.kind], "both people paged with no channel yet"
    ids = page_ids(any_db)
    paging.acknowledge(page_id=ids["U2"], actor="U2")
    paging.decline(page_id=ids["U3"], actor="U3")  # everyone of that request said no: nobody answered
    drain()
    assert slack.kinds(1) == [SendPage.kind, SendPage.kind, UpdatePage.kind, UpdatePage.kind], "each edit after it"
    waiting = {row.kind for row in pending(any_db)}
    assert {CreateChannel.kind, Invite.kind, PostTimeline.kind, PostUnanswered.kind} <= waiting, "held, not lost"
    slack.failing = set()
    while pending(any_db):
        drain()
    sender.pool.close()
    assert slack.wrong == [], "nothing in the channel before the channel"
    kinds = slack.kinds(1)
    assert kinds.index(CreateChannel.kind) < kinds.index(PostUnanswered.kind)
    in_the_timeline_lane = [kind for kind in kinds if KINDS[kind].lane == TIMELINE_LANE]
    assert in_the_timeline_lane[-2:] == [PostTimeline.kind, PostUnanswered.kind], "right after its timeline line"
