"""gunicorn settings for the Procfile's web line (`--config python:bot.gunicorn_config`).

`on_starting` runs once in the gunicorn master, before it binds or forks:
- a setting problem is printed once, one line each, and gunicorn exits with status 2 (see
  `bot.startup`); more than one worker on SQLite is one WARNING line (SQLite is for one process);
- metrics across worker processes: each worker keeps its counters in files under
  `PROMETHEUS_MULTIPROC_DIR` (a fresh temporary folder unless the operator sets one, emptied at
  start), and any worker's `GET /metrics` answers the sum over all of them (see bot/metrics.py).

gunicorn owns the signals of its processes: SIGTERM to the master stops each worker gracefully
(its requests in hand answered, within `--graceful-timeout`). `worker_exit` then runs in the
worker, and stops the background threads its `bot.wsgi` started (`Runtime.stop`: the outbox
sender's Slack calls in hand recorded, what it claimed and did not send given back), before the
worker process exits; without it they were daemon threads cut wherever they were.

`post_worker_init` runs in each worker once its app is loaded (`bot.wsgi`: built, warmed, its
background threads started) and before it serves: what start-up made is collected once, then
frozen (`gc.freeze()`), so the collector's full passes walk only what the worker makes afterwards
(BENCHMARKS.md, issue 26).
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.startup import WEB_REQUIRES, check, refuse, several_on_sqlite

_made: list[str] = [""]  # the temporary folder this master made, removed when it exits


def on_starting(server: Any) -> None:  # gunicorn's Arbiter
    settings, problems = check(WEB_REQUIRES)
    if problems or settings is None:
        refuse(problems)
    if warning := several_on_sqlite(settings, int(server.cfg.workers)):
        server.log.warning(warning)  # gunicorn's own log: one line, before any worker starts
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _made[0] = tempfile.mkdtemp(prefix="incident-bot-metrics-")
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in Path(folder).glob("*.db"):  # counters of an earlier run would be added in
        stale.unlink()


def post_worker_init(worker: object) -> None:
    """The worker's app is loaded: its start-up objects (modules, the app, SQLAlchemy's mappers and
    compiled statements, the pool: about 160,000 objects) leave the collector's generations. A full
    collection walked them all, 80-100 ms holding the interpreter, every few seconds under load;
    now it walks only what came after. Nearly all of them live as long as the worker anyway; what a
    background thread has in hand at this moment is frozen too, and never collected if it later
    becomes garbage in a cycle: a few objects, once."""
    gc.collect()
    gc.freeze()


def child_exit(server: object, worker: object) -> None:
    """A worker ended: its live gauges no longer count (its counters do, as Prometheus expects)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(getattr(worker, "pid", 0))  # type: ignore[no-untyped-call]  # untyped upstream


def worker_exit(server: object, worker: object) -> None:
    """A worker ended (in the worker process; in the master too when a worker was already gone,
    where no `bot.wsgi` was loaded): stop what its `bot.wsgi` started. A worker whose app never
    loaded started nothing."""
    loaded = sys.modules.get("bot.wsgi")
    if loaded is None:
        return
    logging.getLogger("bot").info(
        "stopping (gunicorn stopped this worker): finishing the Slack calls in hand; the rest waits for the next start"
    )
    loaded.runtime.stop()


def on_exit(server: object) -> None:
    if _made[0]:
        shutil.rmtree(_made[0], ignore_errors=True)
