"""The token is checked with auth.test at start-up: refused → one line and exit; unreachable → start anyway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from e2e_stack import wait_for
from stopping import stop_and_read
from test_e2e_gunicorn import web_command

from bot.sandbox import SIGNING_SECRET
from slack_emulator import ANNOUNCE, SlackEmulator
from tests.free_ports import free_port


def environment(emulator: SlackEmulator, tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": emulator.app_token,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
    }


def refused_line(code: str) -> str:
    return (
        f"Slack refused SLACK_BOT_TOKEN ({code}): copy the app's current Bot User OAuth Token "
        "(api.slack.com/apps > OAuth & Permissions) into SLACK_BOT_TOKEN and start again"
    )


@pytest.mark.parametrize(
    ("command", "code"),
    [("serve", "invalid_auth"), ("socket", "token_revoked"), ("worker", "account_inactive")],
)
def test_a_refused_token_stops_the_bot_at_start_up_with_one_line_and_status_2(
    command: str, code: str, tmp_path: Path
) -> None:
    with SlackEmulator() as emulator:
        emulator.revoke_token(code)
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", command],
            env=environment(emulator, tmp_path),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert [call.method for call in emulator.calls()] == ["auth.test"], "nothing else was tried"
    assert result.returncode == 2
    assert result.stderr.splitlines() == [refused_line(code)]
    assert emulator.bot_token not in result.stderr + result.stdout


def test_a_worker_on_sqlite_warns_at_start_in_one_line_why_it_should_not_run(tmp_path: Path, database_url: str) -> None:
    """SQLite is for one process on one host: a worker beside the web process is useless there (the
    web process sends and reminds) and, where each process has its own disk, writes a database of
    its own. It still runs (one host, a fresh start after a crash); on PostgreSQL it says nothing."""
    with SlackEmulator() as emulator:
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "worker", "--once"],
            env=environment(emulator, tmp_path) | {"DATABASE_URL": database_url},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if " WARNING " in line]
    if database_url.startswith("sqlite"):
        [warning] = warnings
        assert "incident-bot worker is running on SQLite" in warning
        assert "SQLite is for one process on one host" in warning and "The web process already sends" in warning
        assert "Use PostgreSQL (DATABASE_URL) to run a worker." in warning
    else:
        assert warnings == []


def test_gunicorn_stops_instead_of_restarting_workers_when_the_token_is_refused(tmp_path: Path) -> None:
    with SlackEmulator() as emulator:
        emulator.revoke_token("token_revoked")
        result = subprocess.run(
            web_command(free_port()),
            env=environment(emulator, tmp_path),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 3  # gunicorn's "worker failed to boot": the master stops
    output = result.stdout + result.stderr
    assert output.count(refused_line("token_revoked")) == 1
    assert "Traceback" not in output


def test_the_bot_starts_while_slack_is_unreachable_and_works_once_it_is_back(tmp_path: Path) -> None:
    port = free_port()
    with SlackEmulator() as emulator:
        emulator.down(refuse_connections=True)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            env=environment(emulator, tmp_path),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            status, body = wait_for(lambda: _health(port), timeout=30)
            # serving, but not healthy: nothing it posts can go until Slack has accepted the token
            assert (status, body) == (
                503,
                {
                    "ok": False,
                    "slack": "unverified",
                    "error": "Slack has not accepted the token yet: Slack cannot be reached (ConnectionRefusedError)",
                },
            )
            emulator.up()
            emulator.connect_app(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
            answer = emulator.as_user("alice").slash("open sev2 Search is slow")
            assert answer.status == 200 and "Opened *INC-1*" in answer.json["text"]
            wait_for(lambda: emulator.channel_by_name("inc-1-search-is-slow"), timeout=30)
            assert _health(port) == (200, {"ok": True, "slack": "verified"})  # auth.test was asked again
        finally:
            _, errors = stop_and_read(process)
    assert "Slack cannot be reached (ConnectionRefusedError); starting anyway, Slack work waits" in errors


def _health(port: int) -> tuple[int, dict[str, object]] | None:
    """`/healthz`'s status and body; None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return int(answer.status), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())
    except OSError:
        time.sleep(0.05)
        return None
