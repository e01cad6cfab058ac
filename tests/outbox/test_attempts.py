"""Idempotent posts: the sender tells the delivery when the previous attempt may have reached Slack,
and an earlier attempt's messages are recognised by the effect id in their metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.outbox.attempts import EVENT_TYPE, Attempt, posted_parts
from bot.outbox.backoff import Backoff
from bot.outbox.failures import Hold, Retry, classify, failed_ambiguously
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.sender import EffectSender
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage.db import Database
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import FakeSlack
from tests.outbox.test_failures import answer

START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def tries_of_first_effect(failure: Exception, sqlite_db: Database) -> list[Attempt]:
    """Open an incident, fail its first effect once with `failure`, send again: what each try was told."""
    clock = ManualClock(START)
    slack = FakeSlack()
    sender = EffectSender(sqlite_db, slack, clock=clock, workspace=lambda: "T1", backoff=Backoff(random=lambda: 1.0))
    IncidentService(sqlite_db, zone=KOLKATA, clock=clock).open(team_id="T1", actor="U1", title="Checkout fails")
    slack.failures.append(failure)
    sender.drain()
    clock.advance(seconds=31)
    sender.drain()
    assert slack.sent[0][0] == CreateChannel.kind
    first = slack.attempts[0].effect_id
    return [attempt for attempt in slack.attempts if attempt.effect_id == first]


def test_after_a_timeout_the_retry_is_told_the_first_try_may_have_reached_slack(sqlite_db: Database) -> None:
    tries = tries_of_first_effect(Retry("network: TimeoutError", maybe_sent=True), sqlite_db)
    assert [attempt.maybe_sent for attempt in tries] == [False, True]


def test_after_a_rate_limit_the_retry_is_a_plain_one(sqlite_db: Database) -> None:
    tries = tries_of_first_effect(Retry("ratelimited", after_seconds=1), sqlite_db)
    assert [attempt.maybe_sent for attempt in tries] == [False, False]


def test_each_effect_is_told_its_own_id(sqlite_db: Database) -> None:
    clock = ManualClock(START)
    slack = FakeSlack()
    sender = EffectSender(sqlite_db, slack, clock=clock, workspace=lambda: "T1")
    IncidentService(sqlite_db, zone=KOLKATA, clock=clock).open(team_id="T1", actor="U1", title="Checkout fails")
    sender.drain()
    ids = [attempt.effect_id for attempt in slack.attempts]
    assert len(ids) == len(set(ids)) > 1
    assert not any(attempt.maybe_sent for attempt in slack.attempts)


@pytest.mark.parametrize(("status", "code", "maybe_sent"), [(500, "fatal_error", True), (429, "ratelimited", False)])
def test_a_server_error_may_have_reached_slack_a_rate_limit_did_not(status: int, code: str, maybe_sent: bool) -> None:
    with pytest.raises(Retry) as caught:
        classify(answer(status, code))
    assert caught.value.maybe_sent is maybe_sent
    assert failed_ambiguously(str(caught.value)) is maybe_sent


def message(ts: str, effect_id: int | None, part: int = 0, event_type: str = EVENT_TYPE) -> dict[str, Any]:
    if effect_id is None:
        return {"ts": ts, "text": "a person's message"}
    payload: dict[str, Any] = {"effect_id": effect_id, **({"part": part} if part else {})}
    return {"ts": ts, "text": "x", "metadata": {"event_type": event_type, "event_payload": payload}}


def test_an_earlier_attempts_messages_are_found_by_effect_id_and_part() -> None:
    history = [
        message("5.0", 42, part=1),
        message("4.0", None),
        message("3.0", 41),
        message("2.0", 42, event_type="someone_elses_event"),
        message("1.0", 42),
    ]
    assert posted_parts(history, 42) == {0: "1.0", 1: "5.0"}
    assert posted_parts(history, 43) == {}


def test_the_metadata_posted_names_the_effect_and_its_part() -> None:
    attempt = Attempt(effect_id=42)
    assert attempt.metadata() == {"event_type": EVENT_TYPE, "event_payload": {"effect_id": 42}}
    assert posted_parts([{"ts": "1.0", "metadata": attempt.metadata(2)}], 42) == {2: "1.0"}


@pytest.mark.parametrize("then", [Retry("HTTP 503"), Hold("token_revoked")], ids=["503", "token-refused"])
def test_a_later_try_that_failed_before_it_could_look_leaves_the_next_one_looking(
    any_db: Database, then: Exception
) -> None:
    """The first try timed out (it may have posted); the second failed before it could look for
    that post (a 503, a refused token: the outbox held, then checked). The third must still look
    first, or a post that did land is made twice (a second card)."""
    clock = ManualClock(START)
    slack = FakeSlack()
    sender = EffectSender(any_db, slack, clock=clock, workspace=lambda: "T1", backoff=Backoff(random=lambda: 1.0))
    IncidentService(any_db, zone=KOLKATA, clock=clock).open(team_id="T1", actor="U1", title="Checkout fails")
    slack.failures += [Retry("network: TimeoutError", maybe_sent=True), then]
    for _ in range(3):
        sender.drain()
        clock.advance(seconds=61)  # past the retry's backoff, and the held outbox's next check
    first = slack.attempts[0].effect_id
    assert [attempt.maybe_sent for attempt in slack.attempts if attempt.effect_id == first] == [False, True, True]
