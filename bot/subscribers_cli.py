"""`incident-bot subscribers [list | add-webhook URL | remove ID|ADDRESS]` (docs/behaviour.md,
Subscribers): what operators see and do. Addresses are shown masked (`ja***@ex***.com #1f3a`):
enough to tell two apart, never the whole address, so a listing pasted in a ticket leaks none.

Without an action: the counts per medium and state, the deliveries per kind and state, and every
webhook that is failing and every address that bounced.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from bot.domain.subscribers import Medium, SubscriberState
from bot.errors import CANNOT_RUN, NOT_THERE

if TYPE_CHECKING:
    from bot.config import Settings


def add_subscribers_parser(commands: Any) -> None:
    parser = commands.add_parser("subscribers", help="status page subscribers: counts, webhooks, removal")
    actions = parser.add_subparsers(dest="action")
    actions.add_parser("list", help="every subscriber, addresses masked")
    webhook = actions.add_parser("add-webhook", help="POST every published update to URL (Statuspage JSON, signed)")
    webhook.add_argument("url", help="the receiver's http(s) address")
    webhook.add_argument("--components", default="", help="catalog component ids, comma-separated (default: all)")
    webhook.add_argument("--language", default=None, help="the language of the updates (default: the first one)")
    remove = actions.add_parser("remove", help="forget a subscriber and what was sent to it")
    remove.add_argument("which", help="its id (from `list`) or its address")


def run_subscribers(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import utc_now
    from bot.storage import deliveries, subscribers
    from bot.storage.db import Database
    from bot.subscribers import SubscriberService

    db = Database(settings.database_url)
    service = SubscriberService.from_settings(db, settings, clock=utc_now)
    try:
        match args.action:
            case "add-webhook":
                from bot.errors import UsageError

                components = [part.strip() for part in args.components.split(",") if part.strip()]
                try:
                    added = service.add_webhook(
                        args.url, language=args.language or settings.languages[0], components=components
                    )
                except UsageError as error:
                    print(error.message, file=sys.stderr)
                    return CANNOT_RUN
                print(f"webhook {added.subscriber.id} added: {added.subscriber.address}")
                print(f"signing secret (shown once, give it to the receiver): {added.secret}")
                return 0
            case "remove":
                from bot.errors import NotFound

                try:
                    removed = service.remove(args.which)
                except NotFound as missing:
                    print(missing.message, file=sys.stderr)
                    return NOT_THERE
                print(f"removed {removed.medium.value} subscriber {removed.id} ({removed.shown})")
                return 0
            case "list":
                with db.read() as session:
                    every = subscribers.listed(session=session)
                for each in every:
                    chosen = ",".join(sorted(each.components)) or "all"
                    print(
                        f"{each.id}\t{each.medium.value}\t{each.state.value}\t{each.language}\t{chosen}\t{each.shown}"
                    )
                if not every:
                    print("no subscribers")
                return 0
        with db.read() as session:
            counts = subscribers.counts(session=session)
            sent = deliveries.count_by_state(session=session)
            every = subscribers.listed(session=session)
        for medium in Medium:
            shown = ", ".join(f"{counts.get((medium, state), 0)} {state.value}" for state in SubscriberState)
            print(f"{medium.value}: {shown}")
        for (by, kind, state), n in sorted(sent.items()):
            print(f"{by} {kind} deliveries {state}: {n}")
        for each in every:
            if each.state in (SubscriberState.FAILING, SubscriberState.BOUNCED):
                print(f"{each.state.value}: {each.medium.value} {each.id} {each.shown}")
        return 0
    finally:
        db.dispose()
