"""Fixtures that start the whole bot over real HTTP against the Slack emulator (bot.sandbox).

Every test that uses them runs twice: on SQLite and on PostgreSQL (the `database_url` fixture).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.sandbox import Sandbox
from slack_emulator import SlackEmulator


@pytest.fixture
def make_stack(database_url: str) -> Iterator[Callable[..., Sandbox]]:
    """Start a sandbox (emulator + app + database); each is stopped after the test, which disposes
    its engine before the next test empties the PostgreSQL tables."""
    started: list[Sandbox] = []

    def start(*, emulator: SlackEmulator | None = None, **options: Any) -> Sandbox:
        sandbox = Sandbox(database_url=database_url, emulator=emulator, **options)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in reversed(started):
        sandbox.stop()


@pytest.fixture
def stack(make_stack: Callable[..., Sandbox]) -> Sandbox:
    return make_stack()
