"""The Procfile's `status:` process, started as an operator starts it (no Slack token, from a folder
of its own), serving what the web process stores; and every way its settings can be wrong
(docs/behaviour.md, Status page). Both backends."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from as_operator import clean_environment
from e2e_stack import KOLKATA, Stack
from status_site import fetch, publish, unfollowed
from stopping import stop
from test_e2e_gunicorn import web_command

from bot.sandbox import ManualClock
from bot.storage.db import Database
from tests.free_ports import free_port

PREFIX = "incident-bot cannot start: "
PAGE_SETTINGS = {"INCIDENT_TIMEZONE": "Asia/Kolkata", "INCIDENT_PUBLIC_NAME": "Chirper", "INCIDENT_LANGUAGES": "en,fr"}


@contextmanager
def status_process(folder: Path, **settings: str) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """The Procfile's status line, its environment `settings` only (no Slack), output in a file."""
    port = free_port()
    log = folder / "status.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            web_command(port, process="status"),
            env=clean_environment(**settings),
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield f"http://127.0.0.1:{port}", process, log
        finally:
            stop(process)


def healthy(url: str, process: subprocess.Popen[bytes], log: Path, *, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310 - loopback
                assert answer.status == 200 and json.loads(answer.read()) == {"ok": True}
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(log.read_text())


@pytest.fixture
def web(make_stack: Callable[..., Stack]) -> tuple[Stack, ManualClock]:
    """The web process (the sandbox), with one English update of INC-1 published at 21:47 IST."""
    clock = ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))
    stack = make_stack(clock=clock, settings={"INCIDENT_STATUS_PAGE": "separate"})
    stack.user("alice").slash("open sev1 db-7 primary is down")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("public-title Home page errors", channel=channel)
    clock.set(datetime(2022, 2, 17, 21, 47, tzinfo=KOLKATA))
    stack.user("alice").slash("draft en long", channel=channel)
    stack.settle()
    publish(stack, channel, "English · long", text="Some of you cannot load the home page.")
    return stack, clock


def test_the_status_process_serves_the_page_feeds_and_api_from_the_web_processs_database_without_a_token(
    web: tuple[Stack, ManualClock], database_url: str, tmp_path: Path
) -> None:
    stack, clock = web
    assert fetch(stack.url, "/status").status == 404, "INCIDENT_STATUS_PAGE=separate: the web process leaves it"
    assert fetch(stack.url, "/healthz").status == 200
    with status_process(tmp_path, DATABASE_URL=database_url, **PAGE_SETTINGS) as (url, process, log):
        healthy(url, process, log)
        page = fetch(url, "/status", Accept_Language="fr")
        assert page.status == 200 and '<html lang="fr">' in page.text
        assert "Home page errors" in page.text and "Some of you cannot load the home page." in page.text
        assert "db-7" not in page.text
        assert page.headers["Cache-Control"] == "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"
        assert unfollowed(url, "/status/") == (301, "/status"), "the page written with a trailing slash moves"
        for path in ("/status/history.atom", "/status/history.rss", "/api/v2/summary.json",
                     "/api/v2/status.json", "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"):  # fmt: skip
            assert fetch(url, path).status == 200, path
        (incident,) = json.loads(fetch(url, "/api/v2/incidents/unresolved.json").body)["incidents"]
        assert (incident["name"], incident["impact"]) == ("Home page errors", "critical")
        for path, method in (("/slack/events", "POST"), ("/metrics", "GET"), ("/", "GET")):
            assert fetch(url, path, method=method).status == 404, f"{method} {path}: only the public routes"
        clock.set(datetime(2022, 2, 17, 22, 6, tzinfo=KOLKATA))
        stack.user("bob").slash("status identified bad configuration push", channel=stack.channel_of(1))
        stack.user("bob").slash("draft en short", channel=stack.channel_of(1))
        stack.settle()
        publish(stack, stack.channel_of(1), "English · short", who="bob")
        summary = json.loads(fetch(url, "/api/v2/summary.json").body)
        assert summary["incidents"][0]["status"] == "identified", "published in the web process: shown at once"
    assert "Traceback" not in log.read_text() and "WARNING" not in log.read_text(), log.read_text()


def test_started_with_the_web_process_it_waits_for_it_to_create_the_database(tmp_path: Path) -> None:
    """`honcho start` starts both at once on the default SQLite file: the status process waits for
    the web process to create and migrate it rather than stop (or make an empty one)."""
    with status_process(tmp_path, **PAGE_SETTINGS) as (url, process, log):
        time.sleep(1.5)
        assert process.poll() is None, log.read_text()
        assert not (tmp_path / "incidents.db").exists(), "the status process creates nothing"
        Database(f"sqlite:///{tmp_path / 'incidents.db'}").upgrade()  # what the web process does at start
        healthy(url, process, log)
        assert "All systems operational" in fetch(url, "/status").text


@pytest.mark.parametrize(
    ("settings", "lines"),
    [
        (
            {"INCIDENT_TIMEZONE": "Mars/Olympus", "INCIDENT_STATUS_URL": "status.example.com"},
            [
                "INCIDENT_TIMEZONE='Mars/Olympus' is not an IANA time zone; e.g. INCIDENT_TIMEZONE=Asia/Kolkata",
                "INCIDENT_STATUS_URL='status.example.com' is not an http(s) address; "
                "e.g. INCIDENT_STATUS_URL=https://status.example.com/status",
            ],
        ),
        (
            {"DATABASE_URL": "postgresql://postgres@127.0.0.1:9/incidents"},
            ["DATABASE_URL='postgresql+psycopg://postgres@127.0.0.1:9/incidents' cannot be reached ("],
        ),
    ],
    ids=["settings", "database"],
)
def test_wrong_settings_stop_it_once_with_one_line_each_and_status_2(
    tmp_path: Path, settings: dict[str, str], lines: list[str]
) -> None:
    """No Slack token is needed (none is set here): only what the page shows is checked."""
    result = subprocess.run(
        web_command(free_port(), process="status"),
        env=clean_environment(**settings),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    ours = [line.removeprefix(PREFIX) for line in result.stderr.splitlines() if line.startswith(PREFIX)]
    assert len(ours) == len(lines) and all(line.startswith(want) for line, want in zip(ours, lines, strict=True)), ours
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr
    assert list(tmp_path.iterdir()) == [], "nothing created"
