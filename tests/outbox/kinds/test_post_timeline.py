"""timeline.post: a timeline entry's line in the incident channel (with the durations, for a close).

Its send (a batch of lines) runs here in-process against the emulator, through the delivery the
sender uses; what people see in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient

from bot.config import Settings
from bot.domain.incident import EntryKind, TimelineEntry, open_incident
from bot.outbox.attempts import Attempt
from bot.outbox.delivery import Delivery
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.results import Result
from bot.outbox.view import IncidentView
from bot.render.text import MESSAGE_BLOCK_LIMIT
from slack_emulator import SlackEmulator
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (PostTimeline(entry_id=1), '{"entry_id": 1}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: PostTimeline, text: str) -> None:
    assert_stored_as(effect, text)


# --- its one send: a batch of lines (one, or several queued for a channel) against the emulator ----

IST = ZoneInfo("Asia/Kolkata")
OPENED = datetime(2022, 2, 17, 21, 41, tzinfo=IST)


@pytest.fixture
def slack() -> Iterator[tuple[SlackEmulator, Delivery, str]]:
    """The emulator, the delivery the sender uses (a real WebClient to it), and INC-2's channel."""
    with SlackEmulator() as emulator:
        client = WebClient(token=emulator.bot_token, base_url=emulator.api_url, retry_handlers=[])
        channel = str(client.conversations_create(name="inc-2-home-page-down")["channel"]["id"])
        yield emulator, Delivery(client, Settings(zone=IST), bot_user_id=lambda: "U0BOT"), channel
        assert emulator.internal_errors == []


def send(delivery: Delivery, channel: str, notes: dict[int, str], *, maybe_sent: bool = False) -> Result:
    """Send the batch of these notes (effect id: text) of INC-2, as the sender would."""
    incident, _ = open_incident(
        number=2, title="Home page down", severity=1, actor="U0ALICE", started_at=OPENED, now=OPENED, zone=IST
    )
    incident = replace(incident, channel_id=channel)
    views = [
        IncidentView(incident=incident, names={"U0ALICE": "alice"}, entry=note(text, minute))
        for minute, text in enumerate(notes.values())
    ]
    first, *rest = notes
    attempt = Attempt(effect_id=first, maybe_sent=maybe_sent, rest=tuple(rest))
    effects = [PostTimeline(entry_id=effect_id) for effect_id in notes]
    return delivery.send(effects, views, lambda _: None, attempt=attempt)


def note(text: str, minute: int) -> TimelineEntry:
    at = OPENED + timedelta(minutes=minute)
    return TimelineEntry(at=at, recorded_at=at, actor="U0ALICE", kind=EntryKind.NOTE, text=text)


def posted(emulator: SlackEmulator, channel: str) -> list[tuple[list[int], int, str, int]]:
    """Each message: the effects it names, its part, its notification text, how many sections."""
    found = []
    for message in emulator.messages(channel):
        payload = (message.metadata or {})["event_payload"]
        found.append(
            (payload.get("effects", [payload["effect_id"]]), payload.get("part", 0), message.text, len(message.blocks))
        )
    return found


def test_a_batch_of_one_line_and_a_batch_of_three_each_go_as_one_message_naming_their_effects(
    slack: tuple[SlackEmulator, Delivery, str],
) -> None:
    emulator, delivery, channel = slack
    send(delivery, channel, {7: "rolled back"})
    send(delivery, channel, {8: "errors falling", 9: "cache warm", 10: "all green"})
    assert [(effects, part, sections) for effects, part, _, sections in posted(emulator, channel)] == [
        ([7], 0, 1),
        ([8, 9, 10], 0, 1),
    ]
    texts = [text for _, _, text, _ in posted(emulator, channel)]
    assert ["rolled back" in texts[0], "errors falling" in texts[1], "all green" in texts[1]] == [True, True, False]


def test_after_an_ambiguous_failure_the_lines_found_posted_are_not_posted_again(
    slack: tuple[SlackEmulator, Delivery, str],
) -> None:
    emulator, delivery, channel = slack
    send(delivery, channel, {8: "errors falling", 9: "cache warm"})  # Slack posted; the bot saw a timeout
    send(delivery, channel, {8: "errors falling", 9: "cache warm", 10: "all green"}, maybe_sent=True)
    assert [effects for effects, *_ in posted(emulator, channel)] == [[8, 9], [10]]
    send(delivery, channel, {10: "all green"}, maybe_sent=True)
    assert len(posted(emulator, channel)) == 2, "the line found posted alone is not posted again"


def test_a_line_too_long_for_one_message_goes_alone_in_parts_and_a_retry_posts_only_the_parts_missing(
    slack: tuple[SlackEmulator, Delivery, str],
) -> None:
    emulator, delivery, channel = slack
    huge = " ".join(["word"] * 32_000)  # more than 50 sections of 3,000 characters
    send(delivery, channel, {5: "before", 6: huge, 7: "after"})
    first = posted(emulator, channel)
    assert [(effects, part) for effects, part, _, _ in first] == [([5], 0), ([6], 0), ([6], 1), ([7], 0)]
    assert first[1][3] == MESSAGE_BLOCK_LIMIT and first[1][2] == first[2][2], "each part notifies the line's start"
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    other = str(client.conversations_create(name="inc-3-search-down")["channel"]["id"])
    part_0 = emulator.messages(channel)[1]  # what an attempt that timed out before its second call posted
    client.chat_postMessage(channel=other, text=part_0.text, blocks=part_0.blocks, metadata=part_0.metadata)
    send(delivery, other, {6: huge}, maybe_sent=True)
    assert [(effects, part) for effects, part, _, _ in posted(emulator, other)] == [([6], 0), ([6], 1)]


def test_after_a_clean_failure_midway_the_messages_already_posted_are_not_posted_again(
    slack: tuple[SlackEmulator, Delivery, str],
) -> None:
    """A batch of three messages whose second call failed cleanly (a 429): its first message is in
    the channel, and the next attempt, not told of any doubt, must not post it again."""
    emulator, delivery, channel = slack
    huge = " ".join(["word"] * 32_000)
    send(delivery, channel, {5: "before", 6: huge})
    assert [(effects, part) for effects, part, _, _ in posted(emulator, channel)] == [([5], 0), ([6], 0), ([6], 1)]
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    other = str(client.conversations_create(name="inc-3-search-down")["channel"]["id"])
    message = emulator.messages(channel)[0]  # the first call of an attempt whose second one got a 429
    client.chat_postMessage(channel=other, text=message.text, blocks=message.blocks, metadata=message.metadata)
    send(delivery, other, {5: "before", 6: huge})
    assert [(effects, part) for effects, part, _, _ in posted(emulator, other)] == [([5], 0), ([6], 0), ([6], 1)]
