"""Stopping the long-running processes as a platform does (SIGTERM), started from the command lines
an operator runs (the Procfile's, the README's), at the moments that matter: while start-up waits
for Slack, and while a Slack call is in hand. Slack's answers are held by the emulator
(`SlackEmulator.hold`) until the test has seen what it needs, so nothing here depends on timing.

The standard way (`bot.lifecycle`): exit status 0, one line saying it stops, no traceback; a call in
hand is finished and recorded, nothing more is sent, and the rest is left pending for the next start.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from stopping import STOP_SECONDS
from test_e2e_gunicorn import PROCFILE, web_command
from test_e2e_socket_mode import START_SECONDS, bot_environment, procfile_socket_line

from bot.outbox.kinds.create_channel import CreateChannel
from bot.sandbox import SIGNING_SECRET
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from slack_emulator import ANNOUNCE, TEAM_ID, SlackEmulator
from tests.free_ports import free_port

STOPPING = "stopping (SIGTERM)"  # the one line a process writes as it begins to stop
GUNICORN_STOPPING = "stopping (gunicorn stopped this worker)"
CHANNEL = "inc-1-checkout-fails"


@dataclass
class Running:
    """A process started as an operator does, its combined output in `log`."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, what: str, found: Callable[[], bool], *, or_exit: bool = False) -> None:
        """Poll until `found()` (or, `or_exit`, until the process has exited); fail naming `what`
        (a bound for a failure only), with the output."""
        deadline = time.monotonic() + START_SECONDS
        while not found():
            if self.process.poll() is not None and or_exit:
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen (exit status {self.process.poll()}):\n{self.output()}")
            time.sleep(0.05)

    def stopped_with(self) -> int:
        """Its exit status, once it has stopped by itself (a bound for a failure only)."""
        try:
            return self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {STOP_SECONDS:g} s after SIGTERM:\n{self.output()}") from None


def operator_line(name: str, port: int) -> list[str]:
    """The command line for `name` as the Procfile (`worker`, the Socket Mode line) or the README
    (`incident-bot serve --port N`) gives it, run by this test's Python."""
    if name == "socket":
        return procfile_socket_line(port)
    if name == "worker":
        [line] = [line for line in PROCFILE.read_text().splitlines() if line.startswith("worker:")]
        arguments = shlex.split(line.removeprefix("worker:"))
    else:
        arguments = ["incident-bot", "serve", "--port", str(port)]
    assert arguments[:2] == ["incident-bot", name]
    return [sys.executable, "-m", "bot.cli", *arguments[1:]]


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator()
    emulator.add_bot_to(ANNOUNCE)
    emulator.connect_socket_mode()
    yield emulator
    emulator.close()  # answers whatever is still held


@pytest.fixture
def processes() -> Iterator[list[Running]]:
    """The processes a test started: killed at the end if a failure left one running."""
    started: list[Running] = []
    yield started
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
        running.process.wait(STOP_SECONDS)


def start(tmp_path: Path, command: list[str], env: dict[str, str], processes: list[Running]) -> Running:
    log = tmp_path / "process.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    processes.append(Running(process, log))
    return processes[-1]


def environment(emulator: SlackEmulator, database_url: str) -> dict[str, str]:
    return {**bot_environment(emulator, database_url), "SLACK_SIGNING_SECRET": SIGNING_SECRET}


def stopped_cleanly(running: Running, line: str = STOPPING) -> None:
    output = running.output()
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert output.count(line) == 1, output


@pytest.mark.parametrize("name", ["serve", "worker", "socket"])
def test_sigterm_while_start_up_waits_for_slack_stops_at_once_with_status_0_and_starts_nothing_more(
    name: str, tmp_path: Path, database_url: str, emulator: SlackEmulator, processes: list[Running]
) -> None:
    """Slack has not answered auth.test yet (slow, or down with connections hanging): a platform's
    SIGTERM stops the process without waiting for it, and start-up goes no further. Before, `serve`
    and `worker` died with a KeyboardInterrupt's traceback wherever start-up was, and `socket`
    waited for auth.test to time out, then went on starting (asking Slack again) before stopping."""
    asked = emulator.hold("auth.test")
    running = start(tmp_path, operator_line(name, free_port()), environment(emulator, database_url), processes)
    assert asked.wait_arrived(START_SECONDS), running.output()
    running.process.send_signal(signal.SIGTERM)
    assert running.stopped_with() == 0, running.output()
    assert asked.arrived == 1, "start-up went no further: Slack was asked nothing more"
    assert emulator.calls() == [], "and nothing was answered: the stop did not wait for Slack"
    stopped_cleanly(running)


