"""Slack's side, interactions: button clicks, modals, message shortcuts and events, as Slack sends them."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from slack_emulator import GENERAL, SlackEmulator

from .samples import BUTTONS, MODAL, card, open_modal, post_json
from .signed_app import SignedApp


def test_a_click_sends_the_block_actions_payload_slack_sends(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient, bot_channel: str
) -> None:
    ts = card(client, bot_channel)
    result = emulator.as_user("alice").click(bot_channel, ts, "incident.set_status")
    assert result.status == 200
    request = signed_app.received[-1]
    assert request.signature_valid
    payload = request.payload
    assert payload["type"] == "block_actions"
    assert payload["user"] == {"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T0EMULATOR"}
    assert payload["team"] == {"id": "T0EMULATOR", "domain": "emulator"}
    assert payload["channel"] == {"id": bot_channel, "name": "inc-1-checkout-down"}
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": bot_channel,
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == ts and payload["message"]["blocks"][1]["block_id"] == "next"
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "value", "type")} == {
        "action_id": "incident.set_status",
        "block_id": "next",
        "value": "INC-1:identified",
        "type": "button",
    }
    assert action["action_ts"] and payload["trigger_id"] and payload["api_app_id"] == "A0EMULATOR"
    assert payload["response_url"].startswith(f"{emulator.url}/response_url/")


SELECT = {
    "type": "actions",
    "block_id": "pick",
    "elements": [
        {
            "type": "static_select",
            "action_id": "alerts.add",
            "placeholder": {"type": "plain_text", "text": "Add to incident"},
            "options": [{"text": {"type": "plain_text", "text": "INC-3 Checkout"}, "value": "12:0:3"}],
        }
    ],
}


def test_choosing_an_option_of_a_select_sends_the_option_and_no_value(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient, bot_channel: str
) -> None:
    ts = client.chat_postMessage(channel=bot_channel, text="alerts", blocks=[SELECT])["ts"]
    assert emulator.as_user("alice").choose(bot_channel, ts, "alerts.add", "12:0:3").status == 200
    [action] = signed_app.received[-1].payload["actions"]
    assert {k: action[k] for k in ("type", "action_id", "block_id", "selected_option")} == {
        "type": "static_select",
        "action_id": "alerts.add",
        "block_id": "pick",
        "selected_option": {"text": {"type": "plain_text", "text": "INC-3 Checkout"}, "value": "12:0:3"},
    }
    assert "value" not in action and action["action_ts"]
    with pytest.raises(ValueError, match="no static select offering '12:0:9'"):
        emulator.as_user("alice").choose(bot_channel, ts, "alerts.add", "12:0:9")  # Slack sends only what it lists


def test_a_response_url_of_a_click_can_replace_or_delete_the_message(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient, bot_channel: str
) -> None:
    ts = card(client, bot_channel)
    url = emulator.as_user("alice").click(bot_channel, ts, "incident.close").sent["response_url"]
    assert post_json(url, {"replace_original": True, "text": "Closed"}) == 200
    assert emulator.message(bot_channel, ts).text == "Closed"
    assert post_json(url, {"delete_original": True}) == 200
    assert [m.ts for m in emulator.messages(bot_channel)] == []


def test_a_click_in_an_ephemeral_message_says_so_in_its_container(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient, bot_channel: str
) -> None:
    ts = client.chat_postEphemeral(channel=bot_channel, user="U0ALICE", text="draft", blocks=BUTTONS)["message_ts"]
    emulator.as_user("alice").click_ephemeral(bot_channel, ts, "incident.close")
    payload = signed_app.received[-1].payload
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload


def test_a_click_inside_a_modal_carries_the_view(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    view_with_button = {**MODAL, "blocks": [*MODAL["blocks"], BUTTONS[1]]}
    view_id = client.views_open(trigger_id=emulator.mint_trigger("alice"), view=view_with_button)["view"]["id"]
    emulator.as_user("alice").click_in_view(view_id, "incident.close")
    payload = signed_app.received[-1].payload
    assert payload["container"] == {"type": "view", "view_id": view_id}
    assert payload["view"]["callback_id"] == "incident.open"


def test_a_submission_sends_the_state_values_slack_sends_and_closes_the_view(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    view_id = open_modal(emulator, client)
    emulator.as_user("alice").submit_view(view_id, {"title": "Checkout down"})
    payload = signed_app.received[-1].payload
    assert payload["type"] == "view_submission"
    assert (payload["view"]["id"], payload["view"]["callback_id"], payload["view"]["private_metadata"]) == (
        view_id,
        "incident.open",
        "C0GENERAL",
    )
    assert payload["view"]["state"]["values"] == {
        "title": {"value": {"type": "plain_text_input", "value": "Checkout down"}},
        "severity": {
            "value": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
            }
        },
    }
    assert emulator.views("alice", open_only=True) == []


SEARCHED = {
    "type": "input",
    "block_id": "services",
    "label": {"type": "plain_text", "text": "Services"},
    "element": {
        "type": "multi_external_select",
        "action_id": "value",
        "placeholder": {"type": "plain_text", "text": "Type a name"},
        "min_query_length": 2,
    },
}


def option(text: str, value: str) -> dict[str, object]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def test_typing_in_a_menu_of_external_options_sends_block_suggestion_and_offers_what_the_app_answers(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    view = {**MODAL, "blocks": [SEARCHED]}
    view_id = client.views_open(trigger_id=emulator.mint_trigger("alice"), view=view)["view"]["id"]
    alice = emulator.as_user("alice")
    with pytest.raises(ValueError, match="nothing before 2 characters"):
        alice.type_in_menu(view_id, "services", "c")
    assert signed_app.received == [], "Slack asks nothing before min_query_length"
    signed_app.respond = lambda request: (200, {"options": [option("Checkout", "checkout")]})
    answered = alice.type_in_menu(view_id, "services", "ch")
    assert answered.json == {"options": [option("Checkout", "checkout")]}
    request = signed_app.received[-1]
    assert request.signature_valid and request.headers["content-type"] == "application/x-www-form-urlencoded"
    payload = request.payload
    assert {key: payload[key] for key in ("type", "action_id", "block_id", "value", "container")} == {
        "type": "block_suggestion",
        "action_id": "value",
        "block_id": "services",
        "value": "ch",
        "container": {"type": "view", "view_id": view_id},
    }
    assert payload["user"]["id"] == "U0ALICE" and payload["team"]["id"] == "T0EMULATOR"
    assert payload["view"]["id"] == view_id and payload["api_app_id"] == emulator.workspace.app_id
    with pytest.raises(ValueError, match="never offered"):
        alice.submit_view(view_id, {"services": ["search"]})
    alice.submit_view(view_id, {"services": ["checkout"]})
    state = signed_app.received[-1].payload["view"]["state"]["values"]
    assert state == {
        "services": {"value": {"type": "multi_external_select", "selected_options": [option("Checkout", "checkout")]}}
    }


@pytest.mark.parametrize(
    "answer",
    [
        None,  # no options at all
        {"options": [option(f"S{n}", f"s{n}") for n in range(101)]},  # more than Slack shows
        {"options": [option("x" * 76, "long")]},  # longer than an option's text may be
        {"options": [{"value": "no-text"}]},
        {"options": [], "option_groups": []},
    ],
)
def test_an_answer_slack_would_not_show_is_refused(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient, answer: object
) -> None:
    view = {**MODAL, "blocks": [SEARCHED]}
    view_id = client.views_open(trigger_id=emulator.mint_trigger("alice"), view=view)["view"]["id"]
    signed_app.respond = lambda request: (200, answer)
    with pytest.raises(ValueError):
        emulator.as_user("alice").type_in_menu(view_id, "services", "ch")


def test_a_submission_answered_with_errors_keeps_the_modal_open(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    view_id = open_modal(emulator, client)
    errors = {"response_action": "errors", "errors": {"title": "A title is at most 150 characters"}}
    signed_app.respond = lambda request: (200, errors)
    result = emulator.as_user("alice").submit_view(view_id, {"title": "x" * 151, "severity": "sev1"})
    assert result.json == errors
    assert [v.id for v in emulator.views("alice", open_only=True)] == [view_id]


def test_a_message_shortcut_sends_the_message_action_payload(
    emulator: SlackEmulator, signed_app: SignedApp, bot_channel: str
) -> None:
    ts = emulator.as_user("alice").post_message(bot_channel, "DB failover started")
    emulator.as_user("alice").message_shortcut(bot_channel, ts, "incident.add_to_timeline")
    payload = signed_app.received[-1].payload
    assert (payload["type"], payload["callback_id"], payload["message_ts"]) == (
        "message_action",
        "incident.add_to_timeline",
        ts,
    )
    assert payload["message"]["text"] == "DB failover started"
    assert payload["channel"]["id"] == bot_channel and payload["trigger_id"] and payload["response_url"]


def test_a_reaction_is_stored_and_delivered_as_a_signed_event(
    emulator: SlackEmulator, signed_app: SignedApp, bot_channel: str
) -> None:
    ts = emulator.as_user("alice").post_message(bot_channel, "root cause found")
    result = emulator.as_user("alice").react(bot_channel, ts, "pushpin")
    assert result is not None and result.status == 200
    assert [(r.name, r.users) for r in emulator.message(bot_channel, ts).reactions] == [("pushpin", ["U0ALICE"])]
    request = signed_app.received[-1]
    assert request.signature_valid and request.headers["content-type"] == "application/json"
    envelope = request.payload
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["event"] == {
        "type": "reaction_added",
        "user": "U0ALICE",
        "reaction": "pushpin",
        "item_user": "U0ALICE",
        "item": {"type": "message", "channel": bot_channel, "ts": ts},
        "event_ts": envelope["event"]["event_ts"],
    }
    assert envelope["authorizations"][0]["user_id"] == "U0BOT"
    assert "x-slack-retry-num" not in request.headers


def test_an_event_can_be_redelivered_with_slacks_retry_headers(
    emulator: SlackEmulator, signed_app: SignedApp, bot_channel: str
) -> None:
    ts = emulator.as_user("alice").post_message(bot_channel, "root cause found")
    first = emulator.as_user("alice").react(bot_channel, ts)
    assert first is not None
    emulator.redeliver(first.sent["event_id"])
    retry = signed_app.received[-1]
    assert retry.signature_valid
    assert retry.payload["event_id"] == first.sent["event_id"]
    assert (retry.headers["x-slack-retry-num"], retry.headers["x-slack-retry-reason"]) == ("1", "http_timeout")


def test_no_event_reaches_the_app_from_a_channel_the_bot_is_not_in(
    emulator: SlackEmulator, signed_app: SignedApp
) -> None:
    ts = emulator.as_user("alice").post_message(GENERAL, "hello")
    assert emulator.as_user("bob").react(GENERAL, ts) is None
    assert signed_app.received == []


def test_a_submission_answered_with_update_replaces_the_open_modal(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient
) -> None:
    view_id = open_modal(emulator, client)
    confirm = {**MODAL, "title": {"type": "plain_text", "text": "Confirm"}, "blocks": []}
    confirm["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": "Sure?"}}]
    signed_app.respond = lambda request: (200, {"response_action": "update", "view": confirm})
    emulator.as_user("alice").submit_view(view_id, {"title": "Checkout down"})
    [view] = emulator.views("alice", open_only=True)
    assert (view.id, view.body["title"]["text"]) == (view_id, "Confirm")


def test_a_response_url_of_an_ephemeral_click_replaces_that_ephemeral_only(
    emulator: SlackEmulator, signed_app: SignedApp, client: WebClient, bot_channel: str
) -> None:
    ts = client.chat_postEphemeral(channel=bot_channel, user="U0ALICE", text="draft", blocks=BUTTONS)["message_ts"]
    url = emulator.as_user("alice").click_ephemeral(bot_channel, ts, "incident.close").sent["response_url"]
    assert post_json(url, {"replace_original": True, "text": "Published"}) == 200
    assert [(e.ts, e.text) for e in emulator.ephemerals(bot_channel, "alice")] == [(ts, "Published")]
