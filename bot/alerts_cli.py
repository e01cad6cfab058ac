"""`incident-bot alerts`: the groups of alerts waiting for someone to decide (docs/behaviour.md,
Alerts), newest first; `--all` lists the most recent groups whatever became of them.

For an operator: is anything arriving, what waits in the alert channel, what a rule will declare
and when, what was declared, added or dismissed and by whom. Reads the database only.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.domain.alerts import Counts, StoredGroup, Triage
from bot.domain.durations import short
from bot.domain.incident import format_name
from bot.domain.timefmt import day_and_time

if TYPE_CHECKING:
    from bot.config import Settings

SUMMARY_WIDTH = 60
RECENT = 50  # groups `--all` lists


def add_alerts_parser(commands: Any) -> None:
    """`alerts` on the `incident-bot` parser (`commands` is its subparsers)."""
    alerts = commands.add_parser("alerts", help="list the groups of alerts waiting for a decision in the alert channel")
    alerts.add_argument(
        "--all", action="store_true", dest="everything", help=f"the {RECENT} most recent groups, decided or not"
    )


def run_alerts(settings: Settings, args: argparse.Namespace, *, now: datetime | None = None) -> int:
    from bot.storage import alerts, repository  # imported here: `incident-bot --help` stays fast
    from bot.storage.db import Database

    db = Database(settings.database_url)
    try:
        with db.read() as session:
            groups = alerts.recent_groups(session=session, limit=RECENT) if args.everything else None
            groups = alerts.open_groups(session=session) if groups is None else groups
            counted = {group.id: alerts.counts(session=session, group_id=group.id) for group in groups}
            numbers = {
                group.id: repository.get_by_id(session=session, incident_id=group.incident_id).incident.number
                for group in groups
                if group.incident_id is not None
            }
            declaring = {group.id: group.declare_at for group in groups if group.declare_at is not None}
        print(render(groups, counted, numbers, declaring, now=now or datetime.now(UTC), zone=settings.zone))
        return 0
    finally:
        db.dispose()


def render(
    groups: Sequence[StoredGroup],
    counted: dict[int, Counts],
    numbers: dict[int, int],
    declaring: dict[int, datetime],
    *,
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """A table: each group, where it stands, its alerts by state, when it was seen, what it says."""
    if not groups:
        return "No group of alerts waits for a decision."
    header = ("GROUP", "SOURCE", "SEV", "FIRING", "RESOLVED", "FIRST SEEN", "LAST SEEN", "STATE", "SUMMARY")
    rows = [header]
    for group in groups:
        counts = counted[group.id]
        summary = group.summary if len(group.summary) <= SUMMARY_WIDTH else group.summary[: SUMMARY_WIDTH - 1] + "…"
        rows.append(
            (
                str(group.id),
                group.sender,
                f"sev{group.severity}",
                str(counts.firing),
                str(counts.resolved),
                day_and_time(group.first_seen_at, zone, relative_to=now),
                f"{short(now - group.last_seen_at)} ago",
                _state(group, numbers.get(group.id), declaring.get(group.id), now),
                summary,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(
            cell.rjust(width) if column in (0, 3, 4) else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    waiting = sum(group.triage is Triage.OPEN for group in groups)
    lines.append(f"{waiting} waiting for a decision, {len(groups) - waiting} decided.")
    return "\n".join(lines)


def _state(group: StoredGroup, number: int | None, declare_at: datetime | None, now: datetime) -> str:
    """`waiting`, `waiting (a rule declares in 4m)`, `declared INC-7`, `added to INC-3`, `dismissed`, `ignored`."""
    match group.triage:
        case Triage.OPEN if declare_at is not None:
            return f"waiting (a rule declares {'now' if declare_at <= now else 'in ' + short(declare_at - now)})"
        case Triage.OPEN:
            return "waiting" if group.message_ts else "waiting (message not posted yet)"
        case Triage.DECLARED:
            return f"declared {format_name(number)}" if number is not None else "declared"
        case Triage.ATTACHED:
            return f"added to {format_name(number)}" if number is not None else "added"
        case Triage.DISMISSED:
            return "dismissed"
    return "ignored by a rule"
