"""conversations.* against the emulator with the real slack_sdk client: state and Slack's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import ANNOUNCE, GENERAL, SlackEmulator


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_the_workspace_starts_with_three_channels_the_bot_is_not_in(emulator: SlackEmulator) -> None:
    names = {name: emulator.channel_by_name(name) for name in ("general", "incidents", "status")}
    assert {name: channel.id for name, channel in names.items() if channel} == {
        "general": "C0GENERAL",
        "incidents": "C0ANNOUNCE",
        "status": "C0STATUS",
    }
    for channel in names.values():
        assert channel is not None
        assert set(channel.members) == {"U0ALICE", "U0BOB", "U0GINA", "U0URSULA"}


def test_creating_a_channel_makes_the_bot_its_creator_and_only_member(
    client: WebClient, emulator: SlackEmulator
) -> None:
    channel = client.conversations_create(name="inc-7-checkout-down")["channel"]
    assert channel["id"].startswith("C")
    assert (channel["name"], channel["creator"], channel["is_member"], channel["is_private"]) == (
        "inc-7-checkout-down",
        "U0BOT",
        True,
        False,
    )
    stored = emulator.channel_by_name("inc-7-checkout-down")
    assert stored is not None and stored.members == ["U0BOT"]


def test_a_taken_channel_name_is_name_taken(client: WebClient) -> None:
    client.conversations_create(name="inc-1")
    assert error_of(lambda: client.conversations_create(name="inc-1")) == "name_taken"
    assert error_of(lambda: client.conversations_create(name="general")) == "name_taken"


@pytest.mark.parametrize("name", ["Inc-1", "inc 1", "inc.1", "incident!", "café"])
def test_channel_names_with_anything_but_lowercase_digits_hyphens_underscores_are_refused(
    client: WebClient, name: str
) -> None:
    assert error_of(lambda: client.conversations_create(name=name)) == "invalid_name_specials"


def test_a_channel_name_over_80_characters_is_invalid_name_maxlength(client: WebClient) -> None:
    assert error_of(lambda: client.conversations_create(name="a" * 81)) == "invalid_name_maxlength"
    assert client.conversations_create(name="a" * 80)["ok"] is True


def test_an_empty_channel_name_is_invalid_name_required(client: WebClient) -> None:
    assert error_of(lambda: client.conversations_create(name="")) == "invalid_name_required"


def test_inviting_adds_members_and_tells_the_channel(client: WebClient, emulator: SlackEmulator) -> None:
    channel_id = client.conversations_create(name="inc-2")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users=["U0ALICE", "U0BOB"])
    assert emulator.channel(channel_id).members == ["U0BOT", "U0ALICE", "U0BOB"]
    joins = [m.text for m in emulator.messages(channel_id, include_system=True) if m.subtype == "channel_join"]
    assert joins == [
        "<@U0BOT> has joined the channel",
        "<@U0ALICE> has joined the channel",
        "<@U0BOB> has joined the channel",
    ]
    assert emulator.messages(channel_id) == []


def test_invite_errors_are_slacks(client: WebClient, bot_channel: str) -> None:
    assert error_of(lambda: client.conversations_invite(channel=bot_channel, users="U0ALICE")) == "already_in_channel"
    assert error_of(lambda: client.conversations_invite(channel=bot_channel, users="U0NOBODY")) == "user_not_found"
    assert error_of(lambda: client.conversations_invite(channel=bot_channel, users="U0BOT")) == "cant_invite_self"
    assert error_of(lambda: client.conversations_invite(channel="C0NOWHERE", users="U0BOB")) == "channel_not_found"
    assert error_of(lambda: client.conversations_invite(channel=GENERAL, users="U0BOB")) == "not_in_channel"


def test_a_single_channel_guest_already_in_a_channel_cannot_be_invited_to_another(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    assert error_of(lambda: client.conversations_invite(channel=bot_channel, users="U0URSULA")) == "ura_max_channels"
    assert "U0URSULA" not in emulator.channel(bot_channel).members
    client.conversations_invite(channel=bot_channel, users="U0GINA")  # a multi-channel guest may join
    assert "U0GINA" in emulator.channel(bot_channel).members


def test_members_lists_every_member_page_by_page(client: WebClient, emulator: SlackEmulator) -> None:
    first = client.conversations_members(channel=GENERAL, limit=3)
    assert first["members"] == ["U0ALICE", "U0BOB", "U0GINA"]
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_members(channel=GENERAL, limit=3, cursor=cursor)
    assert rest["members"] == ["U0URSULA"] and rest["response_metadata"]["next_cursor"] == ""
    assert error_of(lambda: client.conversations_members(channel=GENERAL, cursor="bm9wZQ==")) == "invalid_cursor"
    assert error_of(lambda: client.conversations_members(channel="C0NOWHERE")) == "channel_not_found"


def test_an_archived_channel_keeps_its_messages_and_takes_no_new_ones(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    client.chat_postMessage(channel=bot_channel, text="moving on")
    assert client.conversations_archive(channel=bot_channel)["ok"]
    assert emulator.channel(bot_channel).is_archived
    assert emulator.messages(bot_channel, include_system=True)[-1].subtype == "channel_archive"
    assert error_of(lambda: client.chat_postMessage(channel=bot_channel, text="again")) == "is_archived"
    assert error_of(lambda: client.conversations_invite(channel=bot_channel, users="U0BOB")) == "is_archived"
    assert error_of(lambda: client.conversations_archive(channel=bot_channel)) == "already_archived"
    assert error_of(lambda: client.conversations_create(name=emulator.channel(bot_channel).name)) == "name_taken"
    assert [m.text for m in emulator.messages(bot_channel)] == ["moving on"]


def test_archiving_is_refused_where_only_admins_may_and_general_never(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    assert error_of(lambda: client.conversations_archive(channel=GENERAL)) == "cant_archive_general"
    emulator.admin.restrict_archiving()
    assert error_of(lambda: client.conversations_archive(channel=bot_channel)) == "restricted_action"
    assert not emulator.channel(bot_channel).is_archived
    emulator.admin.restrict_archiving(False)
    assert client.conversations_archive(channel=bot_channel)["ok"]


def test_set_topic_stores_value_creator_and_time(client: WebClient, emulator: SlackEmulator, bot_channel: str) -> None:
    client.conversations_setTopic(channel=bot_channel, topic="SEV1 · investigating · lead <@U0ALICE>")
    topic = client.conversations_info(channel=bot_channel)["channel"]["topic"]
    assert topic["value"] == "SEV1 · investigating · lead <@U0ALICE>"
    assert topic["creator"] == "U0BOT"
    assert topic["last_set"] > 0
    assert emulator.messages(bot_channel, include_system=True)[-1].subtype == "channel_topic"


def test_set_topic_errors_are_slacks(client: WebClient, bot_channel: str) -> None:
    assert error_of(lambda: client.conversations_setTopic(channel=bot_channel, topic="x" * 251)) == "too_long"
    assert client.conversations_setTopic(channel=bot_channel, topic="x" * 250)["ok"] is True
    assert error_of(lambda: client.conversations_setTopic(channel=GENERAL, topic="t")) == "not_in_channel"
    assert error_of(lambda: client.conversations_setTopic(channel="C0NOWHERE", topic="t")) == "channel_not_found"


def test_info_counts_members_when_asked(client: WebClient) -> None:
    channel = client.conversations_info(channel=ANNOUNCE, include_num_members=True)["channel"]
    assert (channel["name"], channel["num_members"], channel["is_member"]) == ("incidents", 4, False)
    assert error_of(lambda: client.conversations_info(channel="C0NOWHERE")) == "channel_not_found"


def test_join_makes_the_bot_a_member_once(client: WebClient, emulator: SlackEmulator) -> None:
    first = client.conversations_join(channel=ANNOUNCE)
    assert first["channel"]["is_member"] is True and "warning" not in first
    again = client.conversations_join(channel=ANNOUNCE)
    assert again["warning"] == "already_in_channel"
    assert emulator.channel(ANNOUNCE).members.count("U0BOT") == 1


def test_join_refuses_a_channel_that_does_not_exist(client: WebClient) -> None:
    assert error_of(lambda: client.conversations_join(channel="C0NOWHERE")) == "channel_not_found"


def test_the_bot_can_be_added_to_a_channel_by_the_test(client: WebClient, emulator: SlackEmulator) -> None:
    assert error_of(lambda: client.chat_postMessage(channel=ANNOUNCE, text="hi")) == "not_in_channel"
    emulator.add_bot_to("incidents")
    assert client.chat_postMessage(channel=ANNOUNCE, text="hi")["ok"] is True


def test_list_returns_public_channels_page_by_page(client: WebClient) -> None:
    for number in range(3):
        client.conversations_create(name=f"inc-{number}")
    client.conversations_create(name="secret", is_private=True)
    first = client.conversations_list(limit=4)
    second = client.conversations_list(limit=4, cursor=first["response_metadata"]["next_cursor"])
    names = [c["name"] for c in first["channels"] + second["channels"]]
    assert sorted(names) == ["general", "inc-0", "inc-1", "inc-2", "incidents", "status"]
    assert second["response_metadata"]["next_cursor"] == ""
    private = client.conversations_list(types="private_channel")["channels"]
    assert [c["name"] for c in private] == ["secret"]


def post_numbered(client: WebClient, channel: str, count: int) -> list[str]:
    return [client.chat_postMessage(channel=channel, text=f"m{n}")["ts"] for n in range(count)]


def test_history_is_newest_first_and_paginates_with_a_cursor(client: WebClient, emulator: SlackEmulator) -> None:
    channel = client.conversations_create(name="quiet")["channel"]["id"]
    stamps = post_numbered(client, channel, 5)
    assert stamps == sorted(stamps, key=lambda ts: tuple(int(part) for part in ts.split(".")))
    first = client.conversations_history(channel=channel, limit=3)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"]
    assert first["has_more"] is True
    rest = client.conversations_history(channel=channel, limit=3, cursor=first["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m1", "m0", "<@U0BOT> has joined the channel"]
    assert rest["has_more"] is False


def test_history_honours_oldest_and_latest(client: WebClient) -> None:
    channel = client.conversations_create(name="bounds")["channel"]["id"]
    stamps = post_numbered(client, channel, 4)
    window = client.conversations_history(channel=channel, oldest=stamps[0], latest=stamps[3])
    assert [m["text"] for m in window["messages"]] == ["m2", "m1"]
    inclusive = client.conversations_history(channel=channel, oldest=stamps[0], latest=stamps[3], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1", "m0"]


def test_history_needs_the_bot_in_the_channel(client: WebClient) -> None:
    assert error_of(lambda: client.conversations_history(channel=GENERAL)) == "not_in_channel"
    assert error_of(lambda: client.conversations_history(channel="C0NOWHERE")) == "channel_not_found"


def test_rename_changes_the_name_its_creator_gave_and_slack_says_so_in_the_channel(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    client.conversations_create(name="inc-8-taken")
    assert error_of(lambda: client.conversations_rename(channel=bot_channel, name="inc-8-taken")) == "name_taken"
    assert error_of(lambda: client.conversations_rename(channel=bot_channel, name="Inc 7")) == "invalid_name_specials"
    assert error_of(lambda: client.conversations_rename(channel=bot_channel, name="x" * 81)) == "invalid_name_maxlength"
    assert error_of(lambda: client.conversations_rename(channel=GENERAL, name="inc-7-moved")) == "not_in_channel"
    renamed = client.conversations_rename(channel=bot_channel, name="inc-7-moved")["channel"]
    assert renamed["name"] == "inc-7-moved" and emulator.channel(bot_channel).name == "inc-7-moved"
    assert getattr(emulator.channel_by_name("inc-7-moved"), "id", None) == bot_channel
    line = emulator.messages(bot_channel, include_system=True)[-1]
    assert line.subtype == "channel_name" and '"inc-7-moved"' in line.text
    assert client.conversations_rename(channel=bot_channel, name="inc-7-moved")["ok"], "its own name again"
    assert len([m for m in emulator.messages(bot_channel, include_system=True) if m.subtype == "channel_name"]) == 1


def test_a_channel_the_bot_did_not_create_is_not_its_to_rename(client: WebClient, emulator: SlackEmulator) -> None:
    client.conversations_join(channel=GENERAL)
    assert error_of(lambda: client.conversations_rename(channel=GENERAL, name="everyone")) == "not_authorized"
    assert emulator.channel(GENERAL).name == "general"


def test_renaming_is_refused_where_only_admins_may(
    client: WebClient, emulator: SlackEmulator, bot_channel: str
) -> None:
    emulator.admin.restrict_renaming()
    assert error_of(lambda: client.conversations_rename(channel=bot_channel, name="inc-1-moved")) == "not_authorized"
    assert emulator.channel(bot_channel).name == "inc-1-checkout-down"
    emulator.admin.restrict_renaming(False)
    assert client.conversations_rename(channel=bot_channel, name="inc-1-moved")["ok"]
