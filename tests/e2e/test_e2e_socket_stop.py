"""`incident-bot socket` keeps a stop's word (README, Stopping): on SIGTERM or Ctrl-C it answers
the envelopes in hand, queued ones included, and those Slack sends meanwhile (their work done,
their acks sent over the connection) and only then closes Slack's connection and the background
threads, all by the stop's one deadline (`bot.background.Deadline`, 10 s); an envelope still in
hand then is not waited for.

Through the emulator's Socket Mode: an envelope is held in hand by holding the Slack call its
handling makes (`users.info`, for someone the bot never heard of; its 1 s timeout made as long as
the test's bound, and the emulator waits as long for the ack, as the held call stands for a slow
step). Nothing depends on timing: the stop's clock is the test's, and the waits are bounds for a
failure only; on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select
from test_e2e_stop_deadline import Recorded  # what happened, in order, across the envelope's thread and the stop's

from bot import background, members
from bot.lifecycle import Starting, Stop, run_until_stopped
from bot.sandbox import Sandbox, sandbox_settings
from bot.slack import socket_envelopes
from bot.socket_mode import SocketConnection, run_socket, socket_connection
from bot.storage.db import Database
from bot.storage.tables import IncidentRow
from slack_emulator import ANNOUNCE, SlackEmulator
from slack_emulator.app_connection import AppResponse

WAIT = 30.0  # seconds: only a failure waits this long


def incidents(db: Database) -> list[str]:
    with db.read() as session:
        return [row.title for row in session.exec(select(IncidentRow)).all()]


def acks(emulator: SlackEmulator) -> int:
    return sum(1 for message in emulator.socket_mode.received() if "envelope_id" in message)


def asked(emulator: SlackEmulator, who: str, text: str) -> tuple[threading.Thread, list[AppResponse]]:
    """`who` types `/incident text`, in a thread of its own: the answer (its ack) comes once it is handled."""
    answers: list[AppResponse] = []
    person = emulator.as_user(who)
    asking = threading.Thread(target=lambda: answers.append(person.slash(text)))
    asking.start()
    return asking, answers


@pytest.fixture
def held_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """users.info on the request path waits as long as the test's bound, not 1 s: held, it keeps
    the envelope in hand until the test releases it (set before the runtime is built)."""
    monkeypatch.setattr(members, "LOOKUP_TIMEOUT_SECONDS", WAIT)


@pytest.mark.usefixtures("held_lookup")
def test_a_stop_answers_the_envelope_in_hand_and_records_its_work_before_the_process_ends(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """`incident-bot socket` (`run_socket`): carol, whom the bot never heard of, opens an incident,
    and while the bot asks Slack who she is, SIGTERM comes. Before, the stop closed the connection
    at once: her command was handled once Slack answered, its ack had no connection left to go
    over, and Slack told her the command failed (an event would have been sent again, to be
    handled twice). Now the connection stays open until her command is answered, then the
    process's stop ends, status 0."""
    caplog.set_level(logging.INFO, logger="bot")
    emulator = SlackEmulator()
    emulator.add_bot_to(ANNOUNCE)
    emulator.connect_socket_mode(ack_timeout=WAIT)
    settings = sandbox_settings(emulator, database_url, {"SLACK_APP_TOKEN": emulator.app_token})
    stop, statuses = Stop(), []
    running = threading.Thread(
        target=lambda: statuses.append(run_socket(settings, stop, status_host="127.0.0.1", status_port=None))
    )
    running.start()
    try:
        assert emulator.socket_mode.wait_connected(WAIT)
        emulator.add_user("carol")  # joined while no event reached the bot: it asks Slack who she is
        looking_up = emulator.hold("users.info")
        asking, answers = asked(emulator, "carol", "open sev2 Checkout fails")
        assert looking_up.wait_arrived(WAIT), "her command is in hand"
        stop.signal = "SIGTERM"
        stop.set()
        # the stop goes as far as it goes without her command (it waits for it; before, it closed
        # the connection); only then does Slack answer
        assert wait_for(
            lambda: "Slack envelopes in hand (1)" in caplog.text or emulator.socket_mode.connection_count == 0
        )
        looking_up.release()
        running.join(WAIT)
        assert not running.is_alive() and statuses == [0]
        asking.join(WAIT)
        [answer] = answers
        assert answer.status == 200 and "Opened *INC-1*" in answer.json["text"], answer.error
        assert emulator.socket_mode.wait_disconnected(timeout=WAIT), "closed once it was answered"
        db = Database(database_url)
        try:
            assert incidents(db) == ["Checkout fails"]
        finally:
            db.dispose()
    finally:
        stop.set()
        running.join(WAIT)
        emulator.close()


