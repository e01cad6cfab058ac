"""An attempt's outcome is recorded only while the effect is still its sender's (`store.mark_done`,
`mark_failed`, `mark_held`): a sender whose lease ran out (Slack, or the process, stalled past it)
and whose effect another sender took over meanwhile leaves that sender's state and lease as they
are when its call finally returns; an effect nobody claimed since (or that was given back unsent)
still gets its outcome. On SQLite and PostgreSQL; the token pause's check through the real sender."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.outbox import claims, pause, store
from bot.outbox.attempts import Attempt
from bot.outbox.effect import Effect
from bot.outbox.failures import Hold
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.outbox.results import Progress, Result
from bot.outbox.sender import EffectSender
from bot.outbox.view import IncidentView
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import OPENING, FakeSlack

NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # A claims the three effects
LATER = NOW + claims.LEASE + timedelta(seconds=1)  # A's leases ran out: B claims one, or two
ANSWERED = LATER + timedelta(seconds=5)  # A's Slack call returns at last
RETRY_AT = ANSWERED + timedelta(seconds=30)
TEAM = "T1"

Mark = Callable[[Session, list[int]], None]
MARKS: dict[str, Mark] = {
    "sent": lambda session, ids: store.mark_done(
        session=session, effect_ids=ids, now=ANSWERED, worker="A", note="sent by A"
    ),
    "failed": lambda session, ids: store.mark_failed(
        session=session, effect_ids=ids, now=ANSWERED, worker="A", retry_at=RETRY_AT, error="slack 503"
    ),
    "given up": lambda session, ids: store.mark_failed(
        session=session, effect_ids=ids, now=ANSWERED, worker="A", retry_at=None, error="channel_not_found"
    ),
    "held": lambda session, ids: store.mark_held(session=session, effect_ids=ids, worker="A", error="token_revoked"),
}
# What A's outcome makes of an effect still its own: (state, attempts, not_before, claimed_until, last_error).
RECORDED = {
    "sent": ("done", 0, NOW, None, "sent by A"),
    "failed": ("pending", 1, RETRY_AT, None, "slack 503"),
    "given up": ("dead", 1, NOW, None, "channel_not_found"),
    "held": ("held", 1, NOW, None, "token_revoked"),
}


def snapshot(db: Database, effect_id: int) -> tuple[object, ...]:
    """The row's state and lease, and what its last outcome recorded."""
    with db.read() as session:
        row = session.exec(select(EffectRow).where(col(EffectRow.id) == effect_id)).one()
        return (row.state, row.attempts, row.not_before, row.claimed_until, row.last_error, row.claimed_by, row.done_at)


def three_claimed_by_a(db: Database) -> list[int]:
    """Three independent effects (modals of no incident), claimed by sender A at `NOW`."""
    with db.write() as session:
        for n in range(3):
            modal = OpenIncidentModal(trigger_id=f"t{n}", severity=2, private_metadata="C0")
            store.enqueue(session=session, incident_id=None, team_id=TEAM, effect=modal, now=NOW)
        ids = [due.id for due in claims.claimable(session=session, team_id=TEAM, now=NOW)]
        assert len(claims.claim_many(session=session, effect_ids=ids, worker="A", now=NOW)) == 3
    return sorted(ids)


@pytest.mark.parametrize("outcome", sorted(MARKS))
@pytest.mark.parametrize("b_has", ["claimed it", "sent it"])
def test_a_stale_outcome_leaves_what_another_sender_took_over_and_records_the_rest(
    any_db: Database, outcome: str, b_has: str
) -> None:
    """A's leases ran out while Slack did not answer. B claimed the first effect (and is sending it,
    or sent it: done); nobody claimed the second; B claimed the third and gave it back unsent. A's
    outcome, for all three, records on the second and third and leaves the first as B has it:
    before, a refused token made B's sent effect held (posted again once the token was back), a
    give-up made it dead, and any outcome cleared B's lease while B was sending (a third sender
    would claim it and send it again)."""
    taken, nobodys, given_back = three_claimed_by_a(any_db)
    with any_db.write() as session:
        leased = claims.claim_many(session=session, effect_ids=[taken, given_back], worker="B", now=LATER)
        assert set(leased) == {taken, given_back}, "A's leases ran out: B may claim"
        claims.release(session=session, effect_ids=[given_back], worker="B")
        if b_has == "sent it":
            store.mark_done(session=session, effect_ids=[taken], now=LATER, worker="B", note="sent by B")
    bs = snapshot(any_db, taken)
    assert bs[5] == "B" and (bs[0], bs[3]) == (
        ("pending", LATER + claims.LEASE) if b_has == "claimed it" else ("done", None)
    )
    with any_db.write() as session:
        MARKS[outcome](session, [taken, nobodys, given_back])
    assert snapshot(any_db, taken) == bs, f"B {b_has}: A's stale outcome changes nothing of it"
    done_at = ANSWERED if RECORDED[outcome][0] in ("done", "dead") else None
    assert snapshot(any_db, nobodys) == (*RECORDED[outcome], "A", done_at), "A's own: recorded, lease or not"
    assert snapshot(any_db, given_back) == (*RECORDED[outcome], None, done_at), "given back unsent: A's outcome"


