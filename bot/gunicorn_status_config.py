"""gunicorn settings for the Procfile's `status:` line (`--config python:bot.gunicorn_status_config`).

`on_starting` runs once in the gunicorn master, before it binds or forks: a setting or database
problem is printed once, one line each, and gunicorn exits with status 2 (`bot.startup`), instead
of booting workers that fail. The status process keeps no metrics (it has no `/metrics`).
"""

from __future__ import annotations

from bot.startup import refuse, status_problems


def on_starting(server: object) -> None:
    _, problems = status_problems()
    if problems:
        refuse(problems)
