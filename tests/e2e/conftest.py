"""Fixtures that start the whole bot over real HTTP against the Slack emulator (see e2e_stack)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from e2e_stack import SIGNING_SECRET, Stack, settings_for

from bot.emulator import ANNOUNCE, SlackEmulator
from bot.runtime import Runtime, build
from bot.serve import ThreadingWSGIServer, make_http_server


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    started: list[tuple[SlackEmulator, Runtime, ThreadingWSGIServer]] = []

    def start(
        *,
        emulator: SlackEmulator | None = None,
        database_url: str | None = None,
        clock: Callable[[], datetime] | None = None,
        **overrides: str,
    ) -> Stack:
        emulator = emulator or SlackEmulator()
        emulator.add_bot_to(ANNOUNCE)
        settings = settings_for(emulator, database_url or f"sqlite:///{tmp_path}/e2e.db", **overrides)
        runtime = build(settings, **({"clock": clock} if clock else {})).start_background()
        server = make_http_server(runtime.wsgi(), host="127.0.0.1", port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        emulator.connect_app(f"{url}/slack/events", SIGNING_SECRET)
        started.append((emulator, runtime, server))
        return Stack(emulator=emulator, runtime=runtime, server=server, url=url)

    yield start
    for emulator, runtime, server in reversed(started):
        server.shutdown()
        server.server_close()
        runtime.stop()
        emulator.close()


@pytest.fixture
def stack(make_stack: Callable[..., Stack]) -> Stack:
    return make_stack()
