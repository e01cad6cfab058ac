"""Slack's file upload with slack_sdk's own client: files_upload_v2 end to end, and each refusal."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import GENERAL, SlackEmulator

RETRO = "# INC-1 Checkout down — retrospective\n\n## Timeline\n\n- 21:41 opened by @alice\n"


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    assert caught.value.response.status_code == 200  # a documented error, not the emulator's 500
    return str(caught.value.response["error"])


def post(url: str, body: bytes, content_type: str = "application/octet-stream") -> tuple[int, str]:
    """POST to an upload URL; the status and the text answered (also for refusals)."""
    headers = {"Content-Type": content_type}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request) as answer:  # noqa: S310 - loopback emulator
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def upload_url(client: WebClient, filename: str, length: int) -> tuple[str, str]:
    answer = client.files_getUploadURLExternal(filename=filename, length=length)
    return str(answer["upload_url"]), str(answer["file_id"])


def test_files_upload_v2_shares_the_document_in_the_channel(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    answer = client.files_upload_v2(
        channel=bot_channel,
        content=RETRO,
        filename="inc-1-retrospective.md",
        title="INC-1 retrospective",
        initial_comment="The retrospective of INC-1, for review",
    )
    file_id = answer["file"]["id"]
    assert file_id.startswith("F")
    shown = answer["file"]
    assert (shown["name"], shown["title"], shown["filetype"], shown["mimetype"]) == (
        "inc-1-retrospective.md",
        "INC-1 retrospective",
        "markdown",
        "text/markdown",
    )
    assert shown["size"] == len(RETRO.encode()) and shown["channels"] == [bot_channel]
    (latest, *_) = client.conversations_history(channel=bot_channel)["messages"]
    assert (latest["text"], latest["subtype"], latest["user"]) == (
        "The retrospective of INC-1, for review",
        "file_share",
        "U0BOT",
    )
    assert [f["id"] for f in latest["files"]] == [file_id]
    stored = emulator.files.get(file_id)
    assert stored.content == RETRO.encode()
    assert (stored.name, stored.title, stored.channels, stored.completed) == (
        "inc-1-retrospective.md",
        "INC-1 retrospective",
        [bot_channel],
        True,
    )
    assert [f.id for f in emulator.files.shared_in(bot_channel)] == [file_id]
    assert emulator.files.shared_in("general") == []


def test_the_upload_url_takes_raw_bytes_and_answers_ok_with_the_size(
    client: WebClient, emulator: SlackEmulator
) -> None:
    url, file_id = upload_url(client, "notes.txt", 5)
    assert url.startswith(f"{emulator.url}/upload/v1/")
    assert post(url, b"hello") == (200, "OK - 5")
    assert emulator.files.get(file_id).content == b"hello"


def test_the_upload_url_takes_a_multipart_form(client: WebClient, emulator: SlackEmulator) -> None:
    url, file_id = upload_url(client, "notes.md", len(b"# Notes\r\n"))
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="filename"; filename="notes.md"\r\n'
        b"Content-Type: text/markdown\r\n\r\n"
        b"# Notes\r\n"
        b"\r\n--XyZ--\r\n"
    )
    assert post(url, body, "multipart/form-data; boundary=XyZ") == (200, "OK - 9")
    assert emulator.files.get(file_id).content == b"# Notes\r\n"


def test_a_body_of_another_size_than_announced_is_refused_and_the_url_stays_usable(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    url, file_id = upload_url(client, "retro.md", 10)
    status, text = post(url, b"too short")
    assert (status, "announced 10" in text) == (400, True)
    assert emulator.files.get(file_id).content is None
    assert error_of(lambda: client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=bot_channel)) == (
        "file_not_found"
    )
    assert post(url, b"0123456789") == (200, "OK - 10")


def test_an_upload_url_is_used_once_and_an_unknown_one_is_refused(client: WebClient, emulator: SlackEmulator) -> None:
    url, file_id = upload_url(client, "retro.md", 3)
    assert post(url, b"one")[0] == 200
    assert post(url, b"two")[0] == 404
    assert emulator.files.get(file_id).content == b"one"
    assert post(f"{emulator.url}/upload/v1/not-a-ticket", b"one")[0] == 404


def test_the_upload_url_is_down_with_slack(client: WebClient, emulator: SlackEmulator) -> None:
    url, file_id = upload_url(client, "retro.md", 3)
    emulator.down()
    assert post(url, b"one")[0] == 503
    emulator.up()
    assert emulator.files.get(file_id).content is None
    assert post(url, b"one") == (200, "OK - 3")


def test_missing_arguments_are_invalid_arguments(client: WebClient) -> None:
    for params in ({"filename": "retro.md"}, {"length": 3}):
        with pytest.raises(SlackApiError) as caught:
            client.api_call("files.getUploadURLExternal", params=params)
        missing = "length" if "filename" in params else "filename"
        assert caught.value.response["error"] == "invalid_arguments"
        assert caught.value.response["response_metadata"]["messages"] == [f"[ERROR] missing required field: {missing}"]
    assert error_of(lambda: client.api_call("files.completeUploadExternal", params={"channel_id": GENERAL})) == (
        "invalid_arguments"
    )
    assert error_of(lambda: client.api_call("files.completeUploadExternal", params={"files": "[{}]"})) == (
        "invalid_arguments"
    )


def test_a_zero_length_is_missing_argument_and_a_long_alt_text_too_large(
    client: WebClient, emulator: SlackEmulator
) -> None:
    assert error_of(lambda: client.files_getUploadURLExternal(filename="retro.md", length=0)) == "missing_argument"
    alt = "x" * 1001
    assert error_of(lambda: client.files_getUploadURLExternal(filename="a.png", length=3, alt_txt=alt)) == (
        "alt_txt_too_large"
    )
    assert emulator.files.all() == []


def test_an_unknown_or_never_uploaded_file_is_file_not_found(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    _, never_sent = upload_url(client, "retro.md", 3)

    def complete(file_id: str) -> Any:
        return client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=bot_channel)

    assert error_of(lambda: complete("F0NOSUCH")) == "file_not_found"
    assert error_of(lambda: complete(never_sent)) == "file_not_found"
    assert [m for m in emulator.messages(bot_channel) if m.files] == []


def test_an_upload_is_completed_once(client: WebClient, emulator: SlackEmulator, bot_channel: str) -> None:
    url, file_id = upload_url(client, "retro.md", 3)
    post(url, b"abc")
    client.files_completeUploadExternal(files=[{"id": file_id, "title": "Retro"}], channel_id=bot_channel)
    again = error_of(lambda: client.files_completeUploadExternal(files=[{"id": file_id}], channel_id=bot_channel))
    assert again == "file_not_found"
    assert len([m for m in emulator.messages(bot_channel) if m.files]) == 1


def test_sharing_where_the_bot_is_not_a_member_is_not_in_channel(client: WebClient, emulator: SlackEmulator) -> None:
    error = error_of(lambda: client.files_upload_v2(channel=GENERAL, content="abc", filename="retro.md"))
    assert error == "not_in_channel"
    assert [m for m in emulator.messages(GENERAL) if m.files] == []
    (file,) = emulator.files.all()
    assert (file.completed, file.channels) == (False, [])


def test_a_bad_channel_is_channel_not_found_or_invalid_channel(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    url, file_id = upload_url(client, "retro.md", 3)
    post(url, b"abc")
    files = [{"id": file_id}]
    assert error_of(lambda: client.files_completeUploadExternal(files=files, channel_id="C0NOWHERE")) == (
        "channel_not_found"
    )
    assert error_of(lambda: client.files_completeUploadExternal(files=files, channels=[bot_channel, "C0NOWHERE"])) == (
        "invalid_channel"
    )
    assert emulator.files.get(file_id).completed is False
    client.files_completeUploadExternal(files=files, channels=[bot_channel])
    assert emulator.files.get(file_id).channels == [bot_channel]


def test_without_a_channel_the_file_stays_private(client: WebClient, emulator: SlackEmulator, bot_channel: str) -> None:
    answer = client.files_upload_v2(content="abc", filename="retro.md", title="Retro")
    stored = emulator.files.get(answer["file"]["id"])
    assert (stored.completed, stored.channels, answer["file"]["channels"]) == (True, [], [])
    assert [m for m in emulator.messages(bot_channel) if m.files] == []


def test_a_share_in_a_thread_with_blocks_and_no_comment(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    parent = client.chat_postMessage(channel=bot_channel, text="INC-1 opened")["ts"]
    url, file_id = upload_url(client, "retro.md", 3)
    post(url, b"abc")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Retro attached"}}]
    client.api_call(
        "files.completeUploadExternal",
        params={
            "files": json.dumps([{"id": file_id}]),
            "channel_id": bot_channel,
            "thread_ts": parent,
            "blocks": json.dumps(blocks),
        },
    )
    (shared,) = [m for m in emulator.messages(bot_channel) if m.files]
    assert (shared.thread_ts, shared.blocks[0]["text"]["text"], shared.files[0]["title"]) == (
        parent,
        "Retro attached",
        "retro.md",
    )
    bad = [{"type": "no_such_block"}]
    url, other = upload_url(client, "b.md", 1)
    post(url, b"b")
    params = {"files": json.dumps([{"id": other}]), "channel_id": bot_channel, "blocks": json.dumps(bad)}
    assert error_of(lambda: client.api_call("files.completeUploadExternal", params=params)) == "invalid_blocks"
    params["blocks"] = "[not json"  # no invalid_blocks_format on this method's page: invalid_arguments
    assert error_of(lambda: client.api_call("files.completeUploadExternal", params=params)) == "invalid_arguments"
    assert emulator.files.get(other).completed is False


def test_sharing_in_two_channels_posts_one_message_in_each(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    other = client.conversations_create(name="inc-2-status")["channel"]["id"]
    answer = client.files_upload_v2(channels=[bot_channel, other], content="abc", filename="retro.md")
    assert answer["file"]["channels"] == [bot_channel, other]
    for channel in (bot_channel, other):
        (shared,) = [m for m in emulator.messages(channel) if m.files]
        assert shared.files[0]["channels"] == [bot_channel, other]
    assert emulator.files.get(answer["file"]["id"]).channels == [bot_channel, other]
