"""The optional PagerDuty handoff end to end, on SQLite and PostgreSQL (docs/behaviour.md, Paging):
a page of a component naming a `pagerduty_routing_key` POSTs an Events API v2 `trigger` (dedup
key: the incident's name) to INCIDENT_PAGERDUTY_EVENTS_URL, here a recording stand-in for
PagerDuty over real HTTP; resolving the incident sends `resolve`; a 5xx is retried; a refused key
is given up, listed by `incident-bot outbox`, and holds back none of the incident's Slack work.
An incident's events reach PagerDuty in the order recorded (a resolve never before a trigger still
being retried, even with two processes sending), and neither they nor Slack's work wait for the other:
PagerDuty's events have a sender of their own (web processes' and `incident-bot worker`'s), so a
PagerDuty slow to answer delays no line in the channel, and a page made while Slack refuses the
bot's token still reaches PagerDuty."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from e2e_stack import Stack, bot_lines, wait_for, wait_until_no_send_is_in_flight
from paging_world import START, dm
from sqlmodel import col, select

from bot.cli import main
from bot.outbox import admin, pause
from bot.outbox.kinds import pagerduty_event
from bot.sandbox import SIGNING_SECRET, ManualClock
from bot.storage.effect_tables import EffectRow
from slack_emulator import SlackEmulator

GOOD_KEY = "a" * 32
REFUSED_KEY = "0" * 32
HUNG_SLACK_SECONDS = 15.0  # longer than a loaded machine takes to send a trigger
HELD_AT_MOST_SECONDS = 60  # a request held open is answered by then, whatever the test does
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
    """What the stand-in received (`events`, and `answers`: the status it gave each), and how it
    answers: 202, or 400 for a `refused` key; the next `fail` requests get `fail_status`. Once
    `hold_open`, each request is held open, unanswered (its action listed in `arrived` as it
    arrives), until `answer_held`: PagerDuty answering slowly."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.arrived: list[str] = []
        self.fail = 0
        self.fail_status = 503
        self.refused = {REFUSED_KEY}
        self.lock = threading.Lock()
        self.answering = threading.Event()
        self.answering.set()

    def hold_open(self) -> None:
        self.answering.clear()

    def answer_held(self) -> None:
        self.answering.set()

    def received(self) -> list[tuple[str, int]]:
        """(action, the status answered) of each event received, in the order received."""
        with self.lock:
            return [(event["event_action"], status) for event, status in zip(self.events, self.answers, strict=True)]


@pytest.fixture
def pagerduty() -> Iterator[tuple[PagerDuty, str]]:
    seen = PagerDuty()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with seen.lock:
                seen.arrived.append(event["event_action"])
            seen.answering.wait(HELD_AT_MOST_SECONDS)
            with seen.lock:
                failing = seen.fail > 0
                seen.fail -= 1 if failing else 0
                if failing:
                    status, answer = seen.fail_status, {"status": "unavailable"}
                elif event.get("routing_key") in seen.refused:
                    status, answer = 400, {"status": "invalid event", "message": "Event object is invalid"}
                else:
                    status, answer = 202, {"status": "success", "message": "Event processed"}
                seen.events.append(event)
                seen.answers.append(status)
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
    seen.answer_held()
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


def test_a_private_incident_s_trigger_tells_pagerduty_its_name_and_severity_never_its_title(
    stack: Stack, pagerduty: tuple[PagerDuty, str]
) -> None:
    """PagerDuty's app, mails and phone calls reach people outside the private channel: the event
    (Events API v2: routing_key, event_action, dedup_key, payload with summary, source, severity,
    component; no custom_details, links, images or client_url) says which incident, not what it is."""
    seen, _ = pagerduty
    stack.user("alice").slash("open --private sev2 Card numbers of <acme> in the logs")
    stack.settle()
    stack.user("alice").slash("page home", channel=stack.channel_of(2))
    stack.settle(timeout=30)
    assert seen.events == [
        {
            "routing_key": GOOD_KEY,
            "event_action": "trigger",
            "dedup_key": "INC-2",
            "payload": {
                "summary": "Private incident INC-2 (sev2)",
                "source": "incident-bot",
                "severity": "error",
                "component": "Home page",
            },
            "client": "incident-bot",
        }
    ]
    assert "Card numbers" not in json.dumps(seen.events)
    assert len(dm(stack, "bob")) == 1  # the page itself, in Slack, still says what it is about


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