def record_an_incident(database_url: str, actor: str) -> None:
    """INC-1 opened by a web process that is gone: its channel, card and lines wait in the outbox."""
    db = Database(database_url)
    try:
        db.upgrade()
        IncidentService(db, zone=ZoneInfo("Asia/Kolkata")).open(team_id=TEAM_ID, actor=actor, title="Checkout fails")
    finally:
        db.dispose()


def outbox(database_url: str) -> list[EffectRow]:
    db = Database(database_url)
    try:
        with db.read() as session:
            return list(session.exec(select(EffectRow).order_by(EffectRow.id)).all())  # type: ignore[arg-type]
    finally:
        db.dispose()


def only_the_call_in_hand_was_sent(database_url: str, emulator: SlackEmulator) -> None:
    """The channel's creation, in hand when the stop came, recorded done; everything it let go
    pending and claimed by nobody, for the next start to send at once."""
    rows = outbox(database_url)
    assert [row.state for row in rows if row.kind == CreateChannel.kind] == ["done"]
    rest = [row for row in rows if row.kind != CreateChannel.kind]
    assert rest and all(row.state == "pending" and row.claimed_until is None for row in rest), rows
    channel = emulator.channel_by_name(CHANNEL)
    assert channel is not None and emulator.messages(channel.id) == [], "nothing sent after the stop"


@pytest.mark.parametrize("name", ["worker", "serve"])
def test_sigterm_while_a_slack_call_is_in_hand_records_it_sends_nothing_more_and_the_next_start_sends_the_rest(
    name: str, tmp_path: Path, database_url: str, emulator: SlackEmulator, processes: list[Running]
) -> None:
    """Before, the worker's SIGTERM was a KeyboardInterrupt raised into the send in hand: the
    channel's creation was left claimed, to be sent again after its lease without knowing Slack
    had made it, and what a send in the pool let go was left claimed too."""
    record_an_incident(database_url, emulator.user("alice").id)
    creating = emulator.hold("conversations.create")
    env = environment(emulator, database_url)
    running = start(tmp_path, operator_line(name, free_port()), env, processes)
    assert creating.wait_arrived(START_SECONDS), running.output()
    running.process.send_signal(signal.SIGTERM)
    running.wait_for("the stop's line, the call still in hand", lambda: STOPPING in running.output(), or_exit=True)
    creating.release()
    assert running.stopped_with() == 0, running.output()
    only_the_call_in_hand_was_sent(database_url, emulator)
    stopped_cleanly(running)

    again = subprocess.run(  # the next start
        [sys.executable, "-m", "bot.cli", "worker", "--once"], env=env, cwd=tmp_path, capture_output=True, timeout=60
    )
    assert again.returncode == 0, again.stderr
    channel = emulator.channel_by_name(CHANNEL)
    assert channel is not None and [message.pinned for message in emulator.messages(channel.id)].count(True) == 1
    assert len(emulator.calls("conversations.create")) == 1, "the channel made once"


def test_the_procfile_web_line_stopped_while_a_slack_call_is_in_hand_records_it_and_sends_nothing_more(
    tmp_path: Path, database_url: str, emulator: SlackEmulator, processes: list[Running]
) -> None:
    """gunicorn owns the web process's signals: the master's SIGTERM stops each worker gracefully,
    and then its `worker_exit` hook stops our background threads. Before, none stopped them: the
    worker exited with the sender's call in hand, the effect left claimed."""
    port = free_port()
    running = start(tmp_path, web_command(port), environment(emulator, database_url), processes)
    url = f"http://127.0.0.1:{port}"
    running.wait_for("/healthz answering", lambda: healthy(url))
    emulator.connect_app(f"{url}/slack/events", SIGNING_SECRET)
    creating = emulator.hold("conversations.create")
    opened = emulator.as_user("alice").slash("open sev2 Checkout fails")
    assert opened.status == 200 and "Opened *INC-1*" in opened.json["text"], opened.error
    assert creating.wait_arrived(START_SECONDS), running.output()
    running.process.send_signal(signal.SIGTERM)
    stopping = lambda: GUNICORN_STOPPING in running.output()  # noqa: E731
    running.wait_for("the worker's stop, the call still in hand", stopping, or_exit=True)
    creating.release()
    assert running.stopped_with() == 0, running.output()
    only_the_call_in_hand_was_sent(database_url, emulator)
    stopped_cleanly(running, GUNICORN_STOPPING)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)
    except OSError:
        return False
