"""Any signed request Slack could garble: real requests with a field removed or retyped never get a 5xx.

The requests are the ones the emulator sent for a real incident (command, card click, draft
edit modal, message shortcut, reaction event); each example takes one, changes one value at
any depth, signs it and hands it to the app's WSGI callable (the same one gunicorn serves).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from e2e_stack import Stack, card_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox import SIGNING_SECRET

Request = tuple[str, Any]  # ("form", fields) or ("payload", JSON) or ("json", JSON)


@pytest.fixture
def recorded(stack: Stack) -> list[Request]:
    """The requests of a short incident, as the app received them."""
    alice = stack.user("alice")
    sent: list[Request] = [("form", alice.slash("open sev2 Checkout fails").sent)]
    stack.settle()
    channel = stack.channel_of(1)
    sent.append(("payload", alice.click(channel, card_of(stack, channel).ts, "incident.status.identified").sent))
    alice.slash("draft en short", channel=channel)
    stack.settle()
    draft = next(m for m in stack.emulator.messages(channel) if "draft.edit" in json.dumps(m.blocks))
    sent.append(("payload", alice.click(channel, draft.ts, "draft.edit").sent))
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    sent.append(("payload", alice.submit_view(view.id, {"text": "We fixed it."}).sent))
    ts = alice.post_message(channel, "rolled back the deploy")
    sent.append(("payload", alice.message_shortcut(channel, ts, "incident.add_to_timeline").sent))
    reaction = alice.react(channel, alice.post_message(channel, "cache is cold"))
    assert reaction is not None
    sent.append(("json", reaction.sent))
    stack.settle()
    return sent


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value that can be changed or removed."""
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def changed(value: Any, path: tuple[Any, ...], replacement: Any, remove: bool) -> Any:
    copy = json.loads(json.dumps(value))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if remove:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copy


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**30), st.text(max_size=6), st.just("²"))
REPLACEMENTS = st.one_of(
    SCALARS, st.lists(SCALARS, max_size=2), st.dictionaries(st.text(max_size=3), SCALARS, max_size=2)
)


def post(stack: Stack, content_type: str, body: bytes) -> int:
    stamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
        "HTTP_X_SLACK_SIGNATURE": f"v0={digest}",
        "wsgi.input": io.BytesIO(body),
    }
    statuses: list[str] = []
    b"".join(stack.runtime.wsgi()(environ, lambda status, headers, *_: statuses.append(status)))  # type: ignore[arg-type]
    return int(statuses[0].split()[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_signed_request_with_any_value_changed_or_removed_never_gets_a_5xx(
    stack: Stack, recorded: list[Request], data: st.DataObject
) -> None:
    kind, original = data.draw(st.sampled_from(recorded))
    path = data.draw(st.sampled_from(paths(original)))
    replacement = data.draw(REPLACEMENTS if kind != "form" else st.text(max_size=6))
    garbled = changed(original, path, replacement, remove=data.draw(st.booleans()))
    if kind == "json":
        status = post(stack, "application/json", json.dumps(garbled).encode())
    elif kind == "payload":
        status = post(stack, "application/x-www-form-urlencoded", urlencode({"payload": json.dumps(garbled)}).encode())
    else:
        status = post(stack, "application/x-www-form-urlencoded", urlencode(garbled).encode())
    assert status < 500, (kind, path, garbled)
