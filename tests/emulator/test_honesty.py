"""The emulator only answers errors Slack documents, follows the test's clock, and fails loudly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator, web_api
from slack_emulator.arguments import ApiError
from slack_emulator.method_context import MethodCall
from slack_emulator.records import JSON
from slack_emulator.spec import load_spec


def test_an_error_is_allowed_when_the_spec_or_slacks_method_page_documents_it() -> None:
    spec = load_spec()
    assert spec.methods["conversations.create"].allows_error("name_taken")
    assert spec.methods["views.open"].allows_error("expired_trigger_id")
    assert spec.methods["chat.postMessage"].allows_error("invalid_auth")
    assert not spec.methods["chat.postMessage"].allows_error("name_taken")
    assert spec.methods["files.completeUploadExternal"].allows_error("not_in_channel")  # a docs.slack.dev page
    assert spec.methods["files.getUploadURLExternal"].params == {
        "filename": True,
        "length": True,
        "alt_txt": False,
        "snippet_type": False,
    }
    assert not spec.methods["files.completeUploadExternal"].allows_error("invalid_blocks_format")


def test_a_handler_answering_an_undocumented_error_is_a_loud_500(
    monkeypatch: pytest.MonkeyPatch, emulator: SlackEmulator, client: WebClient
) -> None:
    def made_up(call: MethodCall) -> JSON:
        raise ApiError("made_up_error")

    monkeypatch.setitem(web_api.HANDLERS, "auth.test", made_up)
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response.status_code == 500
    assert "emulator bug" in caught.value.response["detail"]


def test_a_bad_cursor_is_invalid_cursor(client: WebClient, bot_channel: str) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.conversations_history(channel=bot_channel, cursor="not-a-cursor")
    assert caught.value.response["error"] == "invalid_cursor"


def test_message_timestamps_follow_freezeguns_clock() -> None:
    with freeze_time("2022-02-17 16:11:00"), SlackEmulator() as emulator:
        client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
        emulator.add_bot_to("general")
        first = client.chat_postMessage(channel="C0GENERAL", text="one")["ts"]
        second = client.chat_postMessage(channel="C0GENERAL", text="two")["ts"]
    assert first.startswith(str(int(datetime(2022, 2, 17, 16, 11, tzinfo=UTC).timestamp())))
    assert (first, second) == ("1645114260.000001", "1645114260.000002")  # .000000 is the bot joining


def test_posting_to_a_user_id_opens_a_direct_message(client: WebClient, emulator: SlackEmulator) -> None:
    answer = client.chat_postMessage(channel="U0ALICE", text="Your incident channel is #inc-1")
    assert answer["channel"].startswith("D")
    assert [m.text for m in emulator.messages(answer["channel"])] == ["Your incident channel is #inc-1"]


def test_acting_without_a_connected_app_says_what_to_do(emulator: SlackEmulator) -> None:
    ts = emulator.as_user("alice").post_message("general", "hi")
    with pytest.raises(RuntimeError, match="connect_app"):
        emulator.as_user("alice").react("general", ts)
    assert emulator.message("general", ts).reactions == []


def test_an_unknown_person_is_a_key_error(emulator: SlackEmulator) -> None:
    with pytest.raises(KeyError):
        emulator.as_user("mallory")
