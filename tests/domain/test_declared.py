"""Declaring from a message: the title's prefill and when the impact began (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.declared import Conversation, SourceMessage, conversation_from, impact_start, title_from
from bot.domain.markup import visible_length

NOW = datetime(2022, 2, 17, 16, 20, tzinfo=UTC)


def posted(ago: timedelta) -> SourceMessage:
    return SourceMessage(channel_id="C1", ts=f"{(NOW - ago).timestamp():.6f}", author="U0BOB", text="down")


def test_people_and_channels_read_by_name_links_by_label_on_one_line() -> None:
    text = "<@U0BOB|bob> says\n<#C0WEB|web> is <https://shop.example.com/x?y=1>   down <!subteam^S1|@oncall>"
    assert title_from(text, {"U0BOB": "Bob Smith"}) == "@Bob Smith says #web is shop.example.com down @oncall"


def test_a_message_without_words_prefills_nothing() -> None:
    assert title_from("", {}) == ""
    assert title_from(" \n ", {}) == ""


@given(st.text(min_size=0, max_size=600))
def test_the_prefill_is_one_line_a_title_can_hold(text: str) -> None:
    title = title_from(text, {})
    assert "\n" not in title and len(title) <= 150 and visible_length(title) <= 150


def test_a_recent_message_is_when_the_impact_began() -> None:
    message = posted(timedelta(hours=11, minutes=59))
    assert impact_start(message, NOW) == message.posted_at


def test_a_message_older_than_twelve_hours_does_not_move_the_start() -> None:
    assert impact_start(posted(timedelta(hours=12, seconds=1)), NOW) == NOW


def test_a_message_dated_after_our_clock_counts_as_posted_now() -> None:
    assert impact_start(posted(timedelta(seconds=-5)), NOW) == NOW


CHANNEL = {"is_private": False, "is_im": False, "is_mpim": False}  # conversations.info's flags for a public channel


@pytest.mark.parametrize(
    ("described", "conversation"),
    [
        (CHANNEL, Conversation.PUBLIC),
        ({**CHANNEL, "is_private": True}, Conversation.PRIVATE_CHANNEL),
        ({**CHANNEL, "is_private": True, "is_mpim": True}, Conversation.GROUP_DM),
        ({"is_im": True, "user": "U0BOB"}, Conversation.DM),  # Slack's IM object has no is_private
        ({"is_private": False}, Conversation.UNANSWERED),  # the other flags missing: no answer
        ({**CHANNEL, "is_private": "false"}, Conversation.UNANSWERED),
        ({}, Conversation.UNANSWERED),
    ],
)
def test_the_conversation_is_read_from_slacks_flags_and_public_only_when_all_say_so(
    described: dict[str, object], conversation: Conversation
) -> None:
    assert conversation_from(described) is conversation


def test_every_conversation_but_a_public_channel_makes_a_declared_incident_private() -> None:
    assert [c for c in Conversation if not c.private] == [Conversation.PUBLIC]
