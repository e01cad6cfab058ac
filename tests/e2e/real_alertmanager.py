"""A real Alertmanager (Debian's `prometheus-alertmanager`) on loopback, pointed at the bot.

Configured with the README's own `alertmanager.yml` (its URL and secret swapped for the test's),
started without HA (`--cluster.listen-address=`), with its own storage folder and fast timers
(`group_wait` 1 s, `group_interval` 2 s), so a fired alert reaches the bot in about a second.
Alerts are fired through its API (`POST /api/v2/alerts`) and with `amtool alert add`, as
operators do. Skipped when the binary is missing, except with CI=true, where it must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from stopping import stop

from tests.free_ports import free_port

BINARY = "prometheus-alertmanager"
README = Path(__file__).parents[2] / "README.md"
README_URL = "https://incidents.example.com"  # where the README's examples send
README_SECRET = "3f9a0c51d2e84b7aa6c1f0e2d9b47c58"  # the secret the README's examples show


def readme_block(opening: str) -> str:
    """The README's code block that starts with `opening` (its first line), as written."""
    text = README.read_text()
    start = text.index(f"\n{opening}\n") + 1
    return text[start : text.index("\n```\n", start) + 1]


def readme_config(url: str, secret: str) -> str:
    """The README's `alertmanager.yml`, pointed at `url` with `secret`, and with timers fast enough
    for a test (the README's route, its grouping, its receiver untouched)."""
    written = readme_block("route:")
    assert written.count(README_URL) == 1 and written.count(README_SECRET) == 1
    config = written.replace(README_URL, url).replace(README_SECRET, secret)
    timers = "  group_wait: 1s\n  group_interval: 2s\n  repeat_interval: 1h\n"
    return config.replace("receivers:\n", timers + "receivers:\n", 1)


def binary() -> str:
    found = shutil.which(BINARY)
    if found is None:
        reason = f"{BINARY} is not installed (apt-get install prometheus-alertmanager)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} and CI=true requires it")
        pytest.skip(reason)
    return found


class Alertmanager:
    def __init__(self, folder: Path, *, bot_url: str, secret: str) -> None:
        self.folder = folder
        config = folder / "alertmanager.yml"
        config.write_text(readme_config(bot_url, secret))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "alertmanager.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                binary(),
                f"--config.file={config}",
                f"--storage.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                f"--web.external-url={self.url}",
                "--cluster.listen-address=",
                "--log.level=debug",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return
            except OSError:
                pass
            assert self.process.poll() is None, f"alertmanager stopped: {self.log_path.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "alertmanager did not become ready"
            time.sleep(0.1)

    def fire(self, labels: dict[str, str], annotations: dict[str, str], **times: datetime) -> None:
        """`POST /api/v2/alerts`, as Prometheus does (`ends` in the past resolves it)."""
        alert: dict[str, Any] = {"labels": labels, "annotations": annotations}
        alert |= {f"{name}sAt": moment.isoformat() for name, moment in times.items()}
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.url}/api/v2/alerts",
            data=json.dumps([alert]).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
            assert answer.status == 200

    def resolve(self, labels: dict[str, str], annotations: dict[str, str]) -> None:
        self.fire(labels, annotations, end=datetime.now(UTC))

    def amtool_add(self, *arguments: str) -> None:
        amtool = shutil.which("amtool")
        assert amtool is not None, "amtool comes with prometheus-alertmanager"
        subprocess.run([amtool, f"--alertmanager.url={self.url}", "alert", "add", *arguments], check=True)

    def logged(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        stop(self.process)
        self.log.close()


def wait_until(check: Callable[[], bool], *, seconds: float = 20.0, what: str = "the bot") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not get there in {seconds} s"
        time.sleep(0.1)
