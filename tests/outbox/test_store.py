"""The outbox table, on SQLite and PostgreSQL: leases, and typed effects in and out of its JSON column.

Rows recorded by released versions must still load: each kind pins the JSON it stores in its own
test (tests/outbox/kinds/), all of which are claimed here on both backends; the two shapes that
changed are read back from rows written as they were.
"""

from __future__ import annotations

import importlib
import json
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from bot.outbox import claims, home_queue, pagerduty_sender, worth
from bot.outbox import store as outbox
from bot.outbox.codec import UnreadablePayload, decode
from bot.outbox.effect import Effect
from bot.outbox.kinds.open_draft_editor import OpenDraftEditor
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.outbox.kinds.publish_home import PublishHome
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.tell_channel_ready import TellChannelReady
from bot.outbox.registry import KINDS
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
TEAM = "T1"
MODAL = OpenIncidentModal(trigger_id="t1", severity=2, private_metadata="C0ORIGIN")


def stored_rows() -> list[tuple[Effect, str]]:
    """Every kind's rows as a real run stored them, pinned by the kind's own test (tests/outbox/kinds/)."""
    rows: list[tuple[Effect, str]] = []
    for effect in KINDS.values():
        module = effect.__module__.rsplit(".", 1)[1]
        rows += importlib.import_module(f"tests.outbox.kinds.test_{module}").STORED
    return rows


def test_an_edit_modal_recorded_before_it_had_its_own_kind_still_opens_the_draft_editor() -> None:
    legacy = decode("view.open", json.dumps({"trigger_id": "t2", "draft_id": 9}))
    assert legacy == OpenDraftEditor(trigger_id="t2", draft_id=9)


def test_rows_without_their_optional_keys_load() -> None:
    assert decode("reply.channel_ready", '{"user": "U1"}') == TellChannelReady(user="U1")
    assert decode("channel.topic", "{}") == SetTopic()  # as an opening recorded it


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("channel.archive", "{}"),  # a kind of a newer version, after a rollback
        ("timeline.post", "{}"),  # no entry_id
        ("view.open", '{"trigger_id": "t1"}'),  # neither a modal nor a draft
        ("draft.post", "not json"),
    ],
)
def test_a_row_this_version_cannot_read_is_refused_rather_than_guessed(kind: str, text: str) -> None:
    with pytest.raises(UnreadablePayload, match=f"this version cannot read a {re.escape(kind)} payload"):
        decode(kind, text)


def claim(session: Session, *, effect_id: int, worker: str, now: datetime) -> claims.Claimed | None:
    """One effect leased the way the sender leases a round's effects (`claim_many`)."""
    rows = claims.claim_many(session=session, effect_ids=[effect_id], worker=worker, now=now)
    return claims.claimed(rows[effect_id]) if effect_id in rows else None


def test_rows_stored_by_released_versions_are_claimed_as_their_typed_effect(any_db: Database) -> None:
    with any_db.write() as session:
        for effect, text in stored_rows():
            session.add(EffectRow(kind=effect.kind, team_id=TEAM, payload=text, created_at=NOW, not_before=NOW))
    with any_db.read() as session:
        due = claims.claimable(session=session, team_id=TEAM, now=NOW, limit=100)
        due += home_queue.claimable(session=session, team_id=TEAM, now=NOW, limit=100)  # the App Home's
        due += pagerduty_sender.claimable(session=session, team_id=TEAM, now=NOW, limit=100)  # PagerDuty's
    with any_db.write() as session:
        claimed = [claim(session, effect_id=d.id, worker="web-1", now=NOW) for d in sorted(due, key=lambda d: d.id)]
    assert [effect.effect if effect else None for effect in claimed] == [effect for effect, _ in stored_rows()]


def test_an_effect_leased_by_one_sender_is_refused_to_another_until_the_lease_ends(any_db: Database) -> None:
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, team_id=TEAM, effect=MODAL, now=NOW)
    with any_db.read() as session:
        [due] = claims.claimable(session=session, team_id=TEAM, now=NOW)
    effect_id = due.id
    with any_db.write() as session:
        claimed = claim(session, effect_id=effect_id, worker="web-1", now=NOW)
    with any_db.write() as session:
        refused = claim(session, effect_id=effect_id, worker="web-2", now=NOW + claims.LEASE / 2)
    with any_db.write() as session:
        taken_over = claim(session, effect_id=effect_id, worker="web-2", now=NOW + claims.LEASE * 2)
    assert claimed is not None and refused is None and taken_over is not None
    assert (claimed.kind, claimed.effect, claimed.incident_id, claimed.attempts) == (
        OpenIncidentModal.kind,
        MODAL,
        None,
        0,
    )


