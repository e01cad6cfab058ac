"""The transcript reads a channel as a person would: local times, names, rendered blocks, marks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from slack_emulator import SlackEmulator

KOLKATA = ZoneInfo("Asia/Kolkata")
CARD: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "INC-1 · Something went wrong"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*Title:* &lt;!channel&gt; down &amp; out, <https://status.example.com|status>",
        },
        "fields": [{"type": "mrkdwn", "text": "*Severity*\nSEV1"}, {"type": "mrkdwn", "text": "*Lead*\n<@U0ALICE>"}],
    },
    {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Opened <!date^1645114260^{time}|21:41> in <#C0GENERAL|general>"}],
    },
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": f"incident.{n}"}
            for n, label in enumerate(["Identified", "Draft update", "Close"])
        ],
    },
]


class Clock:
    """A wall clock the test sets: 2022-02-17 21:41 in Kolkata to start with."""

    def __init__(self) -> None:
        self.now = datetime(2022, 2, 17, 16, 11, tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def story() -> Iterator[tuple[SlackEmulator, Clock, WebClient]]:
    """An emulator on a clock the test moves, and a client."""
    clock = Clock()
    with SlackEmulator(clock=clock) as emulator:
        yield emulator, clock, WebClient(token=emulator.bot_token, base_url=emulator.api_url)


def test_markup_the_bot_did_not_escape_is_read_as_slack_markup(story: tuple[SlackEmulator, Clock, WebClient]) -> None:
    emulator, _, client = story
    emulator.add_bot_to("general")
    client.chat_postMessage(channel="C0GENERAL", text="open <title> or &lt;title&gt;")
    assert emulator.transcript("general", KOLKATA).endswith("  open title or <title>\n")


def test_the_transcript_reads_like_the_channel(story: tuple[SlackEmulator, Clock, WebClient]) -> None:
    emulator, clock, client = story
    channel = client.conversations_create(name="inc-1-something-went-wrong")["channel"]["id"]
    client.conversations_invite(channel=channel, users="U0ALICE")
    client.conversations_setTopic(channel=channel, topic="SEV1 · investigating · lead <@U0ALICE>")
    card = client.chat_postMessage(channel=channel, text="INC-1", blocks=CARD)["ts"]
    client.pins_add(channel=channel, timestamp=card)
    clock.now += 10 * 60
    note = emulator.as_user("alice").post_message(channel, "Failover done <for real> @bob")
    client.reactions_add(channel=channel, timestamp=note, name="pushpin")
    client.chat_postMessage(channel=channel, text="21:51 · alice · note added", thread_ts=note)
    clock.now += 60
    client.chat_update(channel=channel, ts=card, text="INC-1", blocks=CARD[:1])

    assert emulator.transcript(channel, KOLKATA) == (
        "#inc-1-something-went-wrong\n"
        "Topic: SEV1 · investigating · lead @alice\n"
        "\n"
        "── Thursday 17 February 2022 ──\n"
        "21:41 IST  · incident-bot has joined the channel\n"
        "21:41 IST  · alice has joined the channel\n"
        "21:41 IST  · incident-bot set the channel topic: SEV1 · investigating · lead @alice\n"
        "21:41 IST  incident-bot 📌\n"
        "  INC-1 · Something went wrong (edited)\n"
        "21:41 IST  · incident-bot pinned a message to this channel.\n"
        "21:51 IST  alice\n"
        "  Failover done <for real> @bob\n"
        "  :pushpin: 1\n"
        "    ↳ 21:51 IST  incident-bot\n"
        "        21:51 · alice · note added\n"
    )


def test_blocks_render_header_section_fields_context_and_buttons(story: tuple[SlackEmulator, Clock, WebClient]) -> None:
    emulator, _, client = story
    emulator.add_bot_to("general")
    client.chat_postMessage(channel="C0GENERAL", text="fallback", blocks=CARD)
    lines = emulator.transcript("general", ZoneInfo("Europe/Paris")).splitlines()
    assert lines[-9:] == [
        "17:11 CET  incident-bot",
        "  INC-1 · Something went wrong",
        "  *Title:* <!channel> down & out, status",
        "  *Severity*",
        "  SEV1",
        "  *Lead*",
        "  @alice",
        "  Opened 21:41 in #general",
        "  [Identified] [Draft update] [Close]",
    ]


def test_a_viewer_also_sees_their_ephemeral_messages(story: tuple[SlackEmulator, Clock, WebClient]) -> None:
    emulator, _, client = story
    emulator.add_bot_to("general")
    client.chat_postEphemeral(channel="C0GENERAL", user="U0ALICE", text="Usage: /incident open &lt;title&gt;")
    assert "Usage" not in emulator.transcript("general", KOLKATA)
    assert emulator.transcript("general", KOLKATA, viewer="alice").endswith(
        "21:41 IST  incident-bot  (only visible to you)\n  Usage: /incident open <title>\n"
    )


def test_a_new_day_starts_with_a_date_line(story: tuple[SlackEmulator, Clock, WebClient]) -> None:
    emulator, clock, client = story
    emulator.add_bot_to("general")
    client.chat_postMessage(channel="C0GENERAL", text="before midnight")
    clock.now += 3 * 3600
    client.chat_postMessage(channel="C0GENERAL", text="after midnight")
    text = emulator.transcript("general", KOLKATA)
    assert "── Thursday 17 February 2022 ──" in text
    assert "── Friday 18 February 2022 ──\n00:41 IST  incident-bot\n  after midnight\n" in text
