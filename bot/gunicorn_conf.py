"""gunicorn settings for the Procfile's `web` line (`gunicorn -c python:bot.gunicorn_conf ...`).

Metrics across worker processes: each worker keeps its counters in files under
`PROMETHEUS_MULTIPROC_DIR` (a fresh temporary folder unless the operator sets one), and any
worker's `GET /metrics` answers the sum over all of them (see bot/metrics.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

_made: list[str] = [""]  # the temporary folder this master made, removed when it exits


def on_starting(server: Any) -> None:
    """In the master, before any worker exists: a clean folder for the workers' metric files."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _made[0] = tempfile.mkdtemp(prefix="incident-bot-metrics-")
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in Path(folder).glob("*.db"):  # counters of an earlier run would be added in
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges no longer count (its counters do, as Prometheus expects)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # untyped in prometheus_client


def on_exit(server: Any) -> None:
    if _made[0]:
        shutil.rmtree(_made[0], ignore_errors=True)