def test_an_effect_already_sent_cannot_be_claimed(any_db: Database) -> None:
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, team_id=TEAM, effect=MODAL, now=NOW)
    with any_db.read() as session:
        [due] = claims.claimable(session=session, team_id=TEAM, now=NOW)
    effect_id = due.id
    with any_db.write() as session:
        outbox.mark_done(session=session, effect_ids=[effect_id], now=NOW, worker="web-1")
    with any_db.write() as session:
        assert claim(session, effect_id=effect_id, worker="web-1", now=NOW) is None


def test_a_sender_on_a_host_with_a_long_name_can_still_claim_effects(any_db: Database) -> None:
    """effect.claimed_by is VARCHAR(64): PostgreSQL enforces it, SQLite does not."""
    worker = "incident-bot-web-7d9f8c6b5-abcde.prod.eu-west-1.compute.internal:123456:7f3a2b1c4d5e"
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, team_id=TEAM, effect=MODAL, now=NOW)
    with any_db.read() as session:
        [due] = claims.claimable(session=session, team_id=TEAM, now=NOW)
    effect_id = due.id
    with any_db.write() as session:
        assert claim(session, effect_id=effect_id, worker=worker, now=NOW) is not None
    with any_db.write() as session:
        assert claim(session, effect_id=effect_id, worker="other", now=NOW) is None


def test_the_pause_row_is_never_offered_as_an_effect_to_send(any_db: Database) -> None:
    """A sender that read "not paused" just before another sender paused the outbox (PostgreSQL
    reads each statement afresh) must not claim the pause's row as work: it would give it up as
    unreadable, and the held work would never be checked again."""
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, team_id=TEAM, effect=MODAL, now=NOW)
        session.add(
            EffectRow(kind=outbox.PAUSE_KIND, team_id=TEAM, created_at=NOW, not_before=NOW, last_error="invalid_auth")
        )
    with any_db.read() as session:
        due = claims.claimable(session=session, team_id=TEAM, now=NOW)
    assert [effect.kind for effect in due] == [OpenIncidentModal.kind]


def test_the_app_homes_publishes_have_a_sender_of_their_own(any_db: Database) -> None:
    """However many Homes wait, the Slack sender never claims them and the App Home's sender claims
    nothing else, so neither waits behind the other."""
    homes = [PublishHome(team_id=TEAM, user=f"U{n}") for n in range(30)]
    with any_db.write() as session:
        outbox.enqueue_all(session=session, incident_id=None, team_id=TEAM, effects=homes, now=NOW)
        outbox.enqueue(session=session, incident_id=None, team_id=TEAM, effect=MODAL, now=NOW)
    with any_db.read() as session:
        slacks = claims.claimable(session=session, team_id=TEAM, now=NOW)
        homes = home_queue.claimable(session=session, team_id=TEAM, now=NOW, limit=100)
    assert [due.kind for due in slacks] == [OpenIncidentModal.kind]
    assert [due.kind for due in homes] == [PublishHome.kind] * 30


def test_a_later_home_of_the_same_person_supersedes_an_earlier_one_and_no_one_elses(any_db: Database) -> None:
    effects = [PublishHome(TEAM, "U0ALICE"), PublishHome(TEAM, "U0BOB"), PublishHome(TEAM, "U0ALICE")]
    with any_db.write() as session:
        outbox.enqueue_all(session=session, incident_id=None, team_id=TEAM, effects=effects, now=NOW)
        claimed = [
            claim(session, effect_id=due.id, worker="home", now=NOW)
            for due in home_queue.claimable(session=session, team_id=TEAM, now=NOW)
        ]
    with any_db.read() as session:
        later = [worth.has_later(session=session, effect=effect) for effect in claimed if effect is not None]
    assert later == [True, False, False]
    with any_db.read() as session:
        assert (
            home_queue.still_to_come(session=session, team_id=TEAM, kind=PublishHome.kind, now=NOW) == set()
        )  # all held
