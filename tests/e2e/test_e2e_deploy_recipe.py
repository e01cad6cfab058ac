"""The README's recipe for a platform with a Procfile and PostgreSQL, run as the platform runs it:
the settings the recipe sets and nothing else (the emulator's values in place of the
placeholders, and its address), a `postgres://` DATABASE_URL to a database never migrated, as an
add-on hands it over, a $PORT, the Procfile's `web` line; then the optional worker beside it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from stopping import stop_and_read
from test_e2e_gunicorn import web_command

from bot.sandbox import SIGNING_SECRET
from slack_emulator import ANNOUNCE, GENERAL, STATUS, SlackEmulator
from tests.free_ports import free_port

README = Path(__file__).parents[2] / "README.md"


def recipe_settings() -> dict[str, str]:
    """The VARIABLE=value pairs of the recipe's `config:set`, as the README writes them."""
    block = README.read_text().split("<!-- recipe: procfile and postgresql -->", 1)[1]
    commands = block.split("```sh\n", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    [config] = [line for line in commands.splitlines() if "config:set" in line]
    words = shlex.split(config, comments=True)
    return dict(word.split("=", 1) for word in words[words.index("config:set") + 1 :])


@pytest.fixture
def platform_database(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database nobody migrated, as `postgres://` (how Heroku and Render write it)."""
    server = make_url(postgres_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"incident_bot_recipe_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    yield re.sub(r"^postgresql(\+\w+)?://", "postgres://", url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def healthz(url: str) -> tuple[int, dict[str, object]] | None:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310 - loopback
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())
    except OSError:
        return None


@pytest.mark.postgres
def test_the_readme_s_procfile_and_postgresql_recipe_runs(tmp_path: Path, platform_database: str) -> None:
    settings = recipe_settings()
    assert set(settings) == {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "INCIDENT_TIMEZONE",
        "INCIDENT_PUBLIC_NAME",
        "INCIDENT_ANNOUNCE_CHANNEL",
        "INCIDENT_STATUS_CHANNEL",
    }
    with SlackEmulator() as emulator:
        emulator.add_bot_to(ANNOUNCE)
        port = free_port()
        given = settings | {
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
            "INCIDENT_STATUS_CHANNEL": STATUS,
        }
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
            **given,
            "SLACK_API_URL": emulator.api_url,  # the only addition: this Slack is the emulator
            "DATABASE_URL": platform_database,  # what the add-on sets
            "PORT": str(port),
        }
        web = subprocess.Popen(
            web_command(port), env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while (answer := healthz(url)) is None or answer[0] != 200:
                assert time.monotonic() < deadline and web.poll() is None, f"/healthz never 200: {answer}"
                time.sleep(0.2)
            assert answer == (200, {"ok": True, "slack": "verified"})
            emulator.connect_app(f"{url}/slack/events", SIGNING_SECRET)
            opened = emulator.as_user("alice").slash("open sev1 Checkout fails", channel=GENERAL)
            assert opened.status == 200 and "Opened *INC-1*" in opened.json["text"]
            deadline = time.monotonic() + 30
            while emulator.channel_by_name("inc-1-checkout-fails") is None:  # sent by the web process alone
                assert time.monotonic() < deadline, "the web process sent the incident's channel"
                time.sleep(0.1)
            worker = subprocess.run(
                [sys.executable, "-m", "bot.cli", "worker", "--once"],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert worker.returncode == 0, worker.stderr
            assert " WARNING " not in worker.stderr, "the optional worker on PostgreSQL: nothing to warn about"
        finally:
            output = stop_and_read(web)[0].decode()
        assert "Traceback" not in output, output
