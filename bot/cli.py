"""`incident-bot`: serve | socket | worker | outbox | export | report | alerts | status export | demo | db upgrade.

Reads `.env` from the current directory and the environment, checks every setting the command
needs and the database, and stops with one line per problem (exit status 2) before doing
anything else (`bot.startup`). The commands that only read the database (`outbox`, `export`,
`report`, `alerts`, `status export`) also need it migrated, and create nothing when it is not.

Exit status, the same for every command: 0 done; 1 what was asked for is not there, or not in a
state that allows it (an unknown incident, workspace or effect ID, a database with no incident
to export, work already sent); 2 the command cannot run as written (a wrong argument or
setting, a database that cannot be reached or is not migrated, a token Slack refuses).
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence

from bot.aftermath_cli import add_aftermath_parsers, run_export, run_report
from bot.alerts_cli import add_alerts_parser, run_alerts
from bot.errors import CANNOT_RUN
from bot.logs import configure_logging
from bot.outbox.cli import add_outbox_parser
from bot.startup import start
from bot.status_cli import add_status_parser, run_status
from bot.subscribers_cli import add_subscribers_parser, run_subscribers

REQUIRED = {
    "serve": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "worker": ("SLACK_BOT_TOKEN",),
    "outbox": (),
    "export": (),
    "report": (),
    "db": (),
    "demo": (),
    "status": (),
    "subscribers": (),
    "alerts": (),
}
# Need a migrated database; never create one.
READS = frozenset({"outbox", "export", "report", "status", "subscribers", "alerts"})
# Run until stopped: SIGTERM and Ctrl-C set an event their main thread waits on (`bot.lifecycle`).
LONG_RUNNING = frozenset({"serve", "socket", "worker"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return CANNOT_RUN
    stop = None
    if args.command in LONG_RUNNING:  # before the settings are read: a stop during start-up is a stop too
        from bot.lifecycle import stop_on_signals

        stop = stop_on_signals()
    if args.command == "demo":  # no settings, no .env: its own database and Slack (bot.demo)
        from bot.demo import run_demo

        configure_logging()
        os.environ.pop("SLACK_BOT_TOKEN", None)  # Bolt would read it, and warn it is unused
        return run_demo()
    try:
        settings = start(REQUIRED[args.command], migrated=args.command in READS)
    except SystemExit as refused:  # the problems are printed, one line each
        return int(refused.code or CANNOT_RUN)
    match args.command:
        case "db":
            from bot.storage.db import Database

            Database(settings.database_url).upgrade()
            print("database is up to date")
            return 0
        case "serve":
            from bot.serve import run_serve

            assert stop is not None
            return run_serve(settings, stop, host=args.host, port=settings.port if args.port is None else args.port)
        case "socket":
            from bot.socket_mode import run_socket

            assert stop is not None
            return run_socket(settings, stop, status_host=args.status_host, status_port=args.status_port)
        case "worker":
            from bot.worker import run_worker

            assert stop is not None
            return run_worker(settings, stop, once=args.once, poll_seconds=args.poll)
        case "outbox":
            from bot.outbox.cli import run_outbox

            return run_outbox(settings, args)
        case "export":
            return run_export(settings, args)
        case "report":
            return run_report(settings, args)
        case "status":
            return run_status(settings, args)
        case "subscribers":
            return run_subscribers(settings, args)
        case "alerts":
            return run_alerts(settings, args)
    return CANNOT_RUN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="incident-bot", description="Slack incident bot")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve POST /slack/events and GET /healthz over HTTP (local use)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=None, help="port (default $PORT or 3000; 0: any free port)")
    socket = commands.add_parser("socket", help="connect to Slack with Socket Mode (SLACK_APP_TOKEN)")
    socket.add_argument(
        "--status-port", type=_port, default=None, help="also serve the public status page on this port (0: any free)"
    )
    socket.add_argument("--status-host", default="0.0.0.0", help="address for the status page (default 0.0.0.0)")  # noqa: S104
    worker = commands.add_parser("worker", help="send pending Slack work (retries after a crash or a Slack outage)")
    worker.add_argument("--once", action="store_true", help="send what is due now, then exit")
    worker.add_argument("--poll", type=_seconds, default=1.0, help="seconds between rounds (default 1)")
    add_outbox_parser(commands)
    add_aftermath_parsers(commands)
    add_status_parser(commands)
    add_subscribers_parser(commands)
    add_alerts_parser(commands)
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"], help="apply pending migrations")
    commands.add_parser("demo", help="replay a whole incident offline against the built-in Slack emulator")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("incident-bot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535; 0 picks a free one)")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0 (e.g. 1 or 0.5)")
    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
