"""Stopping a process a test started (gunicorn, `incident-bot serve`, Alertmanager) as a platform
does: SIGTERM, then waiting for it to exit.

The wait is longer than the Procfile's `--graceful-timeout 20`, after which gunicorn kills its
own workers: on a loaded machine a worker finishing what it had in hand and stopping its threads
took 13 s and more, and a test waiting 15 s failed, leaving the process running. One still running
after that is killed, so it never stays connected to the database the next test empties, and
the test fails saying so.
"""

from __future__ import annotations

import subprocess
from typing import Any

STOP_SECONDS = 30.0


def stop(process: subprocess.Popen[Any], seconds: float = STOP_SECONDS) -> None:
    """SIGTERM, and wait until it exits."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"still running {seconds:g} s after SIGTERM: {process.args}") from None


def stop_and_read(process: subprocess.Popen[Any], seconds: float = STOP_SECONDS) -> tuple[Any, Any]:
    """SIGTERM, and what it wrote to its pipes (stdout, stderr) until it exited."""
    process.terminate()
    try:
        return process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        written = process.communicate()
        raise AssertionError(f"still running {seconds:g} s after SIGTERM: {process.args}\n{written}") from None
