"""`incident-bot status export DIR [--url URL]`: the public status page as a static site
(bot.status_page.export), for any static host or object store, or a web server pointed at DIR.

Reads the bot's database (migrated already: nothing is created) and needs no Slack token. DIR
becomes a link to the newest site, replaced whole each time: run it after each publication, or
every minute from cron, and readers never see half a site.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Settings, status_url
from bot.errors import CANNOT_RUN


def add_status_parser(commands: Any) -> None:
    """`status export` on the `incident-bot` parser (`commands` is its subparsers)."""
    status = commands.add_parser("status", help="the public status page")
    actions = status.add_subparsers(dest="action", required=True)
    export = actions.add_parser(
        "export", help="write the whole public site (every language, feeds, JSON API) as static files, at once"
    )
    export.add_argument("folder", type=Path, help="becomes a link to the newest site (made or replaced whole)")
    export.add_argument(
        "--url",
        type=_address,
        default=None,
        help="where the folder will be published, e.g. https://status.example.com/ (default INCIDENT_STATUS_URL; "
        "without either, feeds and JSON link relatively)",
    )


def run_status(settings: Settings, args: argparse.Namespace) -> int:
    from bot.status_page.export import CannotExport, export_site
    from bot.storage.db import Database

    db = Database(settings.database_url)
    try:
        exported = export_site(db, settings, args.folder, clock=lambda: datetime.now(UTC), url=args.url)
    except (CannotExport, OSError) as refused:
        print(f"incident-bot status export: {refused}", file=sys.stderr)
        return CANNOT_RUN
    finally:
        db.dispose()
    languages, folder = ", ".join(settings.languages), exported.folder.absolute()
    print(f"{folder}: the status page ({languages}), its feeds and JSON API, {len(exported.files)} files")
    print(f"open {folder / exported.home}")
    return 0


def _address(text: str) -> str:
    try:
        return status_url(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} {error}") from None
