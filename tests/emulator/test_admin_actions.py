"""Slack's side, members: an admin's changes reach the app as signed user_change / team_join events."""

from __future__ import annotations

from slack_sdk import WebClient

from slack_emulator import GENERAL, SlackEmulator

from .signed_app import SignedApp


def test_turning_a_member_into_a_guest_changes_users_info_and_sends_user_change(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    result = emulator.admin.turn_into_guest("bob")
    assert result.status == 200
    user = client.users_info(user="U0BOB")["user"]
    assert (user["is_restricted"], user["is_ultra_restricted"]) == (True, False)
    request = signed_app.received[-1]
    assert request.signature_valid
    envelope = request.payload
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    event = envelope["event"]
    assert (event["type"], event["user"]) == ("user_change", user)
    assert isinstance(event["cache_ts"], int) and event["event_ts"]


def test_a_single_channel_guest_a_member_again_and_a_deactivation_each_send_user_change(
    emulator: SlackEmulator, signed_app: SignedApp
) -> None:
    emulator.admin.turn_into_guest("alice", single_channel=True)
    emulator.admin.turn_into_member("gina")
    emulator.admin.deactivate("bob")
    sent = [request.payload["event"] for request in signed_app.received]
    assert [event["type"] for event in sent] == ["user_change"] * 3
    assert [(e["user"]["id"], e["user"]["is_ultra_restricted"], e["user"]["is_restricted"]) for e in sent[:2]] == [
        ("U0ALICE", True, True),
        ("U0GINA", False, False),
    ]
    assert (sent[2]["user"]["id"], sent[2]["user"]["deleted"]) == ("U0BOB", True)


def test_a_newcomer_joins_general_and_the_app_gets_team_join(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    nora, result = emulator.admin.join("nora", real_name="Nora Newcomer")
    assert result.status == 200
    assert nora.id in emulator.channel(GENERAL).members
    event = signed_app.received[-1].payload["event"]
    assert event["type"] == "team_join"
    assert event["user"] == client.users_info(user=nora.id)["user"]
    assert event["user"]["profile"]["real_name"] == "Nora Newcomer"


def test_a_guest_who_joins_is_not_added_to_general(emulator: SlackEmulator, signed_app: SignedApp) -> None:
    guest, _ = emulator.admin.join("gus", guest=True)
    assert guest.id not in emulator.channel(GENERAL).members
    assert signed_app.received[-1].payload["event"]["user"]["is_restricted"] is True
