"""A real Bolt app, served over HTTP, receives the emulator's requests and talks back to its Web API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from slack_emulator import GENERAL, SlackEmulator

from .samples import MODAL
from .signed_app import SIGNING_SECRET, serve_wsgi

CARD: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*INC-1* investigating"}},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Close"},
                "action_id": "incident.close",
                "value": "1",
            }
        ],
    },
]


def build_app(emulator: SlackEmulator, seen: dict[str, Any]) -> App:
    """A Bolt app with one listener of each kind, recording what it received."""
    client = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
    app = App(
        signing_secret=SIGNING_SECRET, client=client, token_verification_enabled=False, process_before_response=True
    )

    @app.command("/incident")
    def on_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        seen["command"] = command
        if command["text"] == "open":
            client.views_open(trigger_id=command["trigger_id"], view=MODAL)
            ack()
        else:
            ack(text=f"Got it: {command['text']}")

    @app.action("incident.close")
    def on_close(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        seen["action"], seen["action_body"] = action, body
        ack()
        respond(text="Closing INC-1", replace_original=False)

    @app.view("incident.open")
    def on_submit(ack: Ack, view: dict[str, Any]) -> None:
        seen["view"] = view
        title = view["state"]["values"]["title"]["value"]["value"]
        if len(title) > 10:
            ack(response_action="errors", errors={"title": "Keep it short"})
        else:
            ack()

    @app.shortcut("incident.add_to_timeline")
    def on_shortcut(ack: Ack, shortcut: dict[str, Any]) -> None:
        seen["shortcut"] = shortcut
        ack()

    @app.event("reaction_added")
    def on_reaction(event: dict[str, Any], client: WebClient) -> None:
        seen.setdefault("reactions", []).append(event)
        client.chat_postMessage(channel=event["item"]["channel"], text=f"Added to the timeline: {event['item']['ts']}")

    return app


@pytest.fixture
def seen(emulator: SlackEmulator) -> Iterator[dict[str, Any]]:
    """What the Bolt app's listeners received; the app is served and connected for the test."""
    received: dict[str, Any] = {}
    handler = SlackRequestHandler(build_app(emulator, received))
    with serve_wsgi(handler) as url:
        emulator.connect_app(request_url=url, signing_secret=SIGNING_SECRET)
        yield received


def test_bolt_runs_the_command_listener_and_slack_shows_its_ack(emulator: SlackEmulator, seen: dict[str, Any]) -> None:
    result = emulator.as_user("alice").slash("status monitoring", channel="general")
    assert result.status == 200
    assert (seen["command"]["user_id"], seen["command"]["channel_id"], seen["command"]["text"]) == (
        "U0ALICE",
        "C0GENERAL",
        "status monitoring",
    )
    assert [e.text for e in emulator.ephemerals(GENERAL, "alice")] == ["Got it: status monitoring"]


def test_bolt_opens_a_modal_with_the_trigger_and_gets_its_submission(
    emulator: SlackEmulator, seen: dict[str, Any]
) -> None:
    emulator.as_user("alice").slash("open")
    [view] = emulator.views("alice", open_only=True)
    refused = emulator.as_user("alice").submit_view(view.id, {"title": "A title far too long"})
    assert refused.json == {"response_action": "errors", "errors": {"title": "Keep it short"}}
    assert emulator.views("alice", open_only=True) != []
    accepted = emulator.as_user("alice").submit_view(view.id, {"title": "Short"})
    assert accepted.status == 200
    assert seen["view"]["callback_id"] == "incident.open"
    assert emulator.views("alice", open_only=True) == []


def test_bolt_runs_the_action_listener_and_its_respond_reaches_the_response_url(
    emulator: SlackEmulator, seen: dict[str, Any], client: WebClient, bot_channel: str
) -> None:
    ts = client.chat_postMessage(channel=bot_channel, text="INC-1", blocks=CARD)["ts"]
    result = emulator.as_user("alice").click(bot_channel, ts, "incident.close")
    assert result.status == 200
    assert (seen["action"]["action_id"], seen["action"]["value"]) == ("incident.close", "1")
    assert seen["action_body"]["user"]["id"] == "U0ALICE"
    assert [e.text for e in emulator.ephemerals(bot_channel, "alice")] == ["Closing INC-1"]


def test_bolt_runs_the_message_shortcut_listener(
    emulator: SlackEmulator, seen: dict[str, Any], bot_channel: str
) -> None:
    ts = emulator.as_user("alice").post_message(bot_channel, "Failover done")
    assert emulator.as_user("alice").message_shortcut(bot_channel, ts, "incident.add_to_timeline").status == 200
    assert seen["shortcut"]["message"]["text"] == "Failover done"


def test_bolt_runs_the_event_listener_which_calls_back_the_web_api(
    emulator: SlackEmulator, seen: dict[str, Any], bot_channel: str
) -> None:
    ts = emulator.as_user("alice").post_message(bot_channel, "Root cause: a bad deploy")
    result = emulator.as_user("alice").react(bot_channel, ts, "pushpin")
    assert result is not None and result.status == 200
    assert seen["reactions"][0]["item"] == {"type": "message", "channel": bot_channel, "ts": ts}
    assert [m.text for m in emulator.messages(bot_channel)][-1] == f"Added to the timeline: {ts}"


def test_bolt_refuses_a_stale_signature_with_401(emulator: SlackEmulator, seen: dict[str, Any]) -> None:
    stale = emulator.send(
        "command=%2Fincident&text=list", "application/x-www-form-urlencoded", timestamp=int(time.time()) - 360
    )
    assert stale.status == 401
    assert "command" not in seen


def test_bolt_answers_the_url_verification_challenge(emulator: SlackEmulator, seen: dict[str, Any]) -> None:
    assert emulator.url_verification("ch4llenge").json == {"challenge": "ch4llenge"}
