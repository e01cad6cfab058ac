"""What every entry point does first: read `.env`, check every setting, reach the database.

`.env` is read from the CURRENT directory (where the operator runs the command), never
from where the package is installed; variables already in the environment win.
Every problem is one line on stderr naming the variable and a value that works, and the
process exits with status 2: no traceback, nothing started. Under gunicorn the master
checks before forking (`bot.gunicorn_config`), so the lines appear once and gunicorn
exits 2 instead of booting workers that fail.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

from dotenv import load_dotenv

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging, log_format_problem, log_level_problem
from bot.variables import problem

CONNECT_TIMEOUT_SECONDS = 10
WEB_REQUIRES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
STATUS_REQUIRES = ()  # the status process (bot.status_wsgi) never calls Slack
STATUS_WAIT_SECONDS = 15.0  # for the web process to create or migrate the database (started together)
NOT_MIGRATED = "run `incident-bot db upgrade` first"
GUNICORN_WORKER_BOOT_ERROR = 3  # a gunicorn worker exiting with it makes the master stop
GUNICORN_APP_LOAD_ERROR = 4  # likewise


def read_dotenv() -> None:
    load_dotenv(Path.cwd() / ".env", override=False)


def check(require: Iterable[str], *, migrated: bool = False) -> tuple[Settings | None, list[str]]:
    """The settings, and one line per problem (settings first, then the database); `migrated`:
    the command only reads, so the database must exist and be migrated already."""
    read_dotenv()
    logging = [log_level_problem(os.environ.get("LOG_LEVEL")), log_format_problem(os.environ.get("LOG_FORMAT"))]
    problems = [line for line in logging if line]
    try:
        settings = load_settings(os.environ, require=require)
    except ConfigError as error:
        return None, problems + error.problems
    if not problems:
        problems += [line for line in [database_problem(settings, migrated=migrated)] if line]
    return settings, problems


def start(require: Iterable[str], *, exit_status: int = 2, migrated: bool = False) -> Settings:
    """Checked settings with logging configured; on any problem print the lines and exit.
    `migrated`: see `check`."""
    settings, problems = check(require, migrated=migrated)
    if problems or settings is None:
        refuse(problems, exit_status=exit_status)
    configure_logging()
    # Bolt's App reads SLACK_BOT_TOKEN from the environment behind our back and warns that it
    # "will be unused" next to our client; the settings hold it now, so the environment need not.
    os.environ.pop("SLACK_BOT_TOKEN", None)
    return settings


def status_problems(*, wait_seconds: float = STATUS_WAIT_SECONDS) -> tuple[Settings | None, list[str]]:
    """`check` for the status process: it serves the database the web process writes, which must be
    there and migrated (an empty one would make a page that tells readers all is well). Started
    with the web process (`honcho start`), it waits up to `wait_seconds` for the web process to
    create or migrate it; nothing is created here."""
    deadline = time.monotonic() + wait_seconds
    settings, problems = check(STATUS_REQUIRES, migrated=True)
    while problems and all(line.endswith(NOT_MIGRATED) for line in problems) and time.monotonic() < deadline:
        time.sleep(0.5)
        settings, problems = check(STATUS_REQUIRES, migrated=True)
    hint = " (the status process reads the web process's database: give it the same DATABASE_URL)"
    return settings, [line + hint if line.startswith("DATABASE_URL") else line for line in problems]


def refuse(problems: list[str], *, exit_status: int = 2) -> NoReturn:
    for line in problems:
        print(f"incident-bot cannot start: {line}", file=sys.stderr)
    sys.stderr.flush()
    raise SystemExit(exit_status)


def database_problem(settings: Settings, *, migrated: bool = False) -> str | None:
    """One line when the database cannot be reached (or, `migrated`, is not migrated), else None.

    With `migrated` a SQLite file that does not exist is not created: the line says to run
    `incident-bot db upgrade`, which creates it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.db import missing_sqlite_file, schema_problem

    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    if migrated and missing_sqlite_file(settings.database_url):
        return _not_migrated(shown, "does not exist yet")
    postgres = url.get_backend_name() == "postgresql"
    engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS} if postgres else {})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            why = schema_problem(connection) if migrated else None
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return problem("DATABASE_URL", f"cannot be reached ({reason})", shown)
    finally:
        engine.dispose()
    return None if why is None else _not_migrated(shown, why)


def several_on_sqlite(settings: Settings, processes: int) -> str | None:
    """One line when more than one web process would share a SQLite database (`WEB_CONCURRENCY`,
    gunicorn's `--workers`): SQLite is for one process on one host, as `incident-bot worker` warns."""
    from sqlalchemy.engine import make_url

    if processes <= 1 or make_url(settings.database_url).get_backend_name() != "sqlite":
        return None
    return (
        f"WEB_CONCURRENCY={processes} web processes on SQLite (DATABASE_URL={settings.database_url!r}): SQLite is "
        "for one process on one host, and each web process sends Slack work and reminds on its own. Use "
        "PostgreSQL (DATABASE_URL) for more than one, or WEB_CONCURRENCY=1."
    )


def _not_migrated(shown: str, why: str) -> str:
    return f"DATABASE_URL={shown!r} {why}: {NOT_MIGRATED}"
