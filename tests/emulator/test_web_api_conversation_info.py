"""conversations.info answers as Slack does for each kind of conversation: a public or private
channel, a direct message and a group direct message; the private ones only to their members.
The bot asks it to know whether a message it is declared from is private (docs/behaviour.md)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import GENERAL, SlackEmulator

# objs_conversation's shapes in Slack's OpenAPI spec (/work/shared/slack/web-api-openapi-v2.json):
# the channel and MPIM objects require the same fields; the IM object requires fewer and allows
# only its own (additionalProperties: false), neither a name nor is_private among them.
CHANNEL_REQUIRED = {
    "created",
    "creator",
    "id",
    "is_archived",
    "is_channel",
    "is_general",
    "is_group",
    "is_im",
    "is_mpim",
    "is_org_shared",
    "is_private",
    "is_shared",
    "name",
    "name_normalized",
    "purpose",
    "topic",
}
IM_REQUIRED = {"created", "id", "is_im", "is_org_shared", "priority", "user"}
IM_ALLOWED = IM_REQUIRED | {
    "has_pins",
    "is_archived",
    "is_ext_shared",
    "is_frozen",
    "is_open",
    "is_shared",
    "is_starred",
    "is_user_deleted",
    "last_read",
    "latest",
    "parent_conversation",
    "pin_count",
    "shares",
    "unread_count",
    "unread_count_display",
    "version",
}


def info_error(client: WebClient, channel: str) -> str:
    with pytest.raises(SlackApiError) as caught:
        client.conversations_info(channel=channel)
    return str(caught.value.response["error"])


def flags(channel: dict[str, object]) -> tuple[object, ...]:
    return tuple(channel.get(key) for key in ("is_private", "is_im", "is_mpim"))


def test_a_public_channel_is_described_as_public_to_the_bot_even_outside_it(client: WebClient) -> None:
    channel = client.conversations_info(channel=GENERAL)["channel"]
    assert CHANNEL_REQUIRED <= set(channel)
    assert flags(channel) == (False, False, False) and channel["is_member"] is False


def test_a_private_channel_is_described_as_private_to_its_members_and_unknown_to_the_bot_outside_it(
    client: WebClient, emulator: SlackEmulator
) -> None:
    with_bot = emulator.create_channel("payroll", members=["alice", "incident-bot"], private=True)
    without = emulator.create_channel("hr-cases", members=["alice", "bob"], private=True)
    channel = client.conversations_info(channel=with_bot)["channel"]
    assert CHANNEL_REQUIRED <= set(channel)
    assert flags(channel) == (True, False, False) and channel["name"] == "payroll"
    assert info_error(client, without) == "channel_not_found"


def test_a_direct_message_is_slacks_im_object_and_other_peoples_are_unknown_to_the_bot(
    client: WebClient, emulator: SlackEmulator
) -> None:
    own = client.conversations_open(users="U0ALICE")["channel"]["id"]
    channel = client.conversations_info(channel=own)["channel"]
    assert IM_REQUIRED <= set(channel) <= IM_ALLOWED, "no name, no is_private: Slack's IM object"
    assert (channel["id"], channel["is_im"], channel["user"]) == (own, True, "U0ALICE")
    theirs = emulator.create_channel("", members=["alice", "bob"], direct=True)
    assert theirs.startswith("D") and info_error(client, theirs) == "channel_not_found"


def test_a_group_direct_message_is_an_mpim_to_its_members_only(client: WebClient, emulator: SlackEmulator) -> None:
    with_bot = emulator.create_channel("", members=["alice", "bob", "incident-bot"], group=True)
    without = emulator.create_channel("", members=["alice", "bob"], group=True)
    channel = client.conversations_info(channel=with_bot)["channel"]
    assert CHANNEL_REQUIRED <= set(channel)
    assert flags(channel) == (True, False, True) and channel["is_channel"] is False
    assert channel["name"] == "mpdm-alice--bob--incident-bot-1"
    assert info_error(client, without) == "channel_not_found"
    listed = client.conversations_list(types="mpim")["channels"]
    assert [c["id"] for c in listed] == [with_bot]
