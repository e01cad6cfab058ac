"""Socket Mode, delivering: people's actions as Slack's envelopes, and what the app's acks do."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from websockets.sync.client import ClientConnection

from slack_emulator import GENERAL, SlackEmulator

from .samples import card, open_modal
from .socket_apps import SdkApp, open_url, raw_connection, receive_json


def test_an_envelope_is_slacks_format_and_the_ack_payload_is_the_answer(
    emulator: SlackEmulator, raw_socket: ClientConnection
) -> None:
    with ThreadPoolExecutor(max_workers=1) as background:
        pending = background.submit(emulator.as_user("alice").slash, "open sev1 Checkout fails")
        envelope = receive_json(raw_socket)
        raw_socket.send(json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "Opened *INC-1*"}}))
        answer = pending.result(timeout=10)
    assert set(envelope) == {"envelope_id", "payload", "type", "accepts_response_payload"}
    assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"] is True
    assert envelope["payload"]["command"] == "/incident" and envelope["payload"]["text"] == "open sev1 Checkout fails"
    assert answer.status == 200 and answer.acked_in_time
    assert answer.body == {"text": "Opened *INC-1*"} and answer.sent == envelope["payload"]
    assert [e.text for e in emulator.ephemerals(GENERAL, "alice")] == ["Opened *INC-1*"]
    assert emulator.socket_mode.received() == [
        {"envelope_id": envelope["envelope_id"], "payload": {"text": "Opened *INC-1*"}}
    ]


def test_an_ack_without_payload_is_an_empty_answer(emulator: SlackEmulator, sdk_app: SdkApp) -> None:
    answer = emulator.as_user("alice").slash("list")
    assert answer.status == 200 and answer.body is None and answer.json == {}
    assert emulator.ephemerals(GENERAL, "alice") == []


def test_the_real_socket_mode_client_gets_every_kind_of_action_with_slacks_types_and_flags(
    emulator: SlackEmulator, sdk_app: SdkApp, client: WebClient, bot_channel: str
) -> None:
    alice = emulator.as_user("alice")
    ts = card(client, bot_channel)
    answers = [
        alice.slash("timeline", channel=bot_channel),
        alice.click(bot_channel, ts, "incident.set_status"),
        alice.message_shortcut(bot_channel, ts, "incident.add_to_timeline"),
        alice.submit_view(open_modal(emulator, client), {"title": "Checkout down"}),
        alice.react(bot_channel, ts),
    ]
    assert all(answer is not None and answer.status == 200 and answer.acked_in_time for answer in answers)
    kinds = [(r.type, r.payload.get("type"), r.accepts_response_payload) for r in sdk_app.requests]
    assert kinds == [
        ("slash_commands", None, True),
        ("interactive", "block_actions", False),
        ("interactive", "message_action", False),
        ("interactive", "view_submission", True),
        ("events_api", "event_callback", False),
    ]
    event = sdk_app.requests[-1]
    assert (event.retry_attempt, event.retry_reason) == (0, "")
    assert event.payload["event"]["type"] == "reaction_added"


def test_a_redelivered_event_carries_slacks_retry_fields(
    emulator: SlackEmulator, sdk_app: SdkApp, bot_channel: str
) -> None:
    ts = emulator.as_user("alice").post_message(bot_channel, "root cause found")
    first = emulator.as_user("alice").react(bot_channel, ts)
    assert first is not None
    retry = emulator.redeliver(first.sent["event_id"], retry_num=2, retry_reason="timeout")
    assert retry.status == 200
    original, again = sdk_app.requests
    assert (original.retry_attempt, original.retry_reason) == (0, "")
    assert (again.retry_attempt, again.retry_reason) == (2, "timeout")
    assert again.payload == original.payload and again.payload["event_id"] == first.sent["event_id"]
    assert again.envelope_id != original.envelope_id


def test_a_view_submission_ack_with_errors_keeps_the_modal_open(
    emulator: SlackEmulator, sdk_app: SdkApp, client: WebClient
) -> None:
    sdk_app.answer = lambda request: {"response_action": "errors", "errors": {"title": "Too vague"}}
    view_id = open_modal(emulator, client)
    answer = emulator.as_user("alice").submit_view(view_id, {"title": "x"})
    assert answer.json == {"response_action": "errors", "errors": {"title": "Too vague"}}
    assert [view.id for view in emulator.views("alice", open_only=True)] == [view_id]


def test_without_an_ack_in_time_the_action_fails_as_in_slack(emulator: SlackEmulator, sdk_app: SdkApp) -> None:
    emulator.connect_socket_mode(ack_timeout=0.2)
    sdk_app.silent = True
    answer = emulator.as_user("alice").slash("list")
    assert answer.status == 0 and not answer.acked_in_time
    assert answer.error is not None and "no ack within 0.2 s" in answer.error
    assert answer.elapsed >= 0.2
    assert "failed with the error" in emulator.ephemerals(GENERAL, "alice")[-1].text


def test_an_action_waiting_for_its_ack_fails_at_once_when_the_connection_closes(
    emulator: SlackEmulator, raw_socket: ClientConnection
) -> None:
    with ThreadPoolExecutor(max_workers=1) as background:
        pending = background.submit(emulator.as_user("alice").slash, "list")
        assert receive_json(raw_socket)["type"] == "slash_commands"
        raw_socket.close()
        answer = pending.result(timeout=10)
    assert answer.status == 0 and answer.error is not None and "the connection closed" in answer.error


def test_with_no_connection_open_an_action_fails_with_dispatch_failed(emulator: SlackEmulator) -> None:
    emulator.connect_socket_mode()
    answer = emulator.as_user("alice").slash("list")
    assert answer.status == 0 and answer.error == "the app has no Socket Mode connection open"
    notice = emulator.ephemerals(GENERAL, "alice")[-1].text
    assert notice == '/incident failed with the error "dispatch_failed"'


def test_the_newest_connection_gets_the_envelopes(emulator: SlackEmulator, sdk_app: SdkApp) -> None:
    with raw_connection(open_url(emulator)) as newer, ThreadPoolExecutor(max_workers=1) as background:
        assert receive_json(newer)["num_connections"] == 2
        pending = background.submit(emulator.as_user("alice").slash, "list")
        envelope = receive_json(newer)
        newer.send(json.dumps({"envelope_id": envelope["envelope_id"]}))
        assert envelope["type"] == "slash_commands" and pending.result(timeout=10).status == 200
        assert sdk_app.requests == []
    # The close travels to the emulator like any message: deliver once it has been seen there.
    assert emulator.socket_mode.wait_open_count(1)
    assert emulator.as_user("alice").slash("list").status == 200
    assert [r.type for r in sdk_app.requests] == ["slash_commands"]
