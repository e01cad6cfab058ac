"""What an operator scrapes from `GET /metrics` while people use the bot and Slack misbehaves."""

from __future__ import annotations

import time

from e2e_stack import Samples, Stack, metrics_at


def scrape(stack: Stack) -> Samples:
    return metrics_at(stack.url)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much one counter grew between two scrapes (counters are per process, shared by tests)."""
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_acks_are_counted_by_command_and_outcome_and_timed(stack: Stack) -> None:
    before = scrape(stack)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.user("alice").slash("note INC-1 rolled back")
    stack.user("alice").slash("note INC-77 no such incident")
    stack.user("alice").slash("frobnicate INC-1")
    after = scrape(stack)
    assert grew(before, after, "incident_bot_acks_total", command="open", outcome="ok") == 1
    assert grew(before, after, "incident_bot_acks_total", command="note", outcome="ok") == 1
    assert grew(before, after, "incident_bot_acks_total", command="note", outcome="refused") == 1
    assert grew(before, after, "incident_bot_acks_total", command="unknown", outcome="refused") == 1
    assert grew(before, after, "incident_bot_ack_seconds_count", command="note") == 2
    assert grew(before, after, "incident_bot_ack_seconds_bucket", command="note", le="+Inf") == 2


def test_slack_calls_are_counted_by_method_and_result(stack: Stack) -> None:
    stack.user("alice").slash("note INC-99 know alice first")  # the member check, while Slack is fine
    before = scrape(stack)
    stack.emulator.fail_next("conversations.create", status=503)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle(timeout=30)
    after = scrape(stack)
    created = "incident_bot_slack_calls_total"
    assert grew(before, after, created, method="conversations.create", result="http_503") == 1
    assert grew(before, after, created, method="conversations.create", result="ok") == 1
    assert grew(before, after, created, method="pins.add", result="ok") == 1


def test_the_outbox_gauge_shows_work_waiting_while_slack_is_down_and_none_after(stack: Stack) -> None:
    stack.user("alice").slash("note INC-99 know alice first")
    before = scrape(stack)
    stack.emulator.down(refuse_connections=True)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.user("alice").slash("note INC-1 still down")
    during = scrape(stack)
    assert during[("incident_bot_outbox_effects", (("state", "pending"),))] >= 2
    deadline = time.monotonic() + 10  # the sender tries on its own thread, right after the ack
    while not grew(before, during, "incident_bot_slack_calls_total", method="conversations.create", result="network"):
        assert time.monotonic() < deadline, "no failed conversations.create counted"
        time.sleep(0.05)
        during = scrape(stack)
    stack.emulator.up()
    stack.settle(timeout=60)
    after = scrape(stack)
    assert after[("incident_bot_outbox_effects", (("state", "pending"),))] == 0
    assert after[("incident_bot_outbox_effects", (("state", "given_up"),))] == 0
