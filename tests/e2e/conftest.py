"""Fixtures that start the whole bot over real HTTP against the Slack emulator (bot.sandbox)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import SlackEmulator
from bot.sandbox import Sandbox


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    """Start a sandbox (emulator + app + database); each is stopped after the test."""
    started: list[Sandbox] = []

    def start(*, emulator: SlackEmulator | None = None, database_url: str | None = None, **options: Any) -> Sandbox:
        sandbox = Sandbox(database_url=database_url or f"sqlite:///{tmp_path}/e2e.db", emulator=emulator, **options)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in reversed(started):
        sandbox.stop()


@pytest.fixture
def stack(make_stack: Callable[..., Sandbox]) -> Sandbox:
    return make_stack()