def socket_start(stack: Sandbox, stop: Stop, made: list[SocketConnection]) -> Callable[[Starting], None]:
    """`incident-bot socket`'s Socket Mode start-up step, with the stack's runtime (already started)."""

    def start(starting: Starting) -> None:
        starting.runtime = stack.runtime
        made.append(socket_connection(stack.runtime, stack.emulator.app_token, stop))
        starting.step(made[0].start, close=made[0].close)

    return start


@pytest.mark.usefixtures("held_lookup")
def test_the_stop_answers_the_envelope_in_hand_and_what_comes_meanwhile_then_closes_the_connection_and_threads(
    make_stack: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stop's order: carol's command in hand; alice's, which Slack sends over the connection
    while the stop waits for carol's, is answered too (Slack hands a command to one of the app's
    open connections: refused, it would fail for her even with another process connected);
    carol's is answered and acknowledged, then Slack's connection is closed and the background
    threads stopped, status 0."""
    stack = make_stack()
    emulator, recorded, stop, made = stack.emulator, Recorded(), Stop(), []
    emulator.connect_socket_mode(ack_timeout=WAIT)
    emulator.add_user("carol")
    looking_up = emulator.hold("users.info")
    stop_runtime = stack.runtime.stop

    def stop_threads(*deadline: Any) -> None:
        connected = emulator.socket_mode.connection_count
        recorded.add(f"threads stopped ({acks(emulator)} acks, {connected} connection)")
        stop_runtime(*deadline)

    monkeypatch.setattr(stack.runtime, "stop", stop_threads)
    running = threading.Thread(
        target=lambda: recorded.add(f"status {run_until_stopped(stop, socket_start(stack, stop, made))}")
    )
    running.start()
    assert emulator.socket_mode.wait_connected(WAIT)
    envelopes = made[0].envelopes
    waiting = envelopes.wait
    meanwhile: list[tuple[threading.Thread, list[AppResponse]]] = []

    def wait(timeout: float) -> bool:  # the stop waits for the envelope in hand
        recorded.add(f"waiting for {envelopes.count}")
        meanwhile.append(asked(emulator, "alice", "open sev1 Search is down"))
        assert wait_for(lambda: bool(meanwhile[0][1])), "alice's answered while the stop waits"
        looking_up.release()  # then Slack answers the call carol's command waits for
        return waiting(timeout)

    monkeypatch.setattr(envelopes, "wait", wait)
    asking, answers = asked(emulator, "carol", "open sev2 Checkout fails")
    assert looking_up.wait_arrived(WAIT), "her command is in hand"
    stop.signal = "SIGTERM"
    stop.set()
    running.join(WAIT)
    asking.join(WAIT)
    [answer] = answers
    assert answer.status == 200 and "Opened *INC-2*" in answer.json["text"], answer.error
    assert recorded.events == ["waiting for 1", "threads stopped (2 acks, 0 connection)", "status 0"]
    [(asking_meanwhile, answers_meanwhile)] = meanwhile
    asking_meanwhile.join(WAIT)
    [alices] = answers_meanwhile
    assert alices.status == 200 and "Opened *INC-1*" in alices.json["text"], alices.error
    assert sorted(incidents(stack.runtime.db)) == ["Checkout fails", "Search is down"]


@pytest.mark.usefixtures("held_lookup")
def test_a_stop_answers_an_envelope_queued_behind_a_busy_worker_before_it_began(
    make_stack: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every worker busy (here the only one, with carol's command in hand), alice's command came
    before the stop and waits in the workers' queue: it is in hand too. Before, only an envelope a
    worker had begun counted, so the stop took hers for one sent after it began and dropped it
    unacknowledged (her command failed). Now both are answered before the connection closes."""
    monkeypatch.setattr(socket_envelopes, "ENVELOPE_THREADS", 1)
    stack = make_stack()
    emulator, stop, made, statuses = stack.emulator, Stop(), [], []
    emulator.connect_socket_mode(ack_timeout=WAIT)
    emulator.add_user("carol")
    looking_up = emulator.hold("users.info")
    running = threading.Thread(target=lambda: statuses.append(run_until_stopped(stop, socket_start(stack, stop, made))))
    running.start()
    assert emulator.socket_mode.wait_connected(WAIT)
    asking, answers = asked(emulator, "carol", "open sev2 Checkout fails")
    assert looking_up.wait_arrived(WAIT), "her command is in hand"
    queued, queued_answers = asked(emulator, "alice", "open sev1 Search is down")
    assert wait_for(lambda: made[0].envelopes.count == 2), "alice's is queued behind carol's, in hand"
    stop.signal = "SIGTERM"
    stop.set()
    looking_up.release()
    running.join(WAIT)
    assert not running.is_alive() and statuses == [0]
    asking.join(WAIT)
    queued.join(WAIT)
    [answer], [alices] = answers, queued_answers
    assert answer.status == 200 and "Opened *INC-1*" in answer.json["text"], answer.error
    assert alices.status == 200 and "Opened *INC-2*" in alices.json["text"], alices.error
    assert sorted(incidents(stack.runtime.db)) == ["Checkout fails", "Search is down"]