@pytest.fixture
def operator(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """`incident-bot outbox <argv>` as an operator runs it beside the running bot."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("INCIDENT_TIMEZONE", "Asia/Kolkata")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return lambda *argv: main(["outbox", *argv])


def test_a_resolve_waits_for_its_trigger_being_retried_even_with_two_processes_sending(
    make_stack: Callable[..., Stack], tmp_path: Path, pagerduty: tuple[PagerDuty, str]
) -> None:
    """PagerDuty answers 500 to the trigger three times; meanwhile a public update is drafted and
    the incident resolved, and Slack shows both at once. Two processes send from one database.
    PagerDuty gets the trigger, then the resolve, each taken once: never the resolve first (it
    would ignore it, and the trigger would then open an incident that nothing resolves)."""
    seen, url = pagerduty
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    clock = ManualClock(START)
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_usergroup("oncall-web", members=["bob"])
    settings = {"INCIDENT_CATALOG": str(tmp_path / "catalog.toml"), "INCIDENT_PAGERDUTY_EVENTS_URL": url}
    first = make_stack(clock=clock, emulator=emulator, settings=settings)
    stack = make_stack(clock=clock, emulator=emulator, settings=settings)  # another process, the same database
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    seen.fail, seen.fail_status = 3, 500
    stack.user("alice").slash("page home", channel=channel)
    wait_for(lambda: seen.received() == [("trigger", 500)], timeout=30)
    stack.user("alice").slash("draft en short", channel=channel)
    stack.user("alice").slash("close rolled back", channel=channel)
    wait_for(lambda: any("resolved INC-1: rolled back" in line for line in bot_lines(stack, channel)), timeout=30)
    assert any("English · short" in str(message.blocks) for message in emulator.messages(channel)), "the draft too"
    assert len(dm(stack, "bob")) == 1
    assert seen.received() == [("trigger", 500)], "the resolve waits for its trigger"
    for received in range(2, 5):  # PagerDuty's answers: 500, 500, then 202
        wait_until_no_send_is_in_flight(stack)
        clock.advance(seconds=30)
        first.runtime.pagerduty_thread.notify()
        stack.runtime.pagerduty_thread.notify()
        wait_for(lambda count=received: len(seen.received()) >= count, timeout=30)
    stack.settle(timeout=30)
    assert seen.received() == [("trigger", 500)] * 3 + [("trigger", 202), ("resolve", 202)]
    assert {event["dedup_key"] for event in seen.events} == {"INC-1"}


def test_a_given_up_trigger_holds_no_resolve_and_sent_again_after_it_is_not_sent(
    stack: Stack, pagerduty: tuple[PagerDuty, str], operator: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    """PagerDuty refuses the API's trigger (a wrong key): given up. The key is set right in
    PagerDuty and the incident resolved: the resolve goes at once (a given-up trigger holds
    nothing back; PagerDuty ignores a resolve it has no incident for). The operator then sends the
    trigger again: it is settled unsent, as it would open a PagerDuty incident after its resolve,
    that nothing would ever resolve; nothing is left in the outbox."""
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    stack.user("alice").slash("page api", channel=channel)
    stack.settle()
    assert seen.received() == [("trigger", 400)]
    capsys.readouterr()
    assert operator() == 0
    [row] = [line.split() for line in capsys.readouterr().out.splitlines() if "pagerduty.event" in line]
    assert row[1:5] == ["given", "up", "pagerduty.event", "INC-1"]
    seen.refused.clear()  # the routing key is set right in PagerDuty
    stack.user("alice").slash("close", channel=channel)
    stack.settle()
    assert seen.received() == [("trigger", 400), ("resolve", 202)]
    assert operator("retry", row[0]) == 0
    assert capsys.readouterr().out == f"{row[0]} (pagerduty.event, INC-1) will be sent again now.\n"
    stack.settle()
    assert seen.received() == [("trigger", 400), ("resolve", 202)], "no trigger after its resolve"
    with stack.runtime.db.read() as session:
        trigger = admin.find(session=session, effect_id=int(row[0]))
    assert trigger is not None
    assert (trigger.state, trigger.last_error) == ("done", "not sent: a later one that overtakes it went first")
    assert operator() == 0
    assert capsys.readouterr().out == "No Slack work waiting: everything was sent.\n"


def test_a_refused_trigger_and_resolve_sent_again_together_reach_pagerduty_in_order(
    stack: Stack, pagerduty: tuple[PagerDuty, str], operator: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    """Both the trigger and the resolve refused (the key is wrong until after the incident is
    over), then sent again at once by the operator: PagerDuty gets the trigger, then the resolve."""
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    stack.user("alice").slash("page api", channel=channel)
    stack.settle()
    stack.user("alice").slash("close", channel=channel)
    stack.settle()
    assert seen.received() == [("trigger", 400), ("resolve", 400)]
    seen.refused.clear()
    capsys.readouterr()
    assert operator("retry", "--all") == 0
    assert capsys.readouterr().out == "2 effects will be sent again now\n"
    stack.settle()
    assert seen.received() == [("trigger", 400), ("resolve", 400), ("trigger", 202), ("resolve", 202)]


def test_a_trigger_sent_again_after_its_incident_was_made_private_does_not_carry_its_title(
    stack: Stack, pagerduty: tuple[PagerDuty, str], operator: Callable[..., int]
) -> None:
    """The key was wrong when the page was made (given up); the incident is made private; the key
    fixed, the operator sends it again: PagerDuty reads only the incident's name and severity."""
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    stack.user("alice").slash("page api", channel=channel)
    stack.settle()
    assert seen.received() == [("trigger", 400)]
    stack.user("alice").slash("private", channel=channel)
    stack.settle()
    seen.refused.clear()
    assert operator("retry", "--all") == 0
    stack.settle(timeout=30)
    assert seen.received() == [("trigger", 400), ("trigger", 202)]
    assert seen.events[1]["payload"]["summary"] == "Private incident INC-1 (sev1)"
    assert "Checkout" not in json.dumps(seen.events[1])


def test_slack_down_holds_back_no_pagerduty_event(
    make_stack: Callable[..., Stack], tmp_path: Path, pagerduty: tuple[PagerDuty, str]
) -> None:
    """Slack is down while the incident is paged and resolved, the channel's work waiting for it
    (a stale draft's edit among it, in no lane): PagerDuty gets the trigger and the resolve all the
    same. Once Slack is back, the resolution arrives (the page's message not: the resolution ended it)."""
    seen, url = pagerduty
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    clock = ManualClock(START)
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_usergroup("oncall-web", members=["bob"])
    settings = {"INCIDENT_CATALOG": str(tmp_path / "catalog.toml"), "INCIDENT_PAGERDUTY_EVENTS_URL": url}
    stack = make_stack(clock=clock, emulator=emulator, settings=settings)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("draft en short", channel=channel)
    stack.settle()
    emulator.down()
    stack.user("alice").slash("page home", channel=channel)
    stack.user("alice").slash("close rolled back", channel=channel)
    wait_for(lambda: seen.received() == [("trigger", 202), ("resolve", 202)], timeout=30)
    assert dm(stack, "bob") == [] and not any("resolved INC-1" in line for line in bot_lines(stack, channel))
    emulator.up()
    wait_until_no_send_is_in_flight(stack)
    clock.advance(seconds=30)
    stack.settle(timeout=30)
    assert dm(stack, "bob") == []  # resolved before its message could go: the page ended, never sent
    assert any("resolved INC-1: rolled back" in line for line in bot_lines(stack, channel))
    assert "Stale" in str([m.blocks for m in emulator.messages(channel) if "English · short" in str(m.blocks)])
    assert seen.received() == [("trigger", 202), ("resolve", 202)]


def test_a_page_while_slack_refuses_the_token_still_reaches_pagerduty(
    stack: Stack, pagerduty: tuple[PagerDuty, str]
) -> None:
    """Slack refuses the bot's token (revoked): the outbox pauses and holds the Slack work. The
    incident is paged and resolved meanwhile: PagerDuty gets the trigger and the resolve all the
    same (the out-of-band page is what matters now). Once the token is fixed, Slack gets its work
    (not the page's message: the resolution ended the page first), and PagerDuty nothing twice."""
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    stack.emulator.revoke_token("token_revoked")
    stack.user("alice").slash("note rolled back the deploy", channel=channel)

    def paused() -> bool:
        with stack.runtime.db.read() as session:
            return pause.current(session=session, team_id=None) is not None

    wait_for(paused, timeout=30)
    stack.user("alice").slash("page home", channel=channel)
    wait_for(lambda: seen.received() == [("trigger", 202)], timeout=30)
    stack.user("alice").slash("close fixed", channel=channel)
    wait_for(lambda: seen.received() == [("trigger", 202), ("resolve", 202)], timeout=30)
    assert paused(), "Slack still refuses the token"
    assert dm(stack, "bob") == [] and not any("rolled back" in line for line in bot_lines(stack, channel))
    stack.emulator.restore_token()
    stack.runtime.sender.check_now()  # as a restart's auth.test does
    stack.settle(timeout=30)
    assert dm(stack, "bob") == []  # resolved before its message could go: the page ended, never sent
    assert any("rolled back the deploy" in line for line in bot_lines(stack, channel))
    assert seen.received() == [("trigger", 202), ("resolve", 202)]


def test_pagerduty_answering_slowly_holds_back_no_line_of_the_channel(
    stack: Stack, pagerduty: tuple[PagerDuty, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PagerDuty holds the trigger's request open (the bot waits for it as long as it takes, here
    up to a minute): a note typed meanwhile reaches the channel while the request is still open,
    and the page's direct message too. Once PagerDuty answers, it has the trigger, once."""
    monkeypatch.setattr(pagerduty_event, "TIMEOUT_SECONDS", float(HELD_AT_MOST_SECONDS))
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    seen.hold_open()
    stack.user("alice").slash("page home", channel=channel)
    wait_for(lambda: seen.arrived == ["trigger"], timeout=30)  # held open by PagerDuty
    stack.user("alice").slash("note rolled back the deploy", channel=channel)
    wait_for(lambda: any("rolled back the deploy" in line for line in bot_lines(stack, channel)), timeout=30)
    assert seen.received() == [], "the line arrived while PagerDuty still held the trigger's request open"
    assert len(dm(stack, "bob")) == 1
    seen.answer_held()
    stack.settle(timeout=30)
    assert seen.received() == [("trigger", 202)]


def test_a_hung_slack_call_holds_back_no_pagerduty_event(stack: Stack, pagerduty: tuple[PagerDuty, str]) -> None:
    """Slack takes 15 s to answer each message: a note's line is being posted when the home page is
    paged. PagerDuty gets the trigger while the line's call still hangs; the line and the page's
    direct message arrive once Slack answers."""
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    stack.emulator.set_latency(HUNG_SLACK_SECONDS, "chat.postMessage")
    stack.user("alice").slash("note rolled back the deploy", channel=channel)

    def being_posted() -> bool:
        with stack.runtime.db.read() as session:
            query = select(EffectRow).where(col(EffectRow.kind) == "timeline.post", col(EffectRow.state) == "pending")
            return any(row.claimed_until is not None for row in session.exec(query))

    wait_for(being_posted, timeout=30)
    stack.user("alice").slash("page home", channel=channel)
    wait_for(lambda: seen.received() == [("trigger", 202)], timeout=30)
    assert not any("rolled back the deploy" in line for line in bot_lines(stack, channel)), "Slack's call still hangs"
    stack.emulator.set_latency(0.0, "chat.postMessage")
    stack.settle(timeout=60)
    assert any("rolled back the deploy" in line for line in bot_lines(stack, channel))
    assert len(dm(stack, "bob")) == 1
    assert seen.received() == [("trigger", 202)]


def test_a_page_wakes_pagerduty_s_sender_and_a_note_does_not(
    stack: Stack, pagerduty: tuple[PagerDuty, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ack of a page wakes PagerDuty's sender (its event goes at once); a note's does not."""
    woken: list[str] = []
    thread = stack.runtime.pagerduty_thread
    wake = thread.notify

    def counted() -> None:
        woken.append("woken")
        wake()

    monkeypatch.setattr(thread, "notify", counted)
    channel = stack.channel_of(1)
    assert stack.user("alice").slash("note rolled back the deploy", channel=channel).status == 200
    assert woken == []
    assert stack.user("alice").slash("page home", channel=channel).status == 200
    assert woken == ["woken"]
    wait_for(lambda: pagerduty[0].received() == [("trigger", 202)], timeout=30)


def test_a_refused_trigger_sent_again_pages_pagerduty_though_its_re_page_was_refused_too(
    stack: Stack, pagerduty: tuple[PagerDuty, str], operator: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    """The API is paged twice while PagerDuty refuses its key: both triggers are given up. Once the
    key is fixed, the operator sends the first again: PagerDuty gets it (the later re-page, given
    up, said nothing to PagerDuty, so it overtakes nothing)."""
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    stack.user("alice").slash("page api", channel=channel)
    stack.settle()
    [message] = dm(stack, "bob")
    assert stack.user("bob").click(message.channel, message.ts, "page.acknowledge").status == 200
    stack.settle()
    stack.user("alice").slash("page api", channel=channel)  # paged again: bob took the first
    stack.settle()
    assert seen.received() == [("trigger", 400), ("trigger", 400)]
    capsys.readouterr()
    assert operator() == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if "pagerduty.event" in line]
    assert [row[1:5] for row in rows] == [["given", "up", "pagerduty.event", "INC-1"]] * 2
    first = min(int(row[0]) for row in rows)
    seen.refused.clear()  # the routing key is set right in PagerDuty
    assert operator("retry", str(first)) == 0
    stack.settle()
    assert seen.received() == [("trigger", 400), ("trigger", 400), ("trigger", 202)]
    with stack.runtime.db.read() as session:
        trigger = admin.find(session=session, effect_id=first)
    assert trigger is not None
    assert (trigger.state, trigger.last_error) == ("done", "PagerDuty took the trigger (202)")


def test_a_refused_trigger_sent_again_after_its_resolve_was_refused_too_is_not_sent(
    stack: Stack, pagerduty: tuple[PagerDuty, str], operator: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    """The trigger and the resolve both refused; the key fixed, the operator sends only the trigger
    again: the incident is over, so it is settled unsent (it would page someone for an incident
    nothing resolves), and says why."""
    seen, _ = pagerduty
    channel = stack.channel_of(1)
    stack.user("alice").slash("page api", channel=channel)
    stack.settle()
    stack.user("alice").slash("close", channel=channel)
    stack.settle()
    assert seen.received() == [("trigger", 400), ("resolve", 400)]
    capsys.readouterr()
    assert operator() == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if "pagerduty.event" in line]
    trigger_id = min(int(row[0]) for row in rows)
    seen.refused.clear()
    assert operator("retry", str(trigger_id)) == 0
    stack.settle()
    assert seen.received() == [("trigger", 400), ("resolve", 400)]
    with stack.runtime.db.read() as session:
        trigger = admin.find(session=session, effect_id=trigger_id)
    assert trigger is not None
    assert (trigger.state, trigger.last_error) == ("done", "not sent: a later one that ends it was given up")


def test_incident_bot_worker_sends_a_pagerduty_event_no_web_process_sent(
    stack: Stack, pagerduty: tuple[PagerDuty, str], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web process's PagerDuty sender is stopped (a crash) when the home page is paged: bob
    gets his direct message, and nothing else sends the trigger (the Slack sender never claims
    it). `incident-bot worker --once` sends it: PagerDuty gets it, once."""
    seen, url = pagerduty
    stack.runtime.pagerduty_thread.stop()
    channel = stack.channel_of(1)
    stack.user("alice").slash("page home", channel=channel)
    wait_for(lambda: len(dm(stack, "bob")) == 1, timeout=30)
    wait_until_no_send_is_in_flight(stack)
    assert seen.received() == []
    monkeypatch.chdir(tmp_path)
    environ = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": stack.emulator.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": stack.emulator.api_url,
        "INCIDENT_TIMEZONE": "Asia/Kolkata",
        "INCIDENT_CATALOG": str(tmp_path / "catalog.toml"),
        "INCIDENT_PAGERDUTY_EVENTS_URL": url,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(["worker", "--once"]) == 0
    assert seen.received() == [("trigger", 202)]
