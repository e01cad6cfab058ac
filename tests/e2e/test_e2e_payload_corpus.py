"""Real request shapes (tests/slack_payloads/), signed and sent to the running bot over HTTP."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from e2e_stack import Stack

from bot.lookup import Where
from bot.sandbox import SIGNING_SECRET, TEAM_ID
from slack_emulator.app_connection import AppConnection

CORPUS = sorted((Path(__file__).parent.parent / "slack_payloads").glob("*.json"))
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def world(stack: Stack) -> dict[str, str]:
    """INC-1 open with its channel, a message, a thread reply, an alert and a file share in it."""
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.add_member(channel, "bob")
    message = stack.user("bob").post_message(channel, "looking at the load balancer")
    reply = stack.user("bob").post_message(channel, "found it: a bad health check on lb-3", thread_ts=message)
    alert = stack.emulator.posts.alert(channel, name="PagerDuty", bot_id="B0PAGERDUTY", text="")
    shared = stack.emulator.posts.file_share(channel, "bob", files=["error.log", "trace.json"])
    alice = stack.emulator.user("alice").id
    response_url = stack.emulator.workspace.mint_response_url(alice, channel, source="corpus")
    return {
        "TEAM": TEAM_ID,
        "ALICE": alice,
        "BOB": stack.emulator.user("bob").id,
        "INCIDENT_CHANNEL": channel,
        "MESSAGE_TS": message,
        "REPLY_TS": reply,
        "ALERT_TS": alert,
        "FILE_TS": shared,
        "RESPONSE_URL": f"{stack.emulator.url}/response_url/{response_url.id}",
        "NOW": str(int(time.time())),
        "EVENT_ID": f"Ev{uuid.uuid4().hex[:10].upper()}",
    }


def load(path: Path, world: dict[str, str]) -> dict[str, Any]:
    text = path.read_text()
    for name, value in world.items():
        text = text.replace("{" + name + "}", value)
    case: dict[str, Any] = json.loads(text)
    return case


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_each_real_request_shape_gets_its_expected_outcome(stack: Stack, world: dict[str, str], path: Path) -> None:
    case = load(path, world)
    app = AppConnection(f"{stack.url}/slack/events", SIGNING_SECRET)
    if "form" in case:
        answer = app.send(urlencode(case["form"]), FORM)
    elif "payload" in case:
        answer = app.send(urlencode({"payload": json.dumps(case["payload"])}), FORM)
    else:
        answer = app.send(json.dumps(case["json"]), "application/json")
    expect = case["expect"]
    assert answer.status == expect["status"], answer.body
    stack.settle()
    if "reply_contains" in expect:
        assert expect["reply_contains"] in json.dumps(answer.body, ensure_ascii=False)
    if "body_is" in expect:
        assert answer.body == expect["body_is"] or answer.body == {"challenge": expect["body_is"]}
    incident = Where(team_id=TEAM_ID, number=1)
    if "status_is" in expect:
        assert stack.runtime.service.get(incident).status.value == expect["status_is"]
    if "timeline_contains" in expect:
        texts = [entry.text for entry in stack.runtime.service.timeline(incident).entries]
        assert any(expect["timeline_contains"] in text for text in texts), texts


def test_every_payload_in_the_corpus_says_where_its_shape_comes_from() -> None:
    for path in CORPUS:
        case = json.loads(path.read_text().replace("{NOW}", "0"))
        assert case["source"] and case["about"] and case["expect"]["status"] == 200, path.name


def test_app_rate_limited_is_a_warning_naming_the_minute_and_other_events_are_counted(
    stack: Stack, world: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    app = AppConnection(f"{stack.url}/slack/events", SIGNING_SECRET)
    for name in ("app_rate_limited", "event_the_bot_does_not_act_on"):
        case = load(CORPUS[0].with_name(f"{name}.json"), world)
        assert app.send(json.dumps(case["json"]), "application/json").status == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "rate-limited" in r.getMessage()]
    assert warnings == [
        "Slack rate-limited event deliveries to this app in the minute of 2018-02-12 20:37 UTC: events were dropped"
    ]
    with urlopen(f"{stack.url}/metrics", timeout=5) as answer:  # noqa: S310
        scraped = answer.read().decode()
    assert 'incident_bot_events_ignored_total{type="member_joined_channel"}' in scraped
    assert 'incident_bot_events_ignored_total{type="app_rate_limited"}' in scraped
