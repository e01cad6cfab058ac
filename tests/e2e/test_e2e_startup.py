"""Starting the bot as an operator does: from a folder holding a `.env`, Heroku-style URLs,
every setting wrong once (one line naming it, exit status 2, no traceback), under gunicorn too."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from as_operator import Started, clean_environment, heroku_style, write_dotenv
from stopping import stop
from test_e2e_gunicorn import web_command

from bot.sandbox import SIGNING_SECRET
from bot.variables import EXAMPLES
from slack_emulator import SlackEmulator
from tests.free_ports import free_port

PREFIX = "incident-bot cannot start: "


@pytest.fixture
def started(clean_postgres_url: str, tmp_path: Path) -> Iterator[tuple[Started, SlackEmulator]]:
    """`incident-bot serve --port 0` with every setting in `.env`, PostgreSQL as Heroku writes it."""
    folder = tmp_path
    with SlackEmulator() as emulator:
        write_dotenv(
            folder,
            {
                "SLACK_BOT_TOKEN": emulator.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": emulator.api_url,
                "DATABASE_URL": heroku_style(clean_postgres_url),
                "LOG_LEVEL": "LOUD",  # wrong, but the environment below wins
            },
        )
        server = Started(folder, clean_environment(LOG_LEVEL="INFO"))
        try:
            emulator.connect_app(f"{server.url}/slack/events", SIGNING_SECRET)
            yield server, emulator
        finally:
            server.stop()


@pytest.mark.postgres
def test_serve_reads_the_dotenv_of_its_folder_and_a_postgres_url_as_heroku_sets_it(
    started: tuple[Started, SlackEmulator],
) -> None:
    server, emulator = started
    assert server.healthy()
    answer = emulator.as_user("alice").slash("open sev2 Search is slow")
    assert answer.status == 200 and "Opened *INC-1*" in answer.json["text"]


@pytest.mark.postgres
def test_serve_on_port_0_listens_on_a_free_port_and_says_which(started: tuple[Started, SlackEmulator]) -> None:
    server, _ = started
    assert server.port not in (0, 3000)
    assert f"listening on http://127.0.0.1:{server.port}/slack/events" in server.output()


@pytest.mark.postgres
def test_starting_emits_no_warning(started: tuple[Started, SlackEmulator]) -> None:
    server, _ = started
    assert server.healthy()
    output = server.output()
    assert " WARNING " not in output and "will be unused" not in output, output


@pytest.fixture
def good_folder(tmp_path: Path) -> Path:
    """A folder whose `.env` starts the bot (the database file is never created on refusal)."""
    write_dotenv(
        tmp_path,
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
            "SLACK_SIGNING_SECRET": "signing-secret",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "DATABASE_URL": f"sqlite:///{tmp_path}/incidents.db",
        },
    )
    return tmp_path


# One of each way a setting is refused, through a real process: read from the environment over
# the folder's `.env` (an empty value too), the logging settings checked before the rest, the
# database reached, a password never repeated. Every setting's line is checked through the same
# start in-process (tests/test_startup.py).
BAD_SETTINGS = [
    ("DATABASE_URL", "mysql://bot:hunter2@db/incidents", "DATABASE_URL='mysql://bot:***@db/incidents' uses 'mysql': only sqlite and postgresql work"),  # noqa: E501
    ("DATABASE_URL", "postgres://bot:hunter2@127.0.0.1:1/incidents", """DATABASE_URL='postgresql+psycopg://bot:***@127.0.0.1:1/incidents' cannot be reached (connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused)"""),  # noqa: E501
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not a level (DEBUG, INFO, WARNING, ERROR, CRITICAL)"),
    ("SLACK_BOT_TOKEN", "", "SLACK_BOT_TOKEN is required and not set"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "line"), BAD_SETTINGS, ids=[f"{n}={v[:20]}" for n, v, _ in BAD_SETTINGS])
def test_a_wrong_setting_stops_serve_with_one_line_naming_it(
    good_folder: Path, name: str, value: str, line: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "0"],
        env=clean_environment(**{name: value}),
        cwd=good_folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{PREFIX}{line}; e.g. {name}={EXAMPLES[name]}"]
    assert "hunter2" not in result.stderr
    assert not (good_folder / "incidents.db").exists(), "nothing was started"


def test_the_procfile_web_line_stops_once_with_one_line_per_problem_and_status_2(good_folder: Path) -> None:
    command = web_command(free_port())
    command[command.index("--workers") + 1] = "3"
    result = subprocess.run(
        command,
        env=clean_environment(LOG_LEVEL="LOUD", SLACK_BOT_TOKEN="xoxp-1-2-user"),
        cwd=good_folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    ours = [line for line in result.stderr.splitlines() if line.startswith(PREFIX)]
    assert [line.removeprefix(PREFIX).split("=")[0].split()[0] for line in ours] == ["LOG_LEVEL", "SLACK_BOT_TOKEN"]
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr


def test_gunicorn_without_the_procfile_config_stops_instead_of_rebooting_workers(good_folder: Path) -> None:
    command = [sys.executable, "-m", "gunicorn", "bot.wsgi:application", "--bind", f"127.0.0.1:{free_port()}"]
    result = subprocess.run(
        command,
        env=clean_environment(INCIDENT_TIMEZONE="Mars/Olympus"),
        cwd=good_folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith(PREFIX)]
    assert ours == [
        f"{PREFIX}INCIDENT_TIMEZONE='Mars/Olympus' is not an IANA time zone; e.g. INCIDENT_TIMEZONE=Asia/Kolkata"
    ]
    assert "Traceback" not in result.stderr and result.stderr.count("Booting worker") == 1


def test_a_wrong_catalog_stops_serve_with_one_line_per_mistake_naming_its_component(good_folder: Path) -> None:
    (good_folder / "catalog.toml").write_text(
        '[[component]]\nid = "home"\nname = "Home page"\nowner = "web"\n'
        '[[component]]\nid = "home"\nname = "Home again"\n'
        '[[component]]\nid = "api"\nname = "API"\nalerts = [\'service=~"(web"\']\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "0"],
        env=clean_environment(INCIDENT_CATALOG="catalog.toml"),
        cwd=good_folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert [line.split(": ")[2] for line in lines] == ["component 'home'", "component 'home'", "component 'api'"]
    assert all(line.startswith(f"{PREFIX}INCIDENT_CATALOG='catalog.toml': component ") for line in lines)
    assert "unknown key 'owner'" in lines[0] and "the id is used again" in lines[1] and "`alerts`" in lines[2]
    assert "Traceback" not in result.stderr
    assert not (good_folder / "incidents.db").exists(), "nothing was started"


@pytest.mark.postgres
def test_the_procfile_web_line_starts_from_a_folder_with_a_dotenv_without_a_warning(
    clean_postgres_url: str, tmp_path: Path
) -> None:
    with SlackEmulator() as emulator:
        write_dotenv(
            tmp_path,
            {
                "SLACK_BOT_TOKEN": emulator.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": emulator.api_url,
                "DATABASE_URL": heroku_style(clean_postgres_url),
            },
        )
        port = free_port()
        log = tmp_path / "web.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                web_command(port), env=clean_environment(), cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT
            )
            try:
                wait_for_health(port, process)
                emulator.connect_app(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
                answer = emulator.as_user("alice").slash("list")
                assert answer.status == 200
            finally:
                stop(process)
    text = log.read_text()
    assert "Booting worker" in text
    assert "WARNING" not in text and "will be unused" not in text, text


def test_the_procfile_web_line_with_two_workers_on_sqlite_warns_once_in_one_line(tmp_path: Path) -> None:
    """README: more than one process needs PostgreSQL; `incident-bot worker` on SQLite warns too."""
    url = f"sqlite:///{tmp_path}/incidents.db"
    with SlackEmulator() as emulator:
        write_dotenv(
            tmp_path,
            {
                "SLACK_BOT_TOKEN": emulator.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": emulator.api_url,
                "DATABASE_URL": url,
            },
        )
        port = free_port()
        log = tmp_path / "web.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                web_command(port, workers=2), env=clean_environment(), cwd=tmp_path, stdout=output, stderr=output
            )
            try:
                wait_for_health(port, process)  # a warning: it still starts
            finally:
                stop(process)
    warned = [line for line in log.read_text().splitlines() if "WARNING" in line]
    assert len(warned) == 1, log.read_text()
    assert warned[0].endswith(
        f"WEB_CONCURRENCY=2 web processes on SQLite (DATABASE_URL='{url}'): SQLite is for one process on one "
        "host, and each web process sends Slack work and reminds on its own. Use PostgreSQL (DATABASE_URL) for "
        "more than one, or WEB_CONCURRENCY=1."
    )


def wait_for_health(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as health:
                assert health.status == 200
                return
        except OSError:
            assert process.poll() is None, "gunicorn stopped"
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.1)
