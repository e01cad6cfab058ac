"""The emulator's server: a context manager on loopback that shuts down cleanly and quietly."""

from __future__ import annotations

import gc
import threading
import time
import urllib.request
import warnings

import pytest
from slack_sdk import WebClient

from slack_emulator import SlackEmulator


def test_the_emulator_listens_on_loopback_and_gives_the_api_url_slack_sdk_expects() -> None:
    with SlackEmulator() as emulator:
        assert emulator.url.startswith("http://127.0.0.1:")
        assert emulator.api_url == f"{emulator.url}/api/"
        assert emulator.bot_token.startswith("xoxb-")


def test_closing_leaves_no_threads_and_no_unclosed_sockets() -> None:
    before = set(threading.enumerate())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with SlackEmulator() as emulator:
            client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
            for _ in range(5):
                client.auth_test()
        del emulator, client
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert set(threading.enumerate()) - before == set()


def test_closing_releases_a_call_waiting_on_injected_latency() -> None:
    emulator = SlackEmulator()
    emulator.set_latency(30)
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
    answers: list[bool] = []
    caller = threading.Thread(target=lambda: answers.append(bool(client.auth_test()["ok"])))
    caller.start()
    time.sleep(0.1)
    started = time.monotonic()
    emulator.close()
    caller.join(timeout=5)
    assert time.monotonic() - started < 2
    assert answers == [True]


def test_the_server_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with SlackEmulator() as emulator:
        for path in ("/api/nope.nope", "/nowhere", "/api/auth.test"):
            try:
                with urllib.request.urlopen(f"{emulator.url}{path}"):  # noqa: S310 - loopback emulator
                    pass
            except urllib.error.HTTPError as error:
                error.close()
    assert capfd.readouterr().err == ""


def test_an_unknown_path_is_a_404() -> None:
    with SlackEmulator() as emulator:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{emulator.url}/nowhere")  # noqa: S310 - loopback emulator
        caught.value.close()
        assert caught.value.code == 404
