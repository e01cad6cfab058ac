"""Slack slow, down, failing, rate limiting or refusing the token: acks stay right, nothing is lost or doubled.

The bot runs on a `ManualClock`, so its retries wait for the test to move time, not for real
seconds: "once Slack answers again, everything within 30 s" is checked by moving the clock 30 s
and then waiting (in real time) until nothing is pending.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from e2e_stack import KOLKATA, Stack, card_of, shown, wait_for, wait_until_no_send_is_in_flight
from sqlmodel import col, select

from bot.outbox.send_pool import SEND_THREADS
from bot.sandbox import ManualClock
from bot.storage.effect_tables import EffectRow
from slack_emulator import ANNOUNCE


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def stack(make_stack: Callable[..., Stack], clock: ManualClock) -> Stack:
    return make_stack(clock=clock)  # on SQLite and PostgreSQL (the `database_url` fixture)


def healthz(stack: Stack) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"{stack.url}/healthz", timeout=5) as answer:  # noqa: S310 - loopback
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def failed_calls(stack: Stack) -> int:
    return len([call for call in stack.emulator.calls() if not call.ok])


def refusals(stack: Stack) -> list[str]:
    """The methods of the calls Slack refused for the revoked token."""
    return [call.method for call in stack.emulator.calls() if call.error == "token_revoked"]


def unhealthy(stack: Stack) -> dict[str, object] | None:
    status, body = healthz(stack)
    return body if status == 503 else None


def act_on_incident_1(stack: Stack) -> None:
    """Open INC-1, note, change status: each ack is the right answer, whatever Slack is doing."""
    alice = stack.user("alice")
    opened = alice.slash("open sev1 Payments are down")
    assert opened.status == 200 and "Opened *INC-1*" in opened.json["text"]
    assert alice.slash("note INC-1 rolled back the deploy").json["text"] == "INC-1: note added to the timeline."
    assert alice.slash("status INC-1 identified").json["text"] == "INC-1: now *identified*."


def assert_incident_1_arrived_once(stack: Stack, acted_at: datetime) -> None:
    """One channel, one pinned card showing the last status, each timeline line once and in order
    (lines that waited together arrive in one message)."""
    created = [call for call in stack.emulator.calls("conversations.create") if call.ok]
    assert len(created) == 1
    channel = stack.channel_of(1)
    at = f"`{acted_at.astimezone(KOLKATA):%H:%M} IST`"
    messages = [shown(m) for m in stack.emulator.messages(channel) if m.user == "U0BOT" and not m.pinned]
    lines = [line for message in messages for line in message.split("\n")]  # lines waiting together share one
    assert lines == [
        f"{at} *alice* opened INC-1: Payments are down",
        f"{at} *alice* :memo: rolled back the deploy",
        f"{at} *alice* :bulb: set the status to *identified*",
    ]
    assert "identified" in shown(card_of(stack, channel)).lower()
    announced = [shown(m) for m in stack.emulator.messages(ANNOUNCE) if "INC-1" in shown(m)]
    assert len(announced) == 1


@pytest.mark.parametrize("refuse_connections", [False, True], ids=["503", "connection-refused"])
def test_everything_done_during_an_outage_arrives_once_within_30_seconds_of_slack_coming_back(
    stack: Stack, clock: ManualClock, refuse_connections: bool
) -> None:
    stack.emulator.down(refuse_connections=refuse_connections)
    acted_at = clock()
    act_on_incident_1(stack)
    if not refuse_connections:
        wait_for(lambda: failed_calls(stack) >= 1, timeout=15)
    for _ in range(20):  # ten minutes of outage: the waits grow, then stay at 30 s
        clock.advance(seconds=30)
        stack.runtime.sender_thread.notify()
    assert stack.emulator.channel_by_name("inc-1-payments-are-down") is None
    stack.emulator.up()
    wait_until_no_send_is_in_flight(stack)
    clock.advance(seconds=30)
    stack.settle(timeout=60)
    assert_incident_1_arrived_once(stack, acted_at)


def test_server_errors_on_every_call_for_a_while_lose_and_double_nothing(stack: Stack, clock: ManualClock) -> None:
    stack.emulator.fail_next(status=500, times=6)
    acted_at = clock()
    act_on_incident_1(stack)
    for failures in range(1, 7):
        wait_for(lambda count=failures: failed_calls(stack) >= count, timeout=30)
        wait_until_no_send_is_in_flight(stack)
        clock.advance(seconds=30)
        stack.runtime.sender_thread.notify()
    stack.settle(timeout=60)
    assert failed_calls(stack) == 6
    assert_incident_1_arrived_once(stack, acted_at)


def test_a_rate_limit_is_waited_out_exactly_as_retry_after_says(stack: Stack, clock: ManualClock) -> None:
    stack.emulator.rate_limit_next("conversations.create", retry_after=20)
    acted_at = clock()
    act_on_incident_1(stack)
    wait_for(lambda: stack.emulator.calls("conversations.create"), timeout=15)

    def retry_at() -> datetime | None:
        with stack.runtime.db.read() as session:
            row = session.exec(select(EffectRow).where(col(EffectRow.kind) == "channel.create")).one()
        return row.not_before if row.attempts == 1 else None

    assert wait_for(retry_at, timeout=15) == clock() + timedelta(seconds=20)
    clock.advance(seconds=20)
    stack.settle(timeout=30)
    assert [call.status for call in stack.emulator.calls("conversations.create")] == [429, 200]
    assert_incident_1_arrived_once(stack, acted_at)


def test_a_slow_slack_delays_nothing_people_see_in_their_answers(stack: Stack, clock: ManualClock) -> None:
    stack.emulator.set_latency(0.2)
    act_on_incident_1(stack)
    stack.settle(timeout=60)
    assert_incident_1_arrived_once(stack, clock())


def test_a_token_revoked_mid_incident_holds_the_work_until_it_is_restored(stack: Stack, clock: ManualClock) -> None:
    alice = stack.user("alice")
    assert "Opened *INC-1*" in alice.slash("open sev1 Payments are down").json["text"]
    stack.settle()
    assert healthz(stack) == (200, {"ok": True, "slack": "verified"})
    stack.emulator.revoke_token("token_revoked")
    assert alice.slash("note INC-1 rolled back the deploy").json["text"] == "INC-1: note added to the timeline."
    assert alice.slash("status INC-1 identified").json["text"] == "INC-1: now *identified*."
    revoked = clock()
    revoked_at = f"{revoked.astimezone(KOLKATA):%H:%M}"
    reason = f"slack auth failing since {revoked_at}: token_revoked"
    assert wait_for(lambda: unhealthy(stack), timeout=15) == {"ok": False, "slack": "refused", "error": reason}
    # the line, the card and the topic went side by side (lanes): each refused once at most, then
    # paused (the line is not even tried when the channel's pace still held it back, the note typed
    # within SANDBOX_PACE_SECONDS of the last line the open posted: the pause then holds it)
    first = refusals(stack)
    assert set(first) <= {"chat.postMessage", "chat.update", "conversations.setTopic"}
    assert first and len(first) == len(set(first)) <= SEND_THREADS, "one round refused, then paused"
    clock.advance(seconds=61)  # the next check: one held call, sent again, refused again
    stack.runtime.sender_thread.notify()
    wait_for(lambda: len(refusals(stack)) > len(first), timeout=15)
    assert unhealthy(stack) == {"ok": False, "slack": "refused", "error": reason}
    stack.emulator.restore_token()
    clock.advance(seconds=60)
    stack.settle(timeout=30)
    assert healthz(stack) == (200, {"ok": True, "slack": "verified"})
    checked = refusals(stack)[len(first) :]  # the check a minute later: one held call, sent again
    assert refusals(stack)[: len(first)] == first and len(checked) == 1, "one check a minute, nothing else tried"
    assert checked[0] in {"chat.postMessage", "chat.update", "conversations.setTopic"}
    assert_incident_1_arrived_once(stack, revoked)
