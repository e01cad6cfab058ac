"""Bad signed bodies POSTed to /slack/events, through the HTTP face (bot.slack.app.SlackHttp)
in-process on both backends: 400 with the reason, nothing stored, nothing sent to Slack, and
values Slack hands back that the bot never wrote get no 5xx and change nothing. A few of each
also run end to end over HTTP against the emulator (tests/e2e/test_e2e_bad_requests.py)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from bolt_requests import TEAM
from dispatch_bot import ALICE, GENERAL, DispatchBot

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
USER = {"id": ALICE, "team_id": TEAM}


def payload(body: Any) -> str:
    return "payload=" + quote(json.dumps(body))


def command(**fields: str) -> str:
    base = {"command": "/incident", "text": "open sev1 forged", "team_id": TEAM}
    base.update({"user_id": ALICE, "channel_id": GENERAL, "response_url": "http://127.0.0.1:9/r"})
    return urlencode({k: v for k, v in {**base, **fields}.items() if v != "-"})


MALFORMED = [
    ("payload=%7Bnot-json", FORM, "payload is not JSON"),
    ("payload=%5B1%2C2%5D", FORM, "payload is not a JSON object"),
    ("payload=%22text%22", FORM, "payload is not a JSON object"),
    (payload({"user": USER}), FORM, "has neither a type (an interaction or an event) nor a command"),
    (
        payload({"type": "block_actions", "actions": [{"action_id": "incident.close"}]}),
        FORM,
        "block_actions: user is missing",
    ),
    (payload({"type": "block_actions", "user": USER}), FORM, "block_actions: actions is missing"),
    (payload({"type": "block_actions", "user": USER, "actions": []}), FORM, "block_actions: actions is empty"),
    (
        payload({"type": "block_actions", "user": USER, "actions": ["incident.close"]}),
        FORM,
        "block_actions: actions[0] must be a JSON object, not a string",
    ),
    (
        payload({"type": "block_actions", "user": USER, "actions": [{"action_id": "draft.publish", "value": 7}]}),
        FORM,
        "block_actions: actions[0].value must be a string, not a number",  # and no response_url to say so
    ),
    (
        payload({"type": "block_actions", "user": USER, "channel": "C1", "actions": []}),
        FORM,
        "block_actions: channel must be a JSON object, not a string",
    ),
    (payload({"type": "message_action", "user": USER}), FORM, "message_action: callback_id is missing"),
    (
        payload({"type": "message_action", "user": USER, "callback_id": "incident.add_to_timeline"}),
        FORM,
        "message_action: message is missing",  # and no response_url to say so
    ),
    (
        payload({"type": "view_submission", "user": USER, "view": {}}),
        FORM,
        "view_submission: view.callback_id is missing",
    ),
    (
        payload({"type": "view_submission", "user": USER, "view": {"callback_id": "draft.edit"}}),
        FORM,
        "view_submission: view.type is missing",  # Bolt reads it before any listener
    ),
    (  # Bolt's own reading of the body would raise on it
        payload({"type": "block_actions", "user": USER, "enterprise": 5, "actions": [{"action_id": "x"}]}),
        FORM,
        "block_actions: enterprise must be an id or a JSON object, not a number",
    ),
    (command(user_id="-"), FORM, "user_id is missing"),
    (command(team_id="", channel_id="-"), FORM, "team_id is empty"),
    (command(channel_id="-"), FORM, "channel_id is missing"),
    (command(response_url="javascript:x"), FORM, "response_url is not an http(s) URL"),
    ("text=open+sev1+forged", FORM, "has neither a type (an interaction or an event) nor a command"),
    ("command=/incident&&text=x", FORM, "the body is not URL-encoded form data"),
    ("command=%ff%fe", FORM, "the body is not URL-encoded form data"),
    (command() + f"&user_id={ALICE}", FORM, "the form field user_id is repeated"),
    ("{not json", JSON, "the body is not JSON"),
    ("[1, 2]", JSON, "the body is not a JSON object"),
    ('{"event": {}}', JSON, "has neither a type (an interaction or an event) nor a command"),
    ('{"type": "app_rate_limited", "event": [1]}', JSON, "event must be a JSON object, not a list"),
    ('{"type": "app_rate_limited", "minute_rate_limited": "soon"}', JSON, "minute_rate_limited must be a whole number"),
    # a thorough search: a minute after the year 9999 crashed the warning that names it (a 500)
    ('{"type": "app_rate_limited", "minute_rate_limited": 253402300800}', JSON, "minute_rate_limited is not a time"),
    ('{"type": "url_verification"}', JSON, "url_verification: challenge is missing"),
    ('{"type": "event_callback", "event": "x"}', JSON, "event must be a JSON object, not a string"),
    ('{"type": "event_callback", "event": {"type": "reaction_added"}}', JSON, "event_callback: team_id is missing"),
    (
        f'{{"type": "event_callback", "team_id": "{TEAM}", "event_id": "Ev1", '
        '"event": {"type": "reaction_added", "item": "x"}}',
        JSON,
        "event_callback: event.item must be a JSON object, not a string",
    ),
    (
        f'{{"type": "event_callback", "team_id": "{TEAM}", "event_id": "Ev2", '
        '"event": {"type": "team_join", "user": {"id": 5}}}',
        JSON,
        "event_callback: event.user.id must be a string, not a number",
    ),
    (command(), "text/plain", "Content-Type must be application/x-www-form-urlencoded or application/json"),
    (command(), "", "Content-Type must be"),
]


@pytest.mark.parametrize(("body", "content_type", "reason"), MALFORMED, ids=[m[2][:50] for m in MALFORMED])
def test_a_malformed_signed_body_gets_400_with_the_reason_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, body: str, content_type: str, reason: str
) -> None:
    bot.open()
    notified = bot.after.notified
    with unchanged(bot.db):
        answer = bot.post(body, content_type)
    assert answer.status == 400
    assert reason in answer.json["error"]
    assert bot.after.notified == notified and bot.after.responses == []  # nothing handed over to send
    assert bot.slack.calls == [], "nothing was sent to Slack"


def test_a_signed_body_that_is_not_utf8_gets_400(bot: DispatchBot, unchanged: Any) -> None:
    with unchanged(bot.db):
        answer = bot.post(b"command=/incident&text=\xff\xfe", FORM)
    assert (answer.status, answer.json) == (400, {"error": "the body is not UTF-8"})


def test_a_malformed_body_with_a_bad_signature_gets_401_not_a_reason(bot: DispatchBot, unchanged: Any) -> None:
    with unchanged(bot.db):
        answer = bot.post("payload=%7Bnot-json", FORM, signature="v0=" + "0" * 64)
    assert answer.status == 401
    assert "JSON" not in answer.body


def click(action_id: str, value: str) -> str:
    action = {"action_id": action_id, "value": value, "block_id": "b", "type": "button"}
    return payload(
        {"type": "block_actions", "user": USER, "team": {"id": TEAM}, "channel": {"id": GENERAL}}
        | {"actions": [action], "response_url": "http://127.0.0.1:9/response_url/unused", "trigger_id": "1.2"}
    )


ODD_VALUES = [
    ("a draft button whose value is no draft", click("draft.publish", "not-a-draft")),
    ("a draft button whose value is a huge number", click("draft.discard", "9" * 5000)),
    ("a card button whose value is not a digit we wrote", click("incident.status.identified", "²")),
    (
        "an edited draft whose metadata is no draft",
        payload(
            {
                "type": "view_submission",
                "user": USER,
                "view": {
                    "type": "modal",
                    "callback_id": "draft.edit",
                    "private_metadata": "x",
                    "state": {"values": {}},
                },
            }
        ),
    ),
]


@pytest.mark.parametrize(("case", "body"), ODD_VALUES, ids=[case for case, _ in ODD_VALUES])
def test_values_slack_hands_back_that_we_never_wrote_get_no_5xx_and_change_nothing(
    bot: DispatchBot, unchanged: Any, case: str, body: str
) -> None:
    bot.open()
    with unchanged(bot.db):
        answer = bot.post(body, FORM)
    assert 200 <= answer.status < 300
