"""Bad requests to POST /slack/events over HTTP: 400 or 413 with a reason, never a 5xx, nothing stored."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from e2e_stack import Stack

from bot.sandbox import SIGNING_SECRET
from slack_emulator import GENERAL

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
ALICE = {"id": "U0ALICE", "team_id": "T0EMULATOR"}


def payload(body: Any) -> str:
    return "payload=" + quote(json.dumps(body))


def command(**fields: str) -> str:
    base = {"command": "/incident", "text": "open sev1 forged", "team_id": "T0EMULATOR"}
    base.update({"user_id": "U0ALICE", "channel_id": GENERAL, "response_url": "http://127.0.0.1:9/r"})
    return urlencode({k: v for k, v in {**base, **fields}.items() if v != "-"})


# End to end over HTTP, one of each: a garbled interaction, a command and an event, and the
# Content-Type headers as a real server hands them on. Every reason is checked in-process on both
# backends, with these (tests/slack/test_dispatch_bad_requests.py).
MALFORMED = [
    ("payload=%7Bnot-json", FORM, "payload is not JSON"),
    (command(user_id="-"), FORM, "user_id is missing"),
    ('{"type": "event_callback", "event": {"type": "reaction_added"}}', JSON, "event_callback: team_id is missing"),
    (command(), "text/plain", "Content-Type must be application/x-www-form-urlencoded or application/json"),
    (command(), "", "Content-Type must be"),
]


@pytest.mark.parametrize(("body", "content_type", "reason"), MALFORMED, ids=[m[2][:50] for m in MALFORMED])
def test_a_malformed_signed_body_gets_400_with_the_reason_and_nothing_is_stored(
    stack: Stack, unchanged: Any, body: str, content_type: str, reason: str
) -> None:
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    calls_before = len(stack.emulator.calls())
    with unchanged(stack.runtime.db):
        answer = stack.emulator.send(body, content_type)
        stack.settle()
    assert answer.status == 400
    assert reason in answer.json["error"]
    assert len(stack.emulator.calls()) == calls_before, "nothing was sent to Slack"


def signed_raw(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def test_well_formed_requests_still_reach_the_bot(stack: Stack) -> None:
    """The shape checks accept what Slack sends: a command, a click, a shortcut, an event."""
    assert "Opened *INC-1*" in stack.user("alice").slash("open sev2 Checkout fails").json["text"]
    stack.settle()
    channel = stack.channel_of(1)
    card = next(m for m in stack.emulator.messages(channel) if m.pinned)
    assert stack.user("alice").click(channel, card.ts, "incident.status.identified").status == 200
    stack.settle()
    pinned = stack.user("alice").post_message(channel, "the cache is cold")
    assert stack.user("alice").react(channel, pinned) is not None
    shortcut = stack.user("alice").post_message(channel, "rolled back the deploy")
    assert stack.user("alice").message_shortcut(channel, shortcut, "incident.add_to_timeline").status == 200
    stack.settle()
    timeline = str(stack.user("alice").slash("timeline", channel=channel).json)
    for recorded in ("identified", "the cache is cold", "rolled back the deploy"):
        assert recorded in timeline
    assert stack.emulator.send("ssl_check=1&token=x", FORM).status == 200


def click(action_id: str, value: str) -> str:
    action = {"action_id": action_id, "value": value, "block_id": "b", "type": "button"}
    return payload(
        {"type": "block_actions", "user": ALICE, "team": {"id": "T0EMULATOR"}, "channel": {"id": GENERAL}}
        | {"actions": [action], "response_url": "http://127.0.0.1:9/response_url/unused", "trigger_id": "1.2"}
    )


# One end to end; the others in-process on both backends (tests/slack/test_dispatch_bad_requests.py).
ODD_VALUES = [("a draft button whose value is no draft", click("draft.publish", "not-a-draft"))]


@pytest.mark.parametrize(("case", "body"), ODD_VALUES, ids=[case for case, _ in ODD_VALUES])
def test_values_slack_hands_back_that_we_never_wrote_get_no_5xx_and_change_nothing(
    stack: Stack, unchanged: Any, case: str, body: str
) -> None:
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    with unchanged(stack.runtime.db):
        answer = stack.emulator.send(body, FORM)
        stack.settle()
    assert 200 <= answer.status < 300


def test_an_oversized_signed_command_gets_413_and_nothing_is_stored(stack: Stack, unchanged: Any) -> None:
    import socket
    from urllib.parse import urlsplit

    from bot.request_body import MAX_BODY_BYTES

    body = command(text="note " + "x" * MAX_BODY_BYTES).encode()
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: {FORM}\r\nContent-Length: {len(body)}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in signed_raw(body).items())
        + "\r\n"
    ).encode()
    address = urlsplit(stack.url)
    with unchanged(stack.runtime.db), socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(head + body[:1000])
        connection.settimeout(10)
        answer = b""
        while not answer.endswith(b"}"):
            piece = connection.recv(4096)
            if not piece:
                break
            answer += piece
    assert answer.startswith(b"HTTP/1.0 413") or answer.startswith(b"HTTP/1.1 413")
    assert b"the body is over 1048576 bytes" in answer
