"""The optional PagerDuty handoff end to end, on SQLite and PostgreSQL (docs/behaviour.md, Paging):
a page of a component naming a `pagerduty_routing_key` POSTs an Events API v2 `trigger` (dedup
key: the incident's name) to INCIDENT_PAGERDUTY_EVENTS_URL, here a recording stand-in for
PagerDuty over real HTTP; resolving the incident sends `resolve`; a 5xx is retried; a refused key
is given up, listed by `incident-bot outbox`, and holds back none of the incident's Slack work."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from e2e_stack import Stack
from paging_world import dm

from bot.outbox import admin
from slack_emulator import SlackEmulator

GOOD_KEY = "a" * 32
REFUSED_KEY = "0" * 32
CATALOG = f"""
[[component]]
id = "home"
name = "Home page"
oncall = "oncall-web"
pagerduty_routing_key = "{GOOD_KEY}"

[[component]]
id = "api"
name = "Public API"
oncall = "oncall-web"
pagerduty_routing_key = "{REFUSED_KEY}"
"""


class PagerDuty:
    """What the stand-in received, and how it answers: 202, or 400 for the refused key; the next
    `fail` requests get 503."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail = 0
        self.lock = threading.Lock()


@pytest.fixture
def pagerduty() -> Iterator[tuple[PagerDuty, str]]:
    seen = PagerDuty()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with seen.lock:
                seen.events.append(event)
                failing = seen.fail > 0
                seen.fail -= 1 if failing else 0
            if failing:
                status, answer = 503, {"status": "unavailable"}
            elif event.get("routing_key") == REFUSED_KEY:
                status, answer = 400, {"status": "invalid event", "message": "Event object is invalid"}
            else:
                status, answer = 202, {"status": "success", "message": "Event processed"}
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield seen, f"http://127.0.0.1:{server.server_port}/v2/enqueue"
    server.shutdown()
    server.server_close()


@pytest.fixture
def stack(make_stack: Callable[..., Stack], tmp_path: Path, pagerduty: tuple[PagerDuty, str]) -> Stack:
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    emulator = SlackEmulator()
    emulator.add_usergroup("oncall-web", members=["bob"])
    settings = {"INCIDENT_CATALOG": str(tmp_path / "catalog.toml"), "INCIDENT_PAGERDUTY_EVENTS_URL": pagerduty[1]}
    stack = make_stack(emulator=emulator, settings=settings)
    stack.user("alice").slash("open sev1 Checkout fails for <everyone>")
    stack.settle()
    return stack


def test_a_component_s_page_triggers_pagerduty_once_retried_and_resolving_resolves_it(
    stack: Stack, pagerduty: tuple[PagerDuty, str]
) -> None:
    seen, _ = pagerduty
    seen.fail = 1  # PagerDuty is briefly unavailable: the trigger is sent again
    channel = stack.channel_of(1)
    stack.user("alice").slash("page home", channel=channel)
    stack.settle(timeout=30)
    trigger = {
        "routing_key": GOOD_KEY,
        "event_action": "trigger",
        "dedup_key": "INC-1",
        "payload": {
            "summary": "INC-1 (sev1): Checkout fails for <everyone>",
            "source": "incident-bot",
            "severity": "critical",
            "component": "Home page",
        },
        "client": "incident-bot",
    }
    assert seen.events == [trigger, trigger]  # the 503, then the one PagerDuty took
    assert len(dm(stack, "bob")) == 1
    stack.user("alice").slash("close", channel=channel)
    stack.settle(timeout=30)
    assert seen.events[2:] == [{"routing_key": GOOD_KEY, "event_action": "resolve", "dedup_key": "INC-1"}]


def test_a_refused_routing_key_is_given_up_listed_and_holds_back_no_slack_work(
    stack: Stack, pagerduty: tuple[PagerDuty, str]
) -> None:
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    stack.user("alice").slash("page api", channel=channel)
    stack.settle()
    assert [event["routing_key"] for event in seen.events] == [REFUSED_KEY]
    assert len(dm(stack, "bob")) == 1  # the page itself went
    with stack.runtime.db.read() as session:
        [listed] = admin.unsent(session=session)
    assert (listed.state, listed.kind) == ("dead", "pagerduty.event")
    assert listed.last_error == "PagerDuty refused the event (400: Event object is invalid): check the routing key"
    assert REFUSED_KEY not in (listed.last_error or "")
    stack.user("alice").slash("note still paging", channel=channel)
    stack.settle()
    assert any("still paging" in message.text for message in stack.emulator.messages(channel))
