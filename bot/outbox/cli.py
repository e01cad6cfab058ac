"""`incident-bot outbox`: the Slack work not sent yet, and `outbox retry ID | --all` to send it again.

The listing shows pending work (waiting for its next try), held work (Slack refused the token or
a permission: kept until it accepts it) and given-up work (Slack said it can never succeed, e.g.
the channel was deleted), with the pause's reason when the outbox is paused. `retry` sets held
and given-up work back to pending, due now; the running web process or worker sends it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.domain.durations import short
from bot.domain.incident import format_name
from bot.errors import CANNOT_RUN, NOT_THERE

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.outbox.admin import Listed
    from bot.outbox.pause import Pause
    from bot.storage.db import Database

STATES = {"pending": "pending", "held": "held", "dead": "given up", "done": "sent"}
ERROR_WIDTH = 60
RETRY_USAGE = "usage: incident-bot outbox retry ID | --all"


def add_outbox_parser(commands: Any) -> None:
    """`outbox` and `outbox retry` on the `incident-bot` parser (`commands` is its subparsers)."""
    outbox = commands.add_parser("outbox", help="list Slack work not sent yet (pending, held, given up); retry it")
    actions = outbox.add_subparsers(dest="outbox_action")
    retry = actions.add_parser("retry", help="send held or given-up work again, now")
    retry.add_argument("id", nargs="?", help="the effect's ID (first column of `incident-bot outbox`)")
    retry.add_argument("--all", action="store_true", dest="everything", help="all held and given-up work")


def run_outbox(settings: Settings, args: argparse.Namespace, *, clock: Callable[[], datetime] | None = None) -> int:
    from bot.storage.db import Database  # imported here: `incident-bot --help` stays fast

    db = Database(settings.database_url)
    now = clock() if clock else datetime.now(UTC)
    try:
        if args.outbox_action == "retry":
            return _retry(db, args.id, everything=args.everything, now=now)
        from bot.outbox import admin, pause

        with db.read() as session:
            effects = admin.unsent(session=session)
            paused = pause.current(session=session, team_id=None)  # any workspace's
        print(render(effects, paused, now=now, zone=settings.zone))
        return 0
    finally:
        db.dispose()


def render(effects: Sequence[Listed], paused: Pause | None, *, now: datetime, zone: ZoneInfo) -> str:
    """The listing: the pause (if any), a table, and a count by state."""
    lines = []
    if paused is not None:
        since = paused.since.astimezone(zone)
        lines.append(
            f"Slack auth failing since {since:%Y-%m-%d %H:%M %Z}: {paused.error}. Nothing is sent until Slack "
            f"accepts the token; next check {_when(paused.next_check, now)}."
        )
    if not effects:
        lines.append("No Slack work waiting: everything was sent.")
        return "\n".join(lines)
    header = ("ID", "STATE", "KIND", "INCIDENT", "ATTEMPTS", "AGE", "NEXT TRY", "LAST ERROR")
    rows = [header] + [_row(effect, now, paused) for effect in effects]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        cells = [
            cell.rjust(width) if column in (0, 4) else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    counts = {state: sum(effect.state == state for effect in effects) for state in ("pending", "held", "dead")}
    summary = f"{counts['pending']} pending, {counts['held']} held, {counts['dead']} given up."
    if counts["held"] or counts["dead"]:
        summary += " Send held and given-up work again: incident-bot outbox retry ID | --all"
    lines.append(summary)
    return "\n".join(lines)


def _row(effect: Listed, now: datetime, paused: Pause | None) -> tuple[str, ...]:
    if effect.state == "pending":
        next_try = "after the auth check" if paused is not None else _when(effect.not_before, now)
    elif effect.state == "held":
        next_try = "after the auth check"
    else:
        next_try = "-"
    error = effect.last_error or ""
    if len(error) > ERROR_WIDTH:
        error = error[: ERROR_WIDTH - 1] + "…"
    return (
        str(effect.id),
        STATES.get(effect.state, effect.state),
        effect.kind,
        "-" if effect.incident_number is None else format_name(effect.incident_number),
        str(effect.attempts),
        short(now - effect.created_at),
        next_try,
        error,
    )


def _when(moment: datetime, now: datetime) -> str:
    return "now" if moment <= now else f"in {short(moment - now)}"


def _describe(effect: Listed) -> str:
    where = "" if effect.incident_number is None else f", {format_name(effect.incident_number)}"
    return f"{effect.id} ({effect.kind}{where})"


def _retry(db: Database, target: str | None, *, everything: bool, now: datetime) -> int:
    from bot.outbox import admin

    def refuse(message: str, status: int = NOT_THERE) -> int:
        print(message, file=sys.stderr)
        return status

    if everything == (target is not None):
        return refuse(RETRY_USAGE, CANNOT_RUN)
    if everything:
        with db.write() as session:
            count = admin.send_again(session=session, now=now)
        print(f"{count} effects will be sent again now" if count else "Nothing held or given up: nothing to retry.")
        return 0
    assert target is not None
    effect_id = int(target) if target.isdigit() else None
    with db.write() as session:
        found = None if effect_id is None else admin.find(session=session, effect_id=effect_id)
        if found is None:
            return refuse(f"No Slack work has the ID {target!r}: IDs are the first column of `incident-bot outbox`.")
        if found.state == "done":
            return refuse(f"{_describe(found)} was sent already: nothing to retry.")
        if found.state == "pending":
            return refuse(f"{_describe(found)} is pending already (next try {_when(found.not_before, now)}).")
        admin.send_again(session=session, now=now, effect_id=found.id)
    print(f"{_describe(found)} will be sent again now.")
    return 0
