"""`incident-bot serve`: the same app on a local threaded server, started as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from stopping import stop

from bot.sandbox import SIGNING_SECRET
from slack_emulator import SlackEmulator
from tests.free_ports import free_port


def test_incident_bot_serve_answers_health_checks_and_signed_commands(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    with SlackEmulator() as emulator:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": database_url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as health:
                        assert health.status == 200
                        break
                except OSError:
                    assert time.monotonic() < deadline, "serve did not come up"
                    time.sleep(0.1)
            emulator.connect_app(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
            answer = emulator.as_user("alice").slash("open sev2 Search is slow")
            assert answer.status == 200 and "Opened *INC-1*" in answer.json["text"]
            deadline = time.monotonic() + 15
            while emulator.channel_by_name("inc-1-search-is-slow") is None:
                assert time.monotonic() < deadline, "the channel was not created"
                time.sleep(0.1)
        finally:
            stop(process)


def test_incident_bot_serve_on_a_port_already_taken_stops_with_one_line_and_status_2(
    tmp_path: Path, database_url: str
) -> None:
    """It ended with a traceback from socketserver and status 1."""
    import socket

    with SlackEmulator() as emulator, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": database_url,
        }
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    said = [line for line in result.stderr.splitlines() if " INFO " not in line and " WARNING " not in line]
    assert said == [f"incident-bot cannot start: cannot listen on 127.0.0.1:{port} (Address already in use)"]
