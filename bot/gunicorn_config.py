"""gunicorn settings for the Procfile's web line (`--config python:bot.gunicorn_config`).

`on_starting` runs once in the gunicorn master, before it binds or forks: a setting problem is
printed once, one line each, and gunicorn exits with status 2 (see `bot.startup`).
"""

from __future__ import annotations

from bot.startup import WEB_REQUIRES, check, refuse


def on_starting(server: object) -> None:
    _, problems = check(WEB_REQUIRES)
    if problems:
        refuse(problems)
