"""`incident-bot socket`, the real command in its own process, reached by Socket Mode only.

The emulator is switched to Socket Mode before the bot starts: the bot opens its WebSocket with
`apps.connections.open` and its app-level token, and every command, click and event reaches it
as an envelope on that socket (no request URL exists). Its Slack work still goes over the Web API.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from e2e_stack import shown
from test_e2e_gunicorn import PROCFILE

from slack_emulator import ANNOUNCE, BOT_USER_ID, SlackEmulator
from slack_emulator.records import Channel, Message
from tests.free_ports import free_port

SOCKET_COMMAND = [sys.executable, "-m", "bot.cli", "socket"]
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
START_SECONDS = 20.0
SETTLE_SECONDS = 10.0
STOP_SECONDS = 30.0  # a bound for a failure only: the process stops within a few seconds

T = TypeVar("T")


@dataclass
class SocketBot:
    """`incident-bot socket` running against the emulator, with its combined output in `log`."""

    emulator: SlackEmulator
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, what: str, found: Callable[[], T | None], timeout: float = SETTLE_SECONDS) -> T:
        """Poll until `found()` gives something; fail naming `what`, with the bot's output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = found()
            if result is not None and result is not False:
                return result
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{what} did not happen (exit status {self.process.poll()}):\n{self.output()}")


