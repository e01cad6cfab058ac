"""`incident-bot export INC-n --format md|json` and `incident-bot report --since DATE --format md|csv|json`
(docs/behaviour.md, After the fire): the record and the insights, printed for people and tools.

A database holding several Slack workspaces needs `--team T...`; with one, it is implied.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from bot.domain.incident import parse_name
from bot.errors import CANNOT_RUN, NOT_THERE

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.storage.db import Database


def add_aftermath_parsers(commands: Any) -> None:
    """`export` and `report` on the `incident-bot` parser (`commands` is its subparsers)."""
    export = commands.add_parser("export", help="print an incident's record as Markdown or JSON")
    export.add_argument("incident", type=_incident, help="the incident, e.g. INC-7")
    export.add_argument(
        "--format",
        choices=["md", "json"],
        default="md",
        dest="output",
        help="md: the retrospective document (default); json: the record, as docs/export.schema.json describes it",
    )
    export.add_argument("--team", help="the Slack workspace (team id), when the database holds several")
    report = commands.add_parser("report", help="insights over incidents since a date")
    report.add_argument("--since", type=_day, required=True, help="first day, YYYY-MM-DD (in INCIDENT_TIMEZONE)")
    report.add_argument("--until", type=_day, default=None, help="day after the last one (default: now)")
    report.add_argument(
        "--format",
        choices=["md", "csv", "json"],
        default="md",
        dest="output",
        help="md: a table to read (default); csv: metric,value,unit rows; json: one object",
    )
    report.add_argument("--team", help="the Slack workspace (team id), when the database holds several")


class _Refused(Exception):
    """The command stops: `line` on stderr, exit `status` (bot.startup's NOT_THERE or CANNOT_RUN)."""

    def __init__(self, status: int, line: str) -> None:
        super().__init__(line)
        self.status = status
        self.line = line


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.aftermath import AftermathService
    from bot.clock import utc_now
    from bot.errors import NotFound
    from bot.lookup import Where
    from bot.render.export import as_data
    from bot.render.retro import markdown
    from bot.storage.db import Database

    db = Database(settings.database_url)
    try:
        team = _team(db, args.team)
        if team is None:
            raise _Refused(NOT_THERE, "incident-bot export: this database holds no incidents yet")
        service = AftermathService(db, zone=settings.zone, clock=utc_now)
        try:
            record = service.record(Where(team_id=team, number=args.incident))
        except NotFound as error:
            raise _Refused(NOT_THERE, f"incident-bot export: {error.message}") from None
        print(markdown(record) if args.output == "md" else json.dumps(as_data(record), indent=2, ensure_ascii=False))
        return 0
    except _Refused as refused:
        print(refused.line, file=sys.stderr)
        return refused.status
    finally:
        db.dispose()


def run_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.aftermath import AftermathService
    from bot.clock import utc_now
    from bot.render import report
    from bot.storage.db import Database

    db = Database(settings.database_url)
    try:
        since = datetime.combine(args.since, time(), settings.zone).astimezone(UTC)
        until = datetime.combine(args.until, time(), settings.zone).astimezone(UTC) if args.until else utc_now()
        if until <= since:
            raise _Refused(CANNOT_RUN, "incident-bot report: --until must come after --since")
        team = _team(db, args.team)
        service = AftermathService(db, zone=settings.zone, clock=utc_now)
        # A database with no incident yet reports zeros: no workspace has any there.
        found = service.insights(team_id=team or "", since=since, until=until)
        match args.output:
            case "md":
                print(report.as_markdown(found, settings.zone), end="")
            case "csv":
                print(report.as_csv(found), end="")
            case _:
                print(report.as_json(found), end="")
        return 0
    except _Refused as refused:
        print(refused.line, file=sys.stderr)
        return refused.status
    finally:
        db.dispose()


def _team(db: Database, asked: str | None) -> str | None:
    """The workspace asked for, or the only one; None when the database holds none yet."""
    from bot.storage import aftermath

    with db.read() as session:
        teams = aftermath.teams(session=session)
    if asked is not None:
        if asked in teams:
            return asked
        held = ", ".join(teams) or "none"
        raise _Refused(NOT_THERE, f"incident-bot: no workspace {asked!r} in this database (it has: {held})")
    if len(teams) > 1:
        raise _Refused(
            CANNOT_RUN, f"incident-bot: this database holds several workspaces; add --team ({', '.join(teams)})"
        )
    return teams[0] if teams else None


def _incident(text: str) -> int:
    number = parse_name(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an incident name like INC-7")
    return number


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-01") from None
