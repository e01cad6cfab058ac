"""`incident-bot worker`: one more sender beside the web processes, on the same database.

It runs what a web process runs in the background (the outbox sender, PagerDuty's, the reminders,
the member sync, the subscribers' lane, the App Homes) and serves nothing. Started and stopped the
standard way (`bot.lifecycle`): SIGTERM or Ctrl-C stops it, the Slack calls in hand recorded and
what was claimed and not sent given back, status 0. `--once` sends what is due now, then exits.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from bot.errors import CANNOT_RUN
from bot.lifecycle import Starting, Stop, run_until_stopped, stopping, token_accepted

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger("bot")

# A worker beside the web process shares its database: with SQLite that only holds on one host.
SQLITE_WORKER = (
    "incident-bot worker is running on SQLite (%s): SQLite is for one process on one host. The web "
    "process already sends Slack work and reminds, so no worker is needed with it; on a platform where "
    "each process has its own disk (Heroku, Render) this worker writes a database the web process never "
    "reads. Use PostgreSQL (DATABASE_URL) to run a worker."
)


def run_worker(settings: Settings, stop: Stop, *, once: bool, poll_seconds: float) -> int:
    if once:
        return _once(settings, stop)

    def start(starting: Starting) -> None:
        from bot.runtime import build

        runtime = starting.runtime = build(settings)
        if not token_accepted(starting, runtime):
            return
        _warn_on_sqlite(runtime)
        runtime.sender_thread.poll_seconds = runtime.sender_thread.retry_seconds = poll_seconds
        if starting.step(runtime.start_threads):
            log.info("worker started")

    return run_until_stopped(stop, start)


def _once(settings: Settings, stop: Stop) -> int:
    """What is due now, in this thread; a stop ends it between two batches (`EffectSender.drain`)."""
    from bot.runtime import build
    from bot.slack.identity import TokenRejected

    runtime = build(settings)
    try:
        try:
            runtime.check_token()
        except TokenRejected as error:
            print(error, file=sys.stderr)
            return CANNOT_RUN
        _warn_on_sqlite(runtime)
        log.info("worker started")
        runtime.send_due_reminders()
        runtime.lane.drain()
        runtime.home_thread.drain()
        runtime.pagerduty_thread.sender.drain(stopping=stop.is_set)
        while not stop.is_set():
            sent = runtime.sender.drain(stopping=stop.is_set)
            if sent:
                log.info("sent %d pending Slack effects", sent)
            paced = runtime.sender.next_in  # a channel's next line waits for its pace
            if paced is None:
                break
            stop.wait(paced)
        if stop.signal is not None:
            stopping(stop)
        return 0
    finally:
        runtime.sender.pool.close()
        runtime.pagerduty_thread.sender.pool.close()
        runtime.db.dispose()


def _warn_on_sqlite(runtime: Runtime) -> None:
    if runtime.db.is_sqlite:
        log.warning(SQLITE_WORKER, runtime.settings.database_url)
