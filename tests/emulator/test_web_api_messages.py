"""chat.*, pins.add and reactions.add with the real slack_sdk client: state and Slack's errors."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import GENERAL, SlackEmulator

CARD: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "INC-1 Checkout down"}},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Close"}, "action_id": "incident.close"}
        ],
    },
]


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_post_message_stores_the_message_as_the_bot(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    answer = client.chat_postMessage(channel=bot_channel, text="INC-1 opened", blocks=CARD)
    assert re.fullmatch(r"\d{10}\.\d{6}", answer["ts"])
    assert answer["channel"] == bot_channel
    assert answer["message"]["bot_id"] == "B0BOT"
    stored = emulator.message(bot_channel, answer["ts"])
    assert (stored.user, stored.text, stored.blocks[0]["type"]) == ("U0BOT", "INC-1 opened", "header")
    assert all(block.get("block_id") for block in stored.blocks)


def test_post_message_accepts_a_channel_name(client: WebClient, emulator: SlackEmulator) -> None:
    client.conversations_create(name="by-name")
    ts = client.chat_postMessage(channel="#by-name", text="hello")["ts"]
    channel = emulator.channel_by_name("by-name")
    assert channel is not None and emulator.message(channel.id, ts).text == "hello"


def test_message_ts_strictly_increase_in_a_channel(client: WebClient, bot_channel: str) -> None:
    stamps = [client.chat_postMessage(channel=bot_channel, text=str(n))["ts"] for n in range(20)]
    micros = [int(ts.replace(".", "")) for ts in stamps]
    assert micros == sorted(set(micros))


def test_post_message_errors_are_slacks(client: WebClient) -> None:
    assert error_of(lambda: client.chat_postMessage(channel="C0NOWHERE", text="x")) == "channel_not_found"
    assert error_of(lambda: client.chat_postMessage(channel=GENERAL, text="x")) == "not_in_channel"


def test_a_thread_reply_stays_out_of_history_but_is_stored(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    parent = client.chat_postMessage(channel=bot_channel, text="parent")["ts"]
    client.chat_postMessage(channel=bot_channel, text="reply", thread_ts=parent)
    texts = [m["text"] for m in client.conversations_history(channel=bot_channel)["messages"]]
    assert "reply" not in texts and "parent" in texts
    assert [m.thread_ts for m in emulator.messages(bot_channel) if m.text == "reply"] == [parent]


def test_update_keeps_the_ts_and_marks_the_message_edited(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    ts = client.chat_postMessage(channel=bot_channel, text="before", blocks=CARD)["ts"]
    answer = client.chat_update(channel=bot_channel, ts=ts, text="after")
    assert (answer["ts"], answer["text"]) == (ts, "after")
    stored = emulator.message(bot_channel, ts)
    assert stored.text == "after"
    assert stored.blocks[0]["text"]["text"] == "INC-1 Checkout down"
    assert stored.edited is not None and stored.edited["user"] == "U0BOT"
    client.chat_update(channel=bot_channel, ts=ts, text="no blocks", blocks=[])
    assert emulator.message(bot_channel, ts).blocks == []


def test_update_errors_are_slacks(client: WebClient, emulator: SlackEmulator, bot_channel: str) -> None:
    human_ts = emulator.as_user("alice").post_message(bot_channel, "my own words")
    assert error_of(lambda: client.chat_update(channel=bot_channel, ts=human_ts, text="x")) == "cant_update_message"
    assert error_of(lambda: client.chat_update(channel=bot_channel, ts="1.000001", text="x")) == "message_not_found"
    assert error_of(lambda: client.chat_update(channel="C0NOWHERE", ts=human_ts, text="x")) == "channel_not_found"
    assert emulator.message(bot_channel, human_ts).text == "my own words"


def test_an_ephemeral_message_goes_only_to_its_user(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    answer = client.chat_postEphemeral(channel=bot_channel, user="U0ALICE", text="only you")
    ephemerals = emulator.ephemerals(bot_channel, "alice")
    assert [(e.text, e.ts) for e in ephemerals] == [("only you", answer["message_ts"])]
    assert emulator.ephemerals(bot_channel, "bob") == []
    assert [m.text for m in emulator.messages(bot_channel)] == []


def test_an_ephemeral_message_to_someone_outside_the_channel_is_refused(client: WebClient, bot_channel: str) -> None:
    assert (
        error_of(lambda: client.chat_postEphemeral(channel=bot_channel, user="U0BOB", text="x"))
        == "user_not_in_channel"
    )


def test_permalinks_point_at_the_emulator_and_resolve(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    ts = client.chat_postMessage(channel=bot_channel, text="link me")["ts"]
    link = client.chat_getPermalink(channel=bot_channel, message_ts=ts)["permalink"]
    assert link == f"{emulator.url}/archives/{bot_channel}/p{ts.replace('.', '')}"
    with urllib.request.urlopen(link) as page:  # noqa: S310 - loopback emulator
        assert page.status == 200
    assert error_of(lambda: client.chat_getPermalink(channel=bot_channel, message_ts="1.000001")) == "message_not_found"


def test_pinning_marks_the_message_once(client: WebClient, emulator: SlackEmulator, bot_channel: str) -> None:
    ts = client.chat_postMessage(channel=bot_channel, text="card")["ts"]
    client.pins_add(channel=bot_channel, timestamp=ts)
    assert emulator.message(bot_channel, ts).pinned is True
    assert client.conversations_history(channel=bot_channel)["pin_count"] == 1
    assert error_of(lambda: client.pins_add(channel=bot_channel, timestamp=ts)) == "already_pinned"
    assert error_of(lambda: client.pins_add(channel=bot_channel, timestamp="1.000001")) == "message_not_found"
    assert error_of(lambda: client.pins_add(channel=GENERAL, timestamp=ts)) == "not_in_channel"


def test_a_reaction_is_added_once_per_name(client: WebClient, emulator: SlackEmulator, bot_channel: str) -> None:
    ts = client.chat_postMessage(channel=bot_channel, text="look")["ts"]
    client.reactions_add(channel=bot_channel, timestamp=ts, name="eyes")
    assert [(r.name, r.users) for r in emulator.message(bot_channel, ts).reactions] == [("eyes", ["U0BOT"])]
    assert error_of(lambda: client.reactions_add(channel=bot_channel, timestamp=ts, name="eyes")) == "already_reacted"
    assert (
        error_of(lambda: client.reactions_add(channel=bot_channel, timestamp="1.000001", name="eyes"))
        == "message_not_found"
    )


def test_message_metadata_is_kept_and_returned_by_history_only_when_asked_for(
    client: WebClient, bot_channel: str
) -> None:
    metadata = {"event_type": "incident_bot_effect", "event_payload": {"effect_id": 7}}
    ts = client.chat_postMessage(channel=bot_channel, text="with metadata", metadata=metadata)["ts"]
    client.chat_postMessage(channel=bot_channel, text="without")
    asked = client.conversations_history(channel=bot_channel, include_all_metadata=True, limit=10)["messages"]
    assert [(m["text"], m.get("metadata")) for m in asked[:2]] == [("without", None), ("with metadata", metadata)]
    assert asked[1]["ts"] == ts
    plain = client.conversations_history(channel=bot_channel, limit=10)["messages"]
    assert all("metadata" not in m for m in plain)


@pytest.mark.parametrize(
    "metadata",
    [
        {"event_payload": {}},
        {"event_type": "x", "event_payload": "not an object"},
        {"event_type": 3, "event_payload": {}},
    ],
)
def test_malformed_metadata_is_refused_and_nothing_is_posted(
    client: WebClient, emulator: SlackEmulator, bot_channel: str, metadata: dict[str, Any]
) -> None:
    before = list(emulator.messages(bot_channel))
    assert error_of(lambda: client.chat_postMessage(channel=bot_channel, text="x", metadata=metadata)) == (
        "invalid_metadata_format"
    )
    assert list(emulator.messages(bot_channel)) == before
