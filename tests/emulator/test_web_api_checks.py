"""Every Web API call is checked as Slack checks it: method, token, arguments, Block Kit, length."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator


def raw_call(
    emulator: SlackEmulator,
    method: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> tuple[int, dict[str, Any]]:
    """Call the Web API without slack_sdk (to control encoding, token and verb)."""
    url = f"{emulator.api_url}{method}" + (f"?{query}" if query else "")
    request = urllib.request.Request(  # noqa: S310 - loopback emulator
        url, data=data, headers=headers or {}, method="POST" if data is not None else "GET"
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback emulator
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def test_an_unknown_method_is_a_404_unknown_method(client: WebClient) -> None:
    error = slack_error(lambda: client.api_call("chat.postMessages"))
    assert error.response.status_code == 404
    assert error.response["error"] == "unknown_method"


def test_a_real_method_the_emulator_does_not_implement_says_so(client: WebClient) -> None:
    error = slack_error(lambda: client.api_call("files.list"))
    assert error.response.status_code == 200
    assert error.response["error"] == "not_implemented_by_emulator"


def test_a_missing_required_argument_is_invalid_arguments_with_slacks_message(client: WebClient) -> None:
    error = slack_error(lambda: client.api_call("chat.getPermalink", params={"message_ts": "1.0"}))
    assert error.response.status_code == 200
    assert error.response.data == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": ["[ERROR] missing required field: channel"]},
    }


def test_a_missing_token_is_not_authed(emulator: SlackEmulator) -> None:
    status, body = raw_call(emulator, "auth.test", data=b"")
    assert (status, body["error"]) == (200, "not_authed")


def test_a_wrong_token_is_invalid_auth(emulator: SlackEmulator) -> None:
    error = slack_error(lambda: WebClient(token="xoxb-wrong", base_url=emulator.api_url).auth_test())
    assert error.response["error"] == "invalid_auth"


def test_arguments_arrive_as_a_form_body_with_the_token_in_it(emulator: SlackEmulator) -> None:
    form = f"token={emulator.bot_token}&name=from-a-form".encode()
    status, body = raw_call(
        emulator, "conversations.create", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200
    assert body["channel"]["name"] == "from-a-form"


def test_arguments_arrive_as_json_with_blocks_as_a_json_string(emulator: SlackEmulator, bot_channel: str) -> None:
    blocks = json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}])
    data = json.dumps({"channel": bot_channel, "blocks": blocks}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {emulator.bot_token}"}
    status, body = raw_call(emulator, "chat.postMessage", data=data, headers=headers)
    assert status == 200 and body["ok"] is True
    assert emulator.message(bot_channel, body["ts"]).blocks[0]["text"]["text"] == "hello"


def test_arguments_arrive_in_the_query_string_of_a_get(emulator: SlackEmulator) -> None:
    status, body = raw_call(
        emulator, "users.info", query="user=U0BOB", headers={"Authorization": f"Bearer {emulator.bot_token}"}
    )
    assert status == 200
    assert body["user"]["name"] == "bob"


def test_a_section_over_3000_characters_is_invalid_blocks(client: WebClient, bot_channel: str) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    error = slack_error(lambda: client.chat_postMessage(channel=bot_channel, text="t", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    assert "3000" in error.response["response_metadata"]["messages"][0]


def test_a_section_of_exactly_3000_characters_is_accepted(client: WebClient, bot_channel: str) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}]
    assert client.chat_postMessage(channel=bot_channel, text="t", blocks=blocks)["ok"] is True


def test_51_blocks_are_refused_and_50_accepted(client: WebClient, bot_channel: str) -> None:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": "line"}}
    error = slack_error(lambda: client.chat_postMessage(channel=bot_channel, text="t", blocks=[block] * 51))
    assert error.response["error"] == "invalid_blocks"
    assert client.chat_postMessage(channel=bot_channel, text="t", blocks=[block] * 50)["ok"] is True


def test_an_action_id_over_255_characters_is_invalid_blocks(client: WebClient, bot_channel: str) -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "a" * 256}
    error = slack_error(
        lambda: client.chat_postMessage(
            channel=bot_channel, text="t", blocks=[{"type": "actions", "elements": [button]}]
        )
    )
    assert error.response["error"] == "invalid_blocks"
    assert "action_id" in error.response["response_metadata"]["messages"][0]


def test_an_unknown_block_type_is_invalid_blocks(client: WebClient, bot_channel: str) -> None:
    error = slack_error(lambda: client.chat_postMessage(channel=bot_channel, text="t", blocks=[{"type": "carousel"}]))
    assert error.response["error"] == "invalid_blocks"


def test_blocks_that_are_not_json_are_invalid_blocks_format(emulator: SlackEmulator, bot_channel: str) -> None:
    form = f"token={emulator.bot_token}&channel={bot_channel}&blocks=%5B%7Bnope".encode()
    _, body = raw_call(
        emulator, "chat.postMessage", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert body["error"] == "invalid_blocks_format"


def test_text_over_40000_characters_is_msg_too_long(client: WebClient, bot_channel: str) -> None:
    error = slack_error(lambda: client.chat_postMessage(channel=bot_channel, text="x" * 40_001))
    assert error.response["error"] == "msg_too_long"
    assert client.chat_postMessage(channel=bot_channel, text="x" * 40_000)["ok"] is True


def test_a_message_without_text_or_blocks_is_no_text(client: WebClient, bot_channel: str) -> None:
    error = slack_error(lambda: client.api_call("chat.postMessage", json={"channel": bot_channel}))
    assert error.response["error"] == "no_text"


def test_a_body_that_is_not_json_is_invalid_json(emulator: SlackEmulator) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {emulator.bot_token}"}
    _, body = raw_call(emulator, "auth.test", data=b"{nope", headers=headers)
    assert body["error"] == "invalid_json"


def test_every_call_is_in_the_call_log_with_its_result(client: WebClient, emulator: SlackEmulator) -> None:
    client.conversations_create(name="one")
    with pytest.raises(SlackApiError):
        client.conversations_create(name="one")
    calls = emulator.calls("conversations.create")
    assert [(c.args["name"], c.ok, c.error) for c in calls] == [("one", True, None), ("one", False, "name_taken")]
    assert sum(1 for c in calls if c.ok) == 1
