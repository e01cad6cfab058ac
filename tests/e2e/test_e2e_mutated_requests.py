"""Any signed request Slack could garble: real requests with a value changed or removed never get
a 5xx, and never log an error (a surprise from Slack is a warning naming the field).

The requests are the ones the emulator sent for a real incident, one of every kind the bot
handles: the slash command, the card's, a draft's and a reminder's buttons, the three modals
(open, edit, correct), the message shortcut on a person's message and on an alert, *Declare
incident from message*, the open modal it opens submitted, the global shortcut, the App Home
opened and its *Declare incident* button, the
:pushpin: reaction, `user_change`, `team_join`, `app_rate_limited`, `url_verification` and an
event the bot does not act on. Each example takes one, changes one value at any depth (or
removes it), signs it and hands it to the app's WSGI callable (the one gunicorn serves).

The search draws the same examples on every run (tests/conftest.py: the default Hypothesis
profile); `--hypothesis-profile=thorough` searches at random (README, Tests). Whatever a search
has found is kept in FOUND, checked on every run.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from e2e_stack import Stack, card_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import actions
from bot.sandbox import SIGNING_SECRET, TEAM_ID, ManualClock, Sandbox
from slack_emulator import STATUS, SlackEmulator

Request = tuple[str, Any]  # ("form", fields) or ("payload", JSON) or ("json", JSON)
REMOVED = object()  # a replacement that removes the value


@pytest.fixture
def recorded(make_stack: Callable[..., Sandbox]) -> Iterator[tuple[Stack, dict[str, Request]]]:
    """One request of every kind the bot handles, as the app received it, by name."""
    clock = ManualClock(datetime(2022, 2, 17, 16, 11, tzinfo=UTC))
    # The clock stands still, so a Home published again waits for no interval (one a person every
    # 10 s is tested in tests/service/test_homes.py).
    stack = make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp), home_every=timedelta(0))
    emulator, alice, bob = stack.emulator, stack.user("alice"), stack.user("bob")
    sent: dict[str, Request] = {"slash command": ("form", alice.slash("open sev1 Checkout fails").sent)}
    stack.settle()
    channel = stack.channel_of(1)
    emulator.add_member(channel, "bob")
    card = card_of(stack, channel).ts
    sent["card button"] = ("payload", alice.click(channel, card, "incident.status.identified").sent)
    clock.advance(minutes=35)  # past the sev1 deadline: the reminder is posted
    stack.settle()
    nudge = next(m for m in emulator.messages(channel) if actions.NO_UPDATE in json.dumps(m.blocks))
    sent["reminder button"] = ("payload", bob.click(channel, nudge.ts, "reminder.snooze.15").sent)
    alice.slash("draft en short", channel=channel)
    stack.settle()
    draft = next(m for m in emulator.messages(channel) if actions.EDIT in json.dumps(m.blocks))
    sent["draft button"] = ("payload", alice.click(channel, draft.ts, actions.EDIT).sent)
    stack.settle()
    (view,) = emulator.views(emulator.user("alice").id, open_only=True)
    sent["edit modal"] = ("payload", alice.submit_view(view.id, {"text": "We fixed it."}).sent)
    alice.click(channel, draft.ts, actions.PUBLISH)
    stack.settle()
    (post,) = [m for m in emulator.messages(STATUS) if m.user == "U0BOT"]
    alice.click(STATUS, post.ts, actions.CORRECT)
    stack.settle()
    (view,) = emulator.views(emulator.user("alice").id, open_only=True)
    sent["correction modal"] = ("payload", alice.submit_view(view.id, {"text": "We fixed it at 21:50."}).sent)
    alice.slash("open", channel=channel)
    stack.settle()
    (view,) = emulator.views(emulator.user("alice").id, open_only=True)
    sent["open modal"] = (
        "payload",
        alice.submit_view(view.id, {"title": "Search is slow", "private": ["private"]}).sent,
    )
    said = alice.post_message(channel, "rolled back the deploy")
    sent["message shortcut"] = ("payload", alice.message_shortcut(channel, said, actions.ADD_TO_TIMELINE).sent)
    alert = emulator.posts.alert(channel, name="PagerDuty", bot_id="B0PAGERDUTY", text="")
    sent["shortcut on an alert"] = ("payload", alice.message_shortcut(channel, alert, actions.ADD_TO_TIMELINE).sent)
    declaring = alice.message_shortcut(channel, said, actions.DECLARE_FROM_MESSAGE)
    sent["declare from a message"] = ("payload", declaring.sent)
    stack.settle()
    (view,) = emulator.views(emulator.user("alice").id, open_only=True)
    sent["declared modal"] = ("payload", alice.submit_view(view.id, {"title": "Deploy rolled back"}).sent)
    sent["global shortcut"] = ("payload", alice.global_shortcut(actions.DECLARE).sent)
    sent["app_home_opened"] = ("json", alice.open_home().sent)
    stack.settle()
    sent["home button"] = ("payload", alice.click_in_home(actions.HOME_DECLARE).sent)
    reaction = alice.react(channel, alice.post_message(channel, "cache is cold"))
    assert reaction is not None
    sent["pushpin"] = ("json", reaction.sent)
    sent["user_change"] = ("json", emulator.admin.turn_into_member("alice").sent)
    sent["team_join"] = ("json", emulator.admin.join("dana")[1].sent)
    sent["url_verification"] = ("json", emulator.url_verification("a-challenge").sent)
    sent["app_rate_limited"] = ("json", {"type": "app_rate_limited", "team_id": TEAM_ID, "minute_rate_limited": 1})
    other = {**sent["pushpin"][1], "event": {"type": "member_joined_channel", "user": "U0BOB", "channel": channel}}
    sent["other event"] = ("json", other)
    stack.settle()
    yield stack, sent


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


def changed(value: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    copy = json.loads(json.dumps(value))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if replacement is REMOVED:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copy


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**30), st.text(max_size=6), st.just("²"))
REPLACEMENTS = st.one_of(
    st.just(REMOVED), SCALARS, st.lists(SCALARS, max_size=2), st.dictionaries(st.text(max_size=3), SCALARS, max_size=2)
)


def post(stack: Stack, kind: str, garbled: Any) -> int:
    if kind == "json":
        content_type, body = "application/json", json.dumps(garbled).encode()
    elif kind == "payload":
        content_type, body = "application/x-www-form-urlencoded", urlencode({"payload": json.dumps(garbled)}).encode()
    else:
        content_type, body = "application/x-www-form-urlencoded", urlencode(garbled).encode()
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


def answered_calmly(stack: Stack, kind: str, garbled: Any, caplog: pytest.LogCaptureFixture) -> tuple[int, list[str]]:
    """The status, and any ERROR logged while the request was handled and its work sent."""
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        status = post(stack, kind, garbled)
        stack.settle()
    return status, [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_signed_request_with_any_value_changed_or_removed_never_gets_a_5xx(
    recorded: tuple[Stack, dict[str, Request]], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    stack, sent = recorded
    name = data.draw(st.sampled_from(sorted(sent)), label="request")
    kind, original = sent[name]
    path = data.draw(st.sampled_from(paths(original)), label="path")
    replacement = data.draw(REPLACEMENTS if kind != "form" else st.one_of(st.just(REMOVED), st.text(max_size=6)))
    status, errors = answered_calmly(stack, kind, changed(original, path, replacement), caplog)
    assert status < 500 and not errors, (name, path, errors)


# What searches found (request, path, replacement), each once a 5xx or an error in the log.
FOUND: list[tuple[str, tuple[Any, ...], Any]] = [
    ("edit modal", ("view", "state"), None),  # issue 19: TypeError in the listener
    ("edit modal", ("view", "state"), REMOVED),
    ("edit modal", ("view", "state"), {}),
    ("edit modal", ("view", "state", "values"), REMOVED),
    ("card button", ("response_url",), "x"),  # the responder thread died on a URL urllib cannot use
    ("message shortcut", ("message", "ts"), "²"),  # thorough: the copy read the time of '²'
    ("slash command", ("team_id",), "T0OTHER"),  # thorough: INC-1 of another workspace took INC-1's channel
    ("app_rate_limited", ("minute_rate_limited",), 253_402_300_800),  # thorough: a minute after the year 9999
]


@pytest.mark.parametrize(
    ("name", "path", "replacement"), FOUND, ids=[f"{n}:{'.'.join(map(str, p))}" for n, p, _ in FOUND]
)
def test_what_a_search_found_is_answered_without_a_5xx_or_an_error(
    recorded: tuple[Stack, dict[str, Request]],
    caplog: pytest.LogCaptureFixture,
    name: str,
    path: tuple[Any, ...],
    replacement: Any,
) -> None:
    stack, sent = recorded
    kind, original = sent[name]
    status, errors = answered_calmly(stack, kind, changed(original, path, replacement), caplog)
    assert status < 500 and not errors
