"""What the channel's creation lets go is leased in one statement (`claims.claim_let_go`): the
effects `claimable` lists of that incident, in an UPDATE that takes only what is still pending and
unleased. Two senders doing it at the same moment on PostgreSQL never hold one effect both, and
the lines the channel's pace holds back are left for later (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from bot.outbox import claims, store
from bot.outbox.channel_pace import ChannelPace
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.post_card import PostCard
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.service import IncidentService
from bot.storage import repository
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA

NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)


def channel_created(db: Database) -> int:
    """INC-1 opened and its channel's creation recorded done: its incident's id."""
    IncidentService(db, zone=KOLKATA, clock=lambda: NOW).open(team_id="T1", actor="U1", title="Checkout fails")
    with db.write() as session:
        stored = repository.get_by_number(session=session, team_id="T1", number=1)
        assert stored is not None
        creation = session.exec(select(EffectRow.id).where(col(EffectRow.kind) == CreateChannel.kind)).one()
        repository.set_channel(
            session=session, incident_id=stored.id, channel_id="C1", channel_name="inc-1", private=False
        )
        store.mark_done(session=session, effect_ids=[creation], now=NOW, worker="test")
        return stored.id


def let_go(db: Database, incident_id: int, worker: str, skip_kinds: list[str]) -> list[str]:
    with db.write() as session:
        rows = claims.claim_let_go(
            session=session,
            team_id="T1",
            now=NOW,
            incident_id=incident_id,
            limit=4,
            worker=worker,
            skip_kinds=skip_kinds,
        )
        return [row.kind for row in rows]


@pytest.mark.postgres
def test_two_senders_leasing_what_the_channel_let_go_at_the_same_moment_never_hold_one_effect_both(
    pg_db: Database,
) -> None:
    incident_id = channel_created(pg_db)
    second: list[int] = []

    def another_sender() -> None:
        with pg_db.write() as session:
            rows = claims.claim_let_go(
                session=session, team_id="T1", now=NOW, incident_id=incident_id, limit=4, worker="B", skip_kinds=[]
            )
            second.extend(row.id for row in rows)

    with pg_db.write() as session:
        first = claims.claim_let_go(
            session=session, team_id="T1", now=NOW, incident_id=incident_id, limit=4, worker="A", skip_kinds=[]
        )
        thread = threading.Thread(target=another_sender)
        thread.start()
        # The other sender's statement read the same effects (this lease is not committed yet) and
        # waits for their rows: committing now makes it check, on what was committed, that they are free.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not waiting_for_a_row(pg_db):
            time.sleep(0.01)
        assert waiting_for_a_row(pg_db), "the other sender's lease waits for this one's"
    thread.join(30)
    assert {PostCard.kind, Invite.kind} <= {row.kind for row in first}
    assert second == [], "what one sender leased, the other does not get"
    with pg_db.read() as session:
        leased = session.exec(select(EffectRow.claimed_by).where(col(EffectRow.id).in_([row.id for row in first])))
        assert set(leased) == {"A"}


def waiting_for_a_row(db: Database) -> bool:
    with db.glance() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE effect SET claimed_by%'"
            )
        ).scalar_one()
    return bool(waiting)


def test_what_the_channel_lets_go_leaves_the_lines_its_channels_pace_holds_back(any_db: Database) -> None:
    incident_id = channel_created(any_db)
    pace = ChannelPace(60.0)
    pace.posted(PostTimeline.kind, incident_id)  # a line of this incident's channel went just now
    held = let_go(any_db, incident_id, "A", pace.held_in(incident_id))
    assert PostCard.kind in held and PostTimeline.kind not in held, "the line waits for its channel's pace"
    free = let_go(any_db, incident_id, "B", ChannelPace(60.0).held_in(incident_id))
    assert PostTimeline.kind in free, "in a quiet channel it goes"
    assert not set(free) & set(held), "and nothing A leased"
