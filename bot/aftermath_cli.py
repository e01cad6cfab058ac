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

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.storage.db import Database


def add_aftermath_parsers(commands: Any) -> None:
    """`export` and `report` on the `incident-bot` parser (`commands` is its subparsers)."""
    export = commands.add_parser("export", help="print an incident's record as Markdown or JSON")
    export.add_argument("incident", type=_incident, help="the incident, e.g. INC-7")
    export.add_argument("--format", choices=["md", "json"], default="md", dest="output")
    export.add_argument("--team", help="the Slack workspace (team id), when the database holds several")
    report = commands.add_parser("report", help="insights over incidents since a date")
    report.add_argument("--since", type=_day, required=True, help="first day, YYYY-MM-DD (in INCIDENT_TIMEZONE)")
    report.add_argument("--until", type=_day, default=None, help="day after the last one (default: now)")
    report.add_argument("--format", choices=["md", "csv", "json"], default="md", dest="output")
    report.add_argument("--team", help="the Slack workspace (team id), when the database holds several")


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.aftermath import AftermathService
    from bot.errors import NotFound
    from bot.render.export import as_data
    from bot.render.retro import markdown
    from bot.service import Where, utc_now
    from bot.storage.db import Database

    db = Database(settings.database_url)
    try:
        team = _team(db, args.team)
        if team is None:
            return 2
        service = AftermathService(db, zone=settings.zone, clock=utc_now)
        try:
            record = service.record(Where(team_id=team, number=args.incident))
        except NotFound as error:
            print(f"incident-bot export: {error.message}", file=sys.stderr)
            return 1
        print(markdown(record) if args.output == "md" else json.dumps(as_data(record), indent=2, ensure_ascii=False))
        return 0
    finally:
        db.dispose()


def run_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot import report
    from bot.aftermath import AftermathService
    from bot.service import utc_now
    from bot.storage.db import Database

    db = Database(settings.database_url)
    try:
        team = _team(db, args.team)
        if team is None:
            return 2
        since = datetime.combine(args.since, time(), settings.zone).astimezone(UTC)
        until = datetime.combine(args.until, time(), settings.zone).astimezone(UTC) if args.until else utc_now()
        if until <= since:
            print("incident-bot report: --until must come after --since", file=sys.stderr)
            return 2
        found = AftermathService(db, zone=settings.zone, clock=utc_now).insights(team_id=team, since=since, until=until)
        match args.output:
            case "md":
                print(report.as_markdown(found, settings.zone), end="")
            case "csv":
                print(report.as_csv(found), end="")
            case _:
                print(report.as_json(found), end="")
        return 0
    finally:
        db.dispose()


def _team(db: Database, asked: str | None) -> str | None:
    from bot.storage import aftermath

    with db.read() as session:
        teams = aftermath.teams(session=session)
    if asked is not None:
        if asked in teams:
            return asked
        print(
            f"incident-bot: no workspace {asked!r} in this database (it has: {', '.join(teams) or 'none'})",
            file=sys.stderr,
        )
        return None
    if len(teams) == 1:
        return teams[0]
    if not teams:
        print("incident-bot: this database holds no incidents yet", file=sys.stderr)
    else:
        print(f"incident-bot: this database holds several workspaces; add --team ({', '.join(teams)})", file=sys.stderr)
    return None


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
