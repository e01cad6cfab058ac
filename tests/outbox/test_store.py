"""The outbox table, on SQLite and PostgreSQL: leases, and typed payloads in and out of its JSON column.

Rows recorded by versions before the payloads had types must still load: the JSON of every kind
is pinned here, and the two shapes that changed are read back from rows written as they were.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from bot.outbox import payloads as work
from bot.outbox import store as outbox
from bot.outbox.kinds import EffectKind
from bot.outbox.payloads import UnreadablePayload, decode, encode
from bot.storage.db import Database
from bot.storage.tables import EffectRow

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
MODAL = work.OpenIncidentModal(trigger_id="t1", severity=2, private_metadata="C0ORIGIN")

# Each payload and its JSON: the keys the untyped outbox wrote (what a deployed database holds).
STORED_AS = [
    (work.CreateChannel(), "channel.create", {}),
    (work.Invite(users=("U1",)), "channel.invite", {"users": ["U1"]}),
    (work.SetTopic(), "channel.topic", {"entry_id": None}),
    (work.SetTopic(entry_id=4), "channel.topic", {"entry_id": 4}),
    (work.PostCard(), "card.post", {}),
    (work.UpdateCard(entry_id=4), "card.update", {"entry_id": 4}),
    (work.PostTimeline(entry_id=4), "timeline.post", {"entry_id": 4}),
    (work.Announce(entry_id=4), "announce", {"entry_id": 4}),
    (
        work.TellChannelReady(user="U1", response_url="https://hooks.example/r", origin="C0ORIGIN"),
        "reply.channel_ready",
        {"response_url": "https://hooks.example/r", "origin": "C0ORIGIN", "user": "U1"},
    ),
    (
        work.FetchMessage(channel="C1", ts="1.5", user="U2"),
        "message.fetch",
        {"channel": "C1", "ts": "1.5", "user": "U2"},
    ),
    (
        work.AcknowledgeMessage(entry_id=4, ts="1.5", user="U2"),
        "message.acknowledge",
        {"entry_id": 4, "ts": "1.5", "user": "U2"},
    ),
    (MODAL, "view.open", {"trigger_id": "t1", "modal": {"severity": 2, "private_metadata": "C0ORIGIN"}}),
    (work.OpenDraftEditor(trigger_id="t2", draft_id=9), "view.open_draft", {"trigger_id": "t2", "draft_id": 9}),
    (work.PostDraft(draft_id=9), "draft.post", {"draft_id": 9}),
    (work.UpdateDraft(draft_id=9), "draft.update", {"draft_id": 9}),
    (work.PublishDraft(draft_id=9), "draft.publish", {"draft_id": 9}),
    (
        work.PostReminder(
            reminder="nudge",
            due="2022-02-17T16:50:00+00:00",
            noticed_at="2022-02-17T16:51:00+00:00",
            late_seconds=60.0,
            version=3,
        ),
        "reminder.post",
        {
            "reminder": "nudge",
            "due": "2022-02-17T16:50:00+00:00",
            "noticed_at": "2022-02-17T16:51:00+00:00",
            "late_seconds": 60.0,
            "version": 3,
        },
    ),
    (work.AuthCheck(), "outbox.auth_hold", {}),
]


def test_every_kind_of_slack_work_has_exactly_one_payload() -> None:
    assert set(work.PAYLOADS) == set(EffectKind)
    assert {kind for _, kind, _ in STORED_AS} == {kind.value for kind in EffectKind}


@pytest.mark.parametrize(("payload", "kind", "stored"), STORED_AS, ids=lambda value: str(value)[:40])
def test_a_payload_is_stored_as_the_untyped_outbox_stored_it_and_reads_back_the_same(
    payload: work.Payload, kind: str, stored: dict[str, object]
) -> None:
    assert payload.kind == kind
    assert json.loads(encode(payload)) == stored
    assert decode(kind, json.dumps(stored)) == payload


def test_an_edit_modal_recorded_before_it_had_its_own_kind_still_opens_the_draft_editor() -> None:
    legacy = decode("view.open", json.dumps({"trigger_id": "t2", "draft_id": 9}))
    assert legacy == work.OpenDraftEditor(trigger_id="t2", draft_id=9)


def test_rows_without_their_optional_keys_load() -> None:
    assert decode("reply.channel_ready", '{"user": "U1"}') == work.TellChannelReady(user="U1")
    assert decode("channel.topic", "{}") == work.SetTopic()  # as an opening recorded it


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


def test_rows_written_by_the_untyped_outbox_are_claimed_with_their_typed_payload(any_db: Database) -> None:
    with any_db.write() as session:
        for _, kind, stored in STORED_AS[:-1]:
            session.add(EffectRow(kind=kind, payload=json.dumps(stored), created_at=NOW, not_before=NOW))
    with any_db.read() as session:
        due = outbox.claimable(session=session, now=NOW, limit=100)
    with any_db.write() as session:
        claimed = [outbox.claim(session=session, effect_id=effect_id, worker="web-1", now=NOW) for effect_id in due]
    assert [effect.payload if effect else None for effect in claimed] == [payload for payload, _, _ in STORED_AS[:-1]]


def test_an_effect_leased_by_one_sender_is_refused_to_another_until_the_lease_ends(any_db: Database) -> None:
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, payload=MODAL, now=NOW)
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
        EffectKind.OPEN_INCIDENT_MODAL,
        MODAL,
        None,
        0,
    )


def test_an_effect_already_sent_cannot_be_claimed(any_db: Database) -> None:
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, payload=MODAL, now=NOW)
    with any_db.read() as session:
        [effect_id] = outbox.claimable(session=session, now=NOW)
    with any_db.write() as session:
        outbox.mark_done(session=session, effect_id=effect_id, now=NOW)
    with any_db.write() as session:
        assert outbox.claim(session=session, effect_id=effect_id, worker="web-1", now=NOW) is None


def test_a_sender_on_a_host_with_a_long_name_can_still_claim_effects(any_db: Database) -> None:
    """effect.claimed_by is VARCHAR(64): PostgreSQL enforces it, SQLite does not."""
    worker = "incident-bot-web-7d9f8c6b5-abcde.prod.eu-west-1.compute.internal:123456:7f3a2b1c4d5e"
    with any_db.write() as session:
        outbox.enqueue(session=session, incident_id=None, payload=MODAL, now=NOW)
    with any_db.read() as session:
        [effect_id] = outbox.claimable(session=session, now=NOW)
    with any_db.write() as session:
        assert outbox.claim(session=session, effect_id=effect_id, worker=worker, now=NOW) is not None
    with any_db.write() as session:
        assert outbox.claim(session=session, effect_id=effect_id, worker="other", now=NOW) is None