def bot_environment(emulator: SlackEmulator, database_url: str) -> dict[str, str]:
    """The process environment: only the emulator's Slack, no proxy (the WebSocket is on loopback)."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "INCIDENT_", "DATABASE_")) and name not in PROXY_VARIABLES
    }
    return {
        **kept,
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_APP_TOKEN": emulator.app_token,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
        "INCIDENT_TIMEZONE": "Asia/Kolkata",
    }


def start_socket_bot(
    tmp_path: Path, database_url: str, emulator: SlackEmulator, command: list[str] = SOCKET_COMMAND, **env: str
) -> SocketBot:
    """`incident-bot socket` (or `command`) started against `emulator`, `env` added to its environment."""
    log = tmp_path / "incident-bot-socket.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env={**bot_environment(emulator, database_url), **env},
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return SocketBot(emulator, process, log)


def end(bot: SocketBot) -> None:
    """Kill the process if it still runs (a test failed), and close the emulator."""
    if bot.process.poll() is None:
        bot.process.kill()
    bot.process.wait(timeout=STOP_SECONDS)
    bot.emulator.close()


@pytest.fixture
def socket_bot(tmp_path: Path, database_url: str) -> Iterator[SocketBot]:
    """Start `incident-bot socket` and wait for its connection; it is killed at the end if still running."""
    emulator = SlackEmulator()
    emulator.add_bot_to(ANNOUNCE)
    emulator.connect_socket_mode()
    bot = start_socket_bot(tmp_path, database_url, emulator)
    try:
        bot.wait_for("the Socket Mode connection", lambda: emulator.socket_mode.wait_connected(0.1), START_SECONDS)
        yield bot
    finally:
        end(bot)


def incident_channel(emulator: SlackEmulator, name: str) -> tuple[Channel, Message] | None:
    """The channel called `name` and its pinned card, once both exist."""
    channel = emulator.channel_by_name(name)
    if channel is None:
        return None
    pinned = [message for message in emulator.messages(channel.id) if message.pinned]
    return (channel, pinned[0]) if pinned else None


def bot_line(emulator: SlackEmulator, channel: str, text: str) -> str | None:
    """The first line the bot posted in `channel` that contains `text`."""
    return next((shown(m) for m in emulator.messages(channel) if m.user == BOT_USER_ID and text in shown(m)), None)


def test_incident_bot_socket_answers_commands_clicks_and_events_over_socket_mode_then_stops_on_ctrl_c(
    socket_bot: SocketBot,
) -> None:
    emulator, alice = socket_bot.emulator, socket_bot.emulator.as_user("alice")
    assert [call.ok for call in emulator.calls("apps.connections.open")] == [True]

    opened = alice.slash("open sev1 Checkout fails")
    assert opened.status == 200 and opened.acked_in_time, opened.error
    assert "Opened *INC-1*" in opened.json["text"]
    channel, card = socket_bot.wait_for(
        "#inc-1-checkout-fails with its pinned card", lambda: incident_channel(emulator, "inc-1-checkout-fails")
    )
    assert "INC-1: Checkout fails" in str(card.blocks)

    clicked = alice.click(channel.id, card.ts, "incident.status.identified")
    assert clicked.status == 200 and clicked.acked_in_time, clicked.error
    line = socket_bot.wait_for(
        "the status change's timeline line", lambda: bot_line(emulator, channel.id, "set the status to *identified*")
    )
    assert "*alice*" in line and "IST`" in line, "who, and the time in INCIDENT_TIMEZONE"

    ts = alice.post_message(channel.id, "rolled back deploy 4411")
    reacted = alice.react(channel.id, ts, "pushpin")
    assert reacted is not None and reacted.status == 200 and reacted.acked_in_time, reacted and reacted.error
    socket_bot.wait_for(
        "the :pushpin:ed message's copy to the timeline",
        lambda: any(r.name == "white_check_mark" for r in emulator.message(channel.id, ts).reactions),
    )

    refused = alice.slash("note checked the logs --at 25:99", channel=channel.id)
    assert refused.status == 200 and refused.acked_in_time, refused.error
    assert refused.json["text"].startswith(":warning:") and "25:99 is not a time of day" in refused.json["text"]
    assert any("25:99 is not a time of day" in e.text for e in emulator.ephemerals(channel.id, "alice"))

    acks = [message for message in emulator.socket_mode.received() if "envelope_id" in message]
    assert len(acks) == 4, "one ack per envelope: two commands, a click and an event"
    assert emulator.internal_errors == []

    socket_bot.process.send_signal(signal.SIGTERM)  # how platforms stop a process
    assert socket_bot.process.wait(timeout=STOP_SECONDS) == 0
    assert emulator.socket_mode.wait_disconnected(timeout=5)


def procfile_socket_line(port: int) -> list[str]:
    """The Procfile's commented Socket Mode line (`# web: incident-bot socket ...`), as a platform
    runs it once uncommented: `$PORT` given."""
    [line] = [line for line in PROCFILE.read_text().splitlines() if line.startswith("# web: incident-bot socket")]
    arguments = shlex.split(line.removeprefix("# web:").replace("$PORT", str(port)))
    assert arguments[:2] == ["incident-bot", "socket"]
    return [*SOCKET_COMMAND, *arguments[2:]]


def test_the_procfile_s_socket_mode_line_serves_the_public_status_page_on_port(
    tmp_path: Path, database_url: str
) -> None:
    """Socket Mode has no web process: the Procfile's line serves the page and feeds on $PORT, and
    only them."""
    import urllib.error
    import urllib.request

    emulator = SlackEmulator()
    emulator.connect_socket_mode()
    port = free_port()
    bot = start_socket_bot(tmp_path, database_url, emulator, procfile_socket_line(port), INCIDENT_LANGUAGES="en,fr")
    try:
        # the page starts before the Socket Mode connection: once connected, the line is in the log
        bot.wait_for("the Socket Mode connection", lambda: emulator.socket_mode.wait_connected(0.1), START_SECONDS)
        bot.wait_for("the status page line", lambda: f"status page on http://0.0.0.0:{port}/status" in bot.output())
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/status?lang=fr", timeout=5) as answer:  # noqa: S310 - loopback
            assert answer.status == 200 and "Tous les services fonctionnent" in answer.read().decode()
        with urllib.request.urlopen(f"{base}/api/v2/status.json", timeout=5) as answer:  # noqa: S310 - loopback
            assert b'"indicator":"none"' in answer.read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/slack/events", timeout=5)  # noqa: S310 - loopback
        assert refused.value.code == 404
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(timeout=STOP_SECONDS) == 0, bot.output()
    finally:
        end(bot)


def test_sigterm_while_it_is_still_starting_and_connecting_stops_it_with_status_0(
    tmp_path: Path, database_url: str
) -> None:
    """Slack takes 5 s to open the Socket Mode connection: a SIGTERM before then (here as soon as
    auth.test was answered: still starting, or connecting) stops the process cleanly."""
    emulator = SlackEmulator()
    emulator.connect_socket_mode()
    emulator.set_latency(5.0, "apps.connections.open")
    bot = start_socket_bot(tmp_path, database_url, emulator)
    try:
        bot.wait_for("auth.test", lambda: bool(emulator.calls("auth.test")), START_SECONDS)
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(timeout=STOP_SECONDS) == 0, bot.output()
        assert "Traceback" not in bot.output()
        assert not emulator.socket_mode.wait_connected(0.1)
    finally:
        end(bot)


def refused_connections(emulator: SlackEmulator) -> int:
    return sum(1 for call in emulator.calls("apps.connections.open") if not call.ok)


def test_while_slack_is_down_it_keeps_trying_to_connect_and_sigterm_stops_it_with_status_0(
    tmp_path: Path, database_url: str
) -> None:
    emulator = SlackEmulator()
    emulator.connect_socket_mode()
    emulator.down()  # 503 for every call, from the start
    bot = start_socket_bot(tmp_path, database_url, emulator)
    try:
        bot.wait_for("a second try at connecting", lambda: refused_connections(emulator) >= 2, START_SECONDS)
        assert bot.process.poll() is None  # still running: incidents must open once Slack is back
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(timeout=STOP_SECONDS) == 0, bot.output()
        assert "Traceback" not in bot.output()
    finally:
        end(bot)


def test_once_slack_is_back_it_connects_and_answers_commands(tmp_path: Path, database_url: str) -> None:
    emulator = SlackEmulator()
    emulator.add_bot_to(ANNOUNCE)
    emulator.connect_socket_mode()
    emulator.down()
    bot = start_socket_bot(tmp_path, database_url, emulator)
    try:
        bot.wait_for("a try at connecting", lambda: refused_connections(emulator) >= 1, START_SECONDS)
        emulator.up()
        bot.wait_for("the Socket Mode connection", lambda: emulator.socket_mode.wait_connected(0.1), START_SECONDS)
        opened = emulator.as_user("alice").slash("open sev2 Checkout is slow")
        assert opened.status == 200 and "Opened *INC-1*" in opened.json["text"], opened.error
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(timeout=STOP_SECONDS) == 0, bot.output()
        assert emulator.socket_mode.wait_disconnected(timeout=5)
    finally:
        end(bot)


def test_an_app_token_slack_refuses_stops_it_with_one_line_and_status_2(tmp_path: Path, database_url: str) -> None:
    emulator = SlackEmulator()
    emulator.connect_socket_mode()
    bot = start_socket_bot(tmp_path, database_url, emulator, SLACK_APP_TOKEN="xapp-1-A0-0-not-the-app-s-token")
    try:
        assert bot.process.wait(timeout=START_SECONDS + STOP_SECONDS) == 2, bot.output()
        assert "Slack refused SLACK_APP_TOKEN (invalid_auth): check it" in bot.output()
        assert "Traceback" not in bot.output()
        assert len(emulator.calls("apps.connections.open")) == 1  # not tried again
    finally:
        end(bot)
