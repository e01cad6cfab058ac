"""Storage gives the same answers on SQLite and PostgreSQL (each test runs on both).

Decisions on what a statement changed read what the database returned (RETURNING), never the
driver's rowcount: psycopg 3 reports -1 for INSERT ... ON CONFLICT DO NOTHING, which made every
first Slack event on PostgreSQL look like a redelivery. And PostgreSQL enforces VARCHAR lengths,
which SQLite ignores."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.outbox import store as outbox
from bot.outbox.kinds import EffectKind
from bot.storage import repository
from bot.storage.db import Database

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def test_a_slack_event_is_new_the_first_time_and_a_redelivery_every_time_after(any_db: Database) -> None:
    with any_db.write() as session:
        first = repository.remember_event(session=session, event_id="Ev0PIN", now=NOW)
    with any_db.write() as session:
        again = repository.remember_event(session=session, event_id="Ev0PIN", now=NOW + outbox.LEASE)
        other = repository.remember_event(session=session, event_id="Ev0OTHER", now=NOW)
    assert (first, again, other) == (True, False, True)


def test_an_effect_leased_by_one_sender_is_refused_to_another_until_the_lease_ends(any_db: Database) -> None:
    with any_db.write() as session:
        outbox.enqueue(
            session=session, incident_id=None, kind=EffectKind.OPEN_VIEW, now=NOW, payload={"trigger_id": "t1"}
        )
    with any_db.read() as session:
        [effect_id] = outbox.claimable(session=session, now=NOW)
    with any_db.write() as session:
        claimed = outbox.claim(session=session, effect_id=effect_id, worker="web-1", now=NOW)
    with any_db.write() as session:
        refused = outbox.claim(session=session, effect_id=effect_id, worker="web-2", now=NOW + outbox.LEASE / 2)
    with any_db.write() as session:
        taken_over = outbox.claim(session=session, effect_id=effect_id, worker="web-2", now=NOW + outbox.LEASE * 2)
    assert claimed is not None and refused is None and taken_over is not None
    assert (claimed.kind, claimed.payload, claimed.incident_id, claimed.attempts) == (
        EffectKind.OPEN_VIEW,
        {"trigger_id": "t1"},
        None,
        0,
    )


def test_an_effect_already_sent_cannot_be_claimed(any_db: Database) -> None:
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, kind=EffectKind.OPEN_VIEW, now=NOW)
    with any_db.read() as session:
        [effect_id] = outbox.claimable(session=session, now=NOW)
    with any_db.write() as session:
        outbox.mark_done(session=session, effect_id=effect_id, now=NOW)
    with any_db.write() as session:
        assert outbox.claim(session=session, effect_id=effect_id, worker="web-1", now=NOW) is None


def test_a_sender_on_a_host_with_a_long_name_can_still_claim_effects(any_db: Database) -> None:
    worker = "incident-bot-web-7d9f8c6b5-abcde.prod.eu-west-1.compute.internal:123456:7f3a2b1c4d5e"
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, kind=EffectKind.OPEN_VIEW, now=NOW)
    with any_db.read() as session:
        [effect_id] = outbox.claimable(session=session, now=NOW)
    with any_db.write() as session:
        assert outbox.claim(session=session, effect_id=effect_id, worker=worker, now=NOW) is not None
    with any_db.write() as session:
        assert outbox.claim(session=session, effect_id=effect_id, worker="other", now=NOW) is None


def test_the_unchanged_check_notices_a_write_on_either_backend(any_db: Database, unchanged: Any) -> None:
    """The refusal tests prove "nothing was stored" with it, so it must see a change everywhere."""
    with pytest.raises(AssertionError, match="the database changed"), unchanged(any_db), any_db.write() as session:
        repository.remember_event(session=session, event_id="Ev0CHANGE", now=NOW)
    with unchanged(any_db), any_db.read() as session:
        repository.names(session=session, user_ids={"U0NOBODY"})