class Stalling(FakeSlack):
    """`FakeSlack` whose next answer comes only after `meanwhile` ran: what other senders did while
    this one's call was unanswered."""

    meanwhile: Callable[[], None] | None = None

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: object = None,
    ) -> Result:
        then, self.meanwhile = self.meanwhile, None
        if then is not None:
            then()
        return super().send(effects, views, progress, attempt=attempt, group=group)


def paused_by_a(db: Database, slack: FakeSlack) -> tuple[ManualClock, EffectSender, EffectSender]:
    """An incident opened, and two senders, A and B: Slack refuses the token to A's first send
    (the channel's creation), so the outbox is paused, the creation held."""
    clock = ManualClock(NOW)
    IncidentService(db, zone=KOLKATA, clock=clock).open(team_id=TEAM, actor="U1", title="Checkout fails")
    a, b = (EffectSender(db, slack, clock=clock, workspace=lambda: TEAM) for _ in range(2))
    slack.failing = lambda: Hold("invalid_auth")
    a.drain()
    return clock, a, b


def test_a_check_whose_lease_ran_out_never_holds_again_what_the_next_check_sent(any_db: Database) -> None:
    """The outbox is paused; A checks with the held channel's creation, and Slack does not answer for
    longer than A's lease on the pause. B checks meanwhile: Slack takes the token, B creates the
    channel, ends the pause and sends the rest. Then A's call is answered, the token refused (a
    blip). Before, A made the creation held again, and once the token was next refused and restored
    it would have made a second channel. Now it stays B's: done, every effect sent once."""
    slack = Stalling()
    clock, a, b = paused_by_a(any_db, slack)
    assert slack.tried == [(CreateChannel.kind, 1)], "held, the outbox paused"
    clock.advance(seconds=60)

    def b_checks_while_a_waits() -> None:
        clock.advance(seconds=claims.LEASE.total_seconds() + 1)
        slack.failing = None
        b.drain()
        slack.failing = lambda: Hold("invalid_auth")  # A's answer

    slack.meanwhile = b_checks_while_a_waits
    a.drain()
    assert slack.tried.count((CreateChannel.kind, 1)) == 3, "refused, B's check, A's check answered last"
    assert slack.sent_for(1) == OPENING, "each once, by B"
    with any_db.read() as session:
        creation = session.exec(select(EffectRow).where(col(EffectRow.kind) == CreateChannel.kind)).one()
        unsent = session.exec(select(EffectRow).where(col(EffectRow.state) != "done")).all()
    assert (creation.state, creation.claimed_by) == ("done", store.worker_label(b.worker))
    assert unsent == [], "nothing held again, and the pause is over"


def test_a_check_whose_lease_ran_out_leaves_the_lease_of_the_check_that_took_over(any_db: Database) -> None:
    """A checks the paused outbox and Slack does not answer for longer than A's lease on the pause;
    B takes the check over and is still waiting for Slack when A's answer comes (the token refused
    again). A's next check time is not recorded over B's lease: cleared, a third sender would check
    beside B and send the same held effect again. A's own check, nobody having taken it over, is."""
    slack = FakeSlack()
    _, a, b = paused_by_a(any_db, slack)
    with any_db.read() as session:
        paused = pause.current(session=session, team_id=TEAM)
    assert paused is not None
    retry_at = LATER + timedelta(minutes=1)
    for taken_over in (True, False):
        with any_db.write() as session:
            assert claims.claim_many(session=session, effect_ids=[paused.id], worker=a.worker, now=NOW)
        if taken_over:
            with any_db.write() as session:
                assert claims.claim_many(session=session, effect_ids=[paused.id], worker=b.worker, now=LATER)
        with any_db.read() as session:
            before = session.get_one(EffectRow, paused.id)
        with any_db.write() as session:
            pause._postpone(session, paused.id, worker=a.worker, until=retry_at, error="token_revoked")
        with any_db.read() as session:
            after = session.get_one(EffectRow, paused.id)
        if taken_over:
            assert (after.claimed_by, after.claimed_until) == (
                store.worker_label(b.worker),
                LATER + claims.LEASE,
            )
            assert (after.attempts, after.not_before) == (before.attempts, before.not_before)
            claims.give_back(any_db, [paused.id], worker=b.worker)  # B's check ends; A claims the next one
        else:
            assert (after.claimed_until, after.not_before, after.attempts) == (None, retry_at, before.attempts + 1)
