"""A step of a send (the card's `ts`, between its post and its pin) is written beside the next Slack
call (`bot.outbox.steps`), and the send never ends before it is: the failure of the pin is recorded
after the card's `ts`, so the retry finds the card and pins it without posting it again (on SQLite
and PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.outbox import pause, store
from bot.outbox.attempts import Attempt
from bot.outbox.backoff import Backoff
from bot.outbox.effect import Effect
from bot.outbox.failures import Hold, Retry
from bot.outbox.kinds.post_card import CardPosted, PostCard
from bot.outbox.results import Progress, Result
from bot.outbox.sender import EffectSender
from bot.outbox.view import IncidentView
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage import repository
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import FakeSlack

NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)


class PinRefusedOnce(FakeSlack):
    """Posts the card (remembering its `ts` as the real kind does), then Slack refuses the pin once
    with a rate limit: a clean failure, so the retry is not told the card may have been posted."""

    def __init__(self) -> None:
        super().__init__()
        self.cards_posted = 0
        self.pins_refused = 0

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: object = None,
    ) -> Result:
        if not isinstance(effects[0], PostCard):
            return super().send(effects, views, progress, attempt=attempt, group=group)
        if views[0].card_ts is None:  # what the real kind does when no card is known
            self.cards_posted += 1
            progress(CardPosted(ts="1700000000.000100"))
        if self.pins_refused == 0:
            self.pins_refused += 1
            raise Retry("ratelimited", after_seconds=1)
        return CardPosted(ts=views[0].card_ts or "1700000000.000100")


def test_the_cards_ts_is_written_before_the_refused_pin_is_recorded_and_the_retry_posts_no_second_card(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(NOW)
    IncidentService(any_db, zone=KOLKATA, clock=clock).open(team_id="T1", actor="U1", title="Checkout fails")
    slack = PinRefusedOnce()
    sender = EffectSender(any_db, slack, clock=clock, workspace=lambda: "T1", backoff=Backoff(random=lambda: 1.0))
    happened: list[str] = []
    remember, mark_failed = CardPosted.remember, store.mark_failed

    def slow_remember(self: CardPosted, session: Any, incident_id: int | None) -> None:
        time.sleep(0.2)  # a slow database: the pin's answer comes back first
        remember(self, session, incident_id)
        happened.append("card ts written")

    def noted_failure(**arguments: Any) -> None:
        happened.append("failure recorded")
        mark_failed(**arguments)

    monkeypatch.setattr(CardPosted, "remember", slow_remember)
    monkeypatch.setattr(store, "mark_failed", noted_failure)
    sender.drain()
    assert happened[:2] == ["card ts written", "failure recorded"], "the send ends once its step is written"
    clock.advance(seconds=2)
    sender.drain()
    sender.pool.close()
    assert slack.cards_posted == 1, "the retry found the card and only pinned it"
    with any_db.read() as session:
        stored = repository.get_by_number(session=session, team_id="T1", number=1)
        assert stored is not None and stored.card_ts == "1700000000.000100"


def test_a_step_lost_to_the_database_retries_as_maybe_sent_and_a_bug_in_its_write_stays_a_bug() -> None:
    """The database failing the write: Slack did the step, so the retry must look for it
    (`maybe_sent`). A bug in the write is raised as it is: counted and given up after its attempts,
    not retried for ever as if Slack might have it."""
    from sqlalchemy.exc import OperationalError

    from bot.outbox.results import Nothing
    from bot.outbox.steps import Steps

    def database_away(step: Result) -> None:
        raise OperationalError("UPDATE incident", {}, Exception("server closed the connection"))

    lost = Steps(database_away)
    lost(Nothing())
    with pytest.raises(Retry) as retried:
        lost.wait()
    assert retried.value.maybe_sent

    def buggy(step: Result) -> None:
        raise KeyError("card_ts")

    broken = Steps(buggy)
    broken(Nothing())
    with pytest.raises(KeyError):
        broken.wait()


class TokenRevokedAfterThePost(FakeSlack):
    """Posts the card (remembering its `ts`), then Slack refuses the token for the pin."""

    def send(self, effects: Sequence[Effect], views: Sequence[IncidentView], progress: Progress, **how: Any) -> Result:
        if not isinstance(effects[0], PostCard):
            return super().send(effects, views, progress, **how)
        progress(CardPosted(ts="1700000000.000100"))
        raise Hold("token_revoked")


def test_a_send_slack_refused_the_token_for_stays_held_though_its_step_was_lost_to_the_database(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step's write failing says the send may have reached Slack, but Slack refused the token: the
    card is held and the outbox paused, not retried every few seconds against a revoked token."""
    from sqlalchemy.exc import OperationalError

    clock = ManualClock(NOW)
    IncidentService(any_db, zone=KOLKATA, clock=clock).open(team_id="T1", actor="U1", title="Checkout fails")
    sender = EffectSender(
        any_db, TokenRevokedAfterThePost(), clock=clock, workspace=lambda: "T1", backoff=Backoff(random=lambda: 1.0)
    )

    def database_away(self: CardPosted, session: Any, incident_id: int | None) -> None:
        raise OperationalError("UPDATE incident", {}, Exception("server closed the connection"))

    monkeypatch.setattr(CardPosted, "remember", database_away)
    sender.drain()
    sender.pool.close()
    with any_db.read() as session:
        paused = pause.current(session=session, team_id="T1")
        [card] = session.exec(select(EffectRow).where(EffectRow.kind == PostCard.kind)).all()
    assert paused is not None and paused.error == "token_revoked", "the outbox is paused"
    assert (card.state, card.last_error) == (store.HELD, "token_revoked")
