"""Sample Block Kit payloads and small HTTP helpers shared by the Slack-side tests."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from slack_sdk import WebClient

from slack_emulator import SlackEmulator

BUTTONS: list[dict[str, Any]] = [
    {"type": "section", "block_id": "summary", "text": {"type": "mrkdwn", "text": "*INC-1* investigating"}},
    {
        "type": "actions",
        "block_id": "next",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Identified"},
                "action_id": "incident.set_status",
                "value": "INC-1:identified",
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Close"},
                "action_id": "incident.close",
                "style": "danger",
            },
        ],
    },
]
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "incident.open",
    "private_metadata": "C0GENERAL",
    "title": {"type": "plain_text", "text": "Open an incident"},
    "submit": {"type": "plain_text", "text": "Open"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "severity",
            "label": {"type": "plain_text", "text": "Severity"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                    {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
                ],
                "initial_option": {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
            },
        },
    ],
}


def post_json(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})  # noqa: S310 - loopback emulator
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback emulator
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return error.code


def card(client: WebClient, channel: str) -> str:
    ts: str = client.chat_postMessage(channel=channel, text="INC-1", blocks=BUTTONS)["ts"]
    return ts


def open_modal(emulator: SlackEmulator, client: WebClient) -> str:
    view_id: str = client.views_open(trigger_id=emulator.mint_trigger("alice"), view=MODAL)["view"]["id"]
    return view_id
