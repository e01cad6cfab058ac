"""Secrets never reach the logs, even at DEBUG and even when Slack fails."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from e2e_stack import Stack

from bot.logs import configure_logging
from bot.sandbox import SIGNING_SECRET


def test_tokens_and_the_signing_secret_stay_out_of_debug_logs(
    make_stack: Callable[..., Stack], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    configure_logging()
    caplog.set_level(logging.DEBUG)
    stack = make_stack()
    stack.emulator.fail_next("conversations.create", status=500)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.user("gina").slash("note INC-1 guest here")
    stack.user("alice").slash("status INC-1 identified")
    stack.settle(timeout=30)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged, "something was logged"
    for secret in (stack.emulator.bot_token, SIGNING_SECRET):
        assert secret not in logged
    assert logging.getLogger("slack_sdk").getEffectiveLevel() >= logging.WARNING