def wait_for(happened: Callable[[], bool]) -> bool:
    """Whether `happened()` came true within WAIT (a bound for a failure only)."""
    deadline = time.monotonic() + WAIT
    while not happened():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class JumpingClock:
    """The stop's monotonic clock: its deadline is set at the first reading, and every later
    reading is `STOP_SECONDS` on, as if the envelope had kept the stop waiting that long."""

    def __init__(self) -> None:
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        return 1000.0 if self.readings == 1 else 1000.0 + background.STOP_SECONDS


@pytest.mark.usefixtures("held_lookup")
def test_a_stop_whose_envelope_never_finishes_ends_by_its_deadline_with_status_0(
    make_stack: Callable[..., Sandbox], caplog: pytest.LogCaptureFixture
) -> None:
    """Slack never answers the call the envelope in hand waits for: the stop waits for it until its
    deadline and no longer, says so, closes the connection (the envelope is never acknowledged)
    and stops the threads, status 0."""
    stack = make_stack()
    emulator, stop, made, statuses = stack.emulator, Stop(), [], []
    emulator.connect_socket_mode(ack_timeout=WAIT)
    emulator.add_user("carol")
    looking_up = emulator.hold("users.info")
    start = socket_start(stack, stop, made)
    running = threading.Thread(target=lambda: statuses.append(run_until_stopped(stop, start, monotonic=JumpingClock())))
    running.start()
    assert emulator.socket_mode.wait_connected(WAIT)
    asking, answers = asked(emulator, "carol", "open sev2 Checkout fails")
    assert looking_up.wait_arrived(WAIT), "her command is in hand"
    stop.signal = "SIGTERM"
    stop.set()
    running.join(WAIT)
    assert not running.is_alive() and statuses == [0], "the stop ended by its deadline, the envelope in hand"
    assert "1 Slack envelope(s) still in hand at the stop's deadline: not waiting for them" in caplog.text
    asking.join(WAIT)
    [answer] = answers
    assert answer.status == 0 and "the connection closed" in str(answer.error), "never acknowledged"
    looking_up.release()  # in a process that exited, the envelope ends with it; here it ends now
    assert made[0].envelopes.wait(WAIT)
    stack.runtime.db.dispose()  # what it wrote after the stop's own dispose, before the next test
