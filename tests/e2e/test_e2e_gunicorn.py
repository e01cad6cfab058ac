"""The production path: the Procfile's `web` line (gunicorn, gthread, Bolt's WSGI adapter)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_stack import metrics_at
from stopping import stop

from bot.sandbox import SIGNING_SECRET
from slack_emulator import ANNOUNCE, SlackEmulator
from tests.free_ports import free_port

PROCFILE = Path(__file__).parent.parent.parent / "Procfile"


def web_command(port: int, *, workers: int = 1, process: str = "web") -> list[str]:
    """The Procfile's `process` line (`web`, `status`) as a platform runs it."""
    line = next(line for line in PROCFILE.read_text().splitlines() if line.startswith(f"{process}:"))
    expanded = line.removeprefix(f"{process}:").replace("$PORT", str(port))
    expanded = expanded.replace("${WEB_CONCURRENCY:-1}", str(workers)).replace("${WEB_THREADS:-8}", "8")
    arguments = shlex.split(expanded)
    assert arguments[0] == "gunicorn"
    return [sys.executable, "-m", "gunicorn", *arguments[1:]]


@pytest.fixture
def gunicorn_app(tmp_path: Path, database_url: str) -> Iterator[tuple[SlackEmulator, str]]:
    yield from run_web(tmp_path, database_url, workers=1)


def run_web(tmp_path: Path, database_url: str, *, workers: int, **more_env: str) -> Iterator[tuple[SlackEmulator, str]]:
    """The Procfile's web process with `workers` gunicorn workers, connected to a fresh emulator."""
    emulator = SlackEmulator()
    emulator.add_bot_to(ANNOUNCE)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
        "INCIDENT_TIMEZONE": "Asia/Kolkata",
        **more_env,
    }
    process = subprocess.Popen(
        web_command(port, workers=workers), env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise AssertionError(process.communicate()[0].decode())
    emulator.connect_app(f"{url}/slack/events", SIGNING_SECRET)
    try:
        yield emulator, url
    finally:  # also when the caller closes the generator early
        stop(process)
        emulator.close()


def wait_for_channel(emulator: SlackEmulator, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        channel = emulator.channel_by_name(name)
        if channel is not None and any(m.pinned for m in emulator.messages(channel.id)):
            return
        time.sleep(0.1)
    raise AssertionError(f"#{name} with its pinned card did not appear")


def test_the_procfile_web_process_serves_commands_and_sends_slack_work_after_the_ack(
    gunicorn_app: tuple[SlackEmulator, str],
) -> None:
    emulator, _ = gunicorn_app
    answer = emulator.as_user("alice").slash("open sev1 Checkout fails")
    assert answer.status == 200 and "Opened *INC-1*" in answer.json["text"]
    wait_for_channel(emulator, "inc-1-checkout-fails", timeout=15)


def test_under_gunicorn_the_ack_stays_under_3_seconds_while_slack_takes_4_per_call(
    gunicorn_app: tuple[SlackEmulator, str],
) -> None:
    emulator, _ = gunicorn_app
    emulator.as_user("alice").slash("list all")
    emulator.set_latency(4.0)
    answers = [emulator.as_user("alice").slash(f"open sev2 Outage number {n}") for n in range(3)]
    assert all(answer.status == 200 for answer in answers)
    assert max(answer.elapsed for answer in answers) < 3.0
    emulator.set_latency(0.0)
    wait_for_channel(emulator, "inc-3-outage-number-2", timeout=90)


def test_with_two_gunicorn_workers_every_scrape_counts_the_acks_of_both(tmp_path: Path, database_url: str) -> None:
    metric_files = tmp_path / "metrics"
    running = run_web(tmp_path, database_url, workers=2, PROMETHEUS_MULTIPROC_DIR=str(metric_files))
    emulator, url = next(running)
    try:
        sent = 0
        while len(list(metric_files.glob("histogram_*.db"))) < 2:  # until both workers timed an ack
            assert sent < 500, "the second worker never took a request"
            assert emulator.as_user("alice").slash(f"note INC-404 note {sent}").status == 200
            sent += 1
        refused = (("command", "note"), ("outcome", "refused"))
        # Whichever worker answers the scrape, it reports the acks of both.
        assert sent > 1 and {metrics_at(url)[("incident_bot_acks_total", refused)] for _ in range(6)} == {float(sent)}
    finally:
        running.close()
