"""Starting the product as an operator does: a subprocess in its own directory with a `.env`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from stopping import stop

# Variables an operator's shell would not have; the tests' own environment must not leak in.
PRODUCT_PREFIXES = ("SLACK_", "INCIDENT_", "DATABASE_", "LOG_LEVEL", "PORT")


def clean_environment(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(PRODUCT_PREFIXES)}, **extra}


def write_dotenv(folder: Path, settings: Mapping[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".env").write_text("".join(f"{name}={value}\n" for name, value in settings.items()))


def heroku_style(url: str) -> str:
    """`postgresql+psycopg://...` written the way Heroku and Render set DATABASE_URL."""
    return re.sub(r"^postgresql\+psycopg://", "postgres://", url)


class Started:
    """A running `incident-bot serve --port 0`; its log goes to a file the test can read."""

    def __init__(self, folder: Path, environment: Mapping[str, str], *arguments: str) -> None:
        self.log_path = folder / "serve.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", "0", *arguments],
            env=dict(environment),
            cwd=folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.port = self._announced_port()
        except BaseException:  # never left running: it would still be connected to the next test's database
            self.process.kill()
            self.process.wait()
            self.log.close()
            raise
        self.url = f"http://127.0.0.1:{self.port}"

    def _announced_port(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", self.output())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.output()}")
            time.sleep(0.05)
        raise AssertionError(f"serve did not say where it listens:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text()

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as answer:  # noqa: S310 - local server
            return bool(answer.status == 200)

    def stop(self) -> None:
        stop(self.process)
        self.log.close()


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    assert found, status
    return int(found.group(1))


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
