"""Fault injection: latency, 5xx, 429 with Retry-After, outages, from Python and over HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from slack_emulator import ANNOUNCE, GENERAL, SlackEmulator

from .samples import post_json


def post_fault(emulator: SlackEmulator, command: dict[str, Any]) -> int:
    return post_json(f"{emulator.url}/_emulator/faults", command)


def test_a_rate_limit_is_a_429_with_retry_after_that_the_client_raises(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0GENERAL", text="x")
    response = caught.value.response
    assert response.status_code == 429
    assert response["error"] == "ratelimited"
    assert response.headers["Retry-After"] == "7"


def test_the_rate_limit_retry_handler_waits_and_succeeds(emulator: SlackEmulator) -> None:
    client = WebClient(
        token=emulator.bot_token,
        base_url=emulator.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    emulator.rate_limit_next("conversations.create", retry_after=1)
    started = time.monotonic()
    assert client.conversations_create(name="after-the-wait")["ok"] is True
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in emulator.calls("conversations.create")] == [429, 200]


def test_a_rate_limit_on_one_method_leaves_others_alone(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.rate_limit_next("chat.postMessage", times=2)
    assert client.auth_test()["ok"] is True
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C0GENERAL", text="x")
    assert client.conversations_create(name="fine")["ok"] is True


def test_fail_next_answers_5xx_the_given_number_of_times(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.fail_next("conversations.create", status=503, times=2)
    statuses = []
    for _ in range(3):
        try:
            client.conversations_create(name="third-time-lucky")
            statuses.append(200)
        except SlackApiError as error:
            statuses.append(error.response.status_code)
    assert statuses == [503, 503, 200]
    assert [c.ok for c in emulator.calls("conversations.create")] == [False, False, True]


def test_fail_next_for_any_method_hits_the_next_call(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.fail_next(status=500)
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response.status_code == 500
    assert client.auth_test()["ok"] is True


def test_latency_delays_every_call(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.set_latency(0.3)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3


def test_latency_for_one_method_leaves_others_fast(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.set_latency(0.4, "chat.postMessage")
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3


def test_down_answers_503_to_everything_until_up(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.down()
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response.status_code == 503
    emulator.up()
    assert client.auth_test()["ok"] is True


def test_down_can_refuse_connections_and_come_back_on_the_same_port(emulator: SlackEmulator) -> None:
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url, retry_handlers=[], timeout=2)
    url = emulator.url
    emulator.down(refuse_connections=True)
    with pytest.raises(urllib.error.URLError):
        client.auth_test()
    emulator.up()
    assert emulator.url == url
    assert client.auth_test()["ok"] is True


def test_the_connection_retry_handler_gets_through_once_the_emulator_is_back(emulator: SlackEmulator) -> None:
    client = WebClient(
        token=emulator.bot_token,
        base_url=emulator.api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=5, interval_calculator=FixedValueRetryIntervalCalculator(0.1))
        ],
    )
    emulator.down(refuse_connections=True)
    back = threading.Timer(0.2, emulator.up)
    back.start()
    try:
        assert client.auth_test()["ok"] is True
    finally:
        back.join()
    assert [c.status for c in emulator.calls("auth.test")] == [200]


def test_faults_can_be_injected_over_http_from_another_process(client: WebClient, emulator: SlackEmulator) -> None:
    assert post_fault(emulator, {"action": "rate_limit_next", "method": "auth.test", "retry_after": 2}) == 200
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response.status_code == 429
    assert post_fault(emulator, {"action": "down"}) == 200
    with pytest.raises(SlackApiError):
        client.auth_test()
    assert post_fault(emulator, {"action": "up"}) == 200
    assert client.auth_test()["ok"] is True
    assert post_fault(emulator, {"action": "explode"}) == 400


def test_the_call_log_is_readable_over_http(client: WebClient, emulator: SlackEmulator) -> None:
    client.auth_test()
    with urllib.request.urlopen(f"{emulator.url}/_emulator/calls") as response:  # noqa: S310 - loopback emulator
        calls = json.loads(response.read())["calls"]
    assert [(c["method"], c["status"], c["response"]["ok"]) for c in calls] == [("auth.test", 200, True)]


def refusal(client: WebClient, call: str = "auth_test", **arguments: Any) -> tuple[int, str]:
    with pytest.raises(SlackApiError) as caught:
        getattr(client, call)(**arguments)
    return caught.value.response.status_code, str(caught.value.response["error"])


def test_a_revoked_token_is_refused_by_every_method_until_restored(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    emulator.revoke_token()
    assert refusal(client) == (200, "token_revoked")
    assert refusal(client, "chat_postMessage", channel=bot_channel, text="x") == (200, "token_revoked")
    assert refusal(client, "conversations_create", name="nope") == (200, "token_revoked")
    emulator.restore_token()
    assert client.chat_postMessage(channel=bot_channel, text="x")["ok"] is True
    assert [m.text for m in emulator.messages(bot_channel)] == ["x"], "nothing was posted while refused"
    assert emulator.channel_by_name("nope") is None


def test_the_token_can_be_refused_as_invalid_auth_or_account_inactive(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.revoke_token("invalid_auth")
    assert refusal(client) == (200, "invalid_auth")
    emulator.revoke_token("account_inactive")
    assert refusal(client) == (200, "account_inactive")
    with pytest.raises(ValueError, match="a refused token answers one of"):
        emulator.revoke_token("channel_not_found")
    emulator.clear_faults()
    assert client.auth_test()["ok"] is True


def test_the_token_can_be_revoked_and_restored_over_http(client: WebClient, emulator: SlackEmulator) -> None:
    assert post_fault(emulator, {"action": "revoke_token"}) == 200
    assert refusal(client) == (200, "token_revoked")
    assert post_fault(emulator, {"action": "revoke_token", "error": "invalid_auth"}) == 200
    assert refusal(client) == (200, "invalid_auth")
    assert post_fault(emulator, {"action": "revoke_token", "error": "ok"}) == 400
    assert refusal(client) == (200, "invalid_auth"), "a bad command changes nothing"
    assert post_fault(emulator, {"action": "restore_token"}) == 200
    assert client.auth_test()["ok"] is True


def test_a_message_pace_refuses_a_second_message_in_a_channel_within_it_and_no_other_channel(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_bot_to(GENERAL)
    emulator.add_bot_to(ANNOUNCE)
    emulator.message_pace(60.0)  # nothing in this test waits a minute: every second post is refused
    assert client.chat_postMessage(channel=GENERAL, text="first")["ok"] is True
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=GENERAL, text="second, too soon")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "1"
    assert client.chat_postMessage(channel=ANNOUNCE, text="another channel")["ok"] is True
    assert client.conversations_setTopic(channel=GENERAL, topic="not a message")["ok"] is True
    posted = [call.args["text"] for call in emulator.calls("chat.postMessage") if call.ok]
    assert posted == ["first", "another channel"], "the refused message was not posted"
    emulator.message_pace(0.0)
    assert client.chat_postMessage(channel=GENERAL, text="no limit")["ok"] is True


def test_a_held_method_is_answered_only_once_released_while_other_methods_go_on(
    client: WebClient, emulator: SlackEmulator
) -> None:
    held = emulator.hold("conversations.create")
    answers: list[bool] = []

    def create() -> None:
        answers.append(bool(client.conversations_create(name="held-until-released")["ok"]))

    creating = threading.Thread(target=create)
    creating.start()
    assert held.wait_arrived()
    assert client.auth_test()["ok"] is True  # another method is not held
    assert emulator.calls("conversations.create") == [] and answers == []  # arrived, not answered
    held.release()
    creating.join(30)
    assert answers == [True]
    assert emulator.channel_by_name("held-until-released") is not None
