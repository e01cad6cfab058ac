"""Signed Bolt requests in the three shapes Slack sends, for `App.dispatch` in-process.

The way bolt-python's own scenario tests work: the body is signed with the signing secret,
wrapped in a `BoltRequest` with Slack's headers, and handed to `app.dispatch`, which verifies
the signature, runs the middleware and the listener, and returns the acknowledgement.

- `slash(...)`: a slash command (`application/x-www-form-urlencoded` fields);
- `interaction(...)`: a button, shortcut or view submission (`payload=<json>`);
- `event(...)`: an Events API delivery (JSON), optionally a redelivery (`X-Slack-Retry-Num`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.slack.app import repair_form_body

SIGNING_SECRET = "dispatch-test-signing-secret"
TEAM = "T0DISPATCH"
RESPONSE_URL = "https://hooks.slack.test/commands/T0DISPATCH/1/abc"


def signed(body: str, *, content_type: str, secret: str = SIGNING_SECRET, retry: int | None = None) -> BoltRequest:
    """`body` as Slack would send it, signed now with `secret` (a wrong secret: a forged request)."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    headers: dict[str, str | Sequence[str]] = {
        "content-type": [content_type],
        "x-slack-request-timestamp": [timestamp],
        "x-slack-signature": [signature],
    }
    if retry is not None:
        headers["x-slack-retry-num"] = [str(retry)]
        headers["x-slack-retry-reason"] = ["http_timeout"]
    # The HTTP face (bot.slack.app.SlackHttp) repairs form bodies Bolt misreads; so do we.
    return repair_form_body(BoltRequest(body=body, headers=headers))


def slash(text: str, *, user: str, channel: str, trigger_id: str | None = "trigger.1", **signing: Any) -> BoltRequest:
    fields = {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "dispatch",
        "channel_id": channel,
        "channel_name": "somewhere",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/incident",
        "text": text,
        "api_app_id": "A0DISPATCH",
        "response_url": RESPONSE_URL,
    }
    if trigger_id is not None:
        fields["trigger_id"] = trigger_id
    return signed(urlencode(fields), content_type="application/x-www-form-urlencoded", **signing)


def interaction(payload: dict[str, Any], **signing: Any) -> BoltRequest:
    body = urlencode({"payload": json.dumps(payload)})
    return signed(body, content_type="application/x-www-form-urlencoded", **signing)


def button(action_id: str, value: str, *, user: str, channel: str) -> BoltRequest:
    """A click on a button of a message in `channel` (a card or a draft)."""
    return interaction(
        {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "dispatch"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0DISPATCH",
            "trigger_id": "trigger.2",
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel, "message_ts": "1700000000.000100"},
            "response_url": RESPONSE_URL,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "incident.card",
                    "value": value,
                    "action_ts": "1700000001.000200",
                }
            ],
        }
    )


def message_shortcut(callback_id: str, message: dict[str, Any], *, user: str, channel: str) -> BoltRequest:
    return interaction(
        {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": TEAM, "domain": "dispatch"},
            "user": {"id": user, "team_id": TEAM},
            "channel": {"id": channel},
            "message": message,
            "message_ts": message.get("ts"),
            "trigger_id": "trigger.3",
            "response_url": RESPONSE_URL,
        }
    )


def view_submission(callback_id: str, values: dict[str, Any], *, user: str, private_metadata: str) -> BoltRequest:
    """A modal submitted with `values` in Slack's `state.values` shape."""
    return interaction(submitted_view(callback_id, values, user=user, private_metadata=private_metadata))


def submitted_view(callback_id: str, values: dict[str, Any], *, user: str, private_metadata: str) -> dict[str, Any]:
    """The payload of `view_submission(...)`, to change before sending it with `interaction`."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "dispatch"},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": "trigger.4",
        "view": {
            "id": "V0DISPATCH",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
        },
    }


def text_input(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def event(inner: dict[str, Any], *, event_id: str = "Ev0DISPATCH1", retry: int | None = None) -> BoltRequest:
    body = {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "A0DISPATCH",
        "event": inner,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "U0BOT", "is_bot": True}],
    }
    return signed(json.dumps(body), content_type="application/json", retry=retry)


def envelope(body: dict[str, Any]) -> BoltRequest:
    """A JSON body other than an event delivery (e.g. `app_rate_limited`)."""
    return signed(json.dumps(body), content_type="application/json")
