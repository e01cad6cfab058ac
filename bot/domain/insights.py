"""Insights over many incidents (docs/behaviour.md, After the fire): what `/incident stats` and
`incident-bot report` show, computed in SQL by `bot.storage.insights` and read together by
`bot.aftermath`; rendered by `bot.render.report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.reminders import PromiseOutcome


@dataclass(frozen=True)
class Spread:
    """How many incidents had the measure, and its median and 90th percentile in seconds."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class PromiseCounts:
    """Public updates promised ("next update by") in the window's incidents, and what came of them
    (`bot.domain.reminders.PromiseOutcome`: the same words as the timeline and the close)."""

    promised: int
    kept: int  # the next update came by the promised time
    kept_late: int  # it came, later
    missed: int  # the time passed (before `until`) with no update since

    def counted(self) -> dict[PromiseOutcome, int]:
        """Each outcome the window can hold, with its count (a time still ahead by `until` is
        neither missed nor kept yet, and is not counted)."""
        outcome = PromiseOutcome
        return {outcome.KEPT: self.kept, outcome.KEPT_LATE: self.kept_late, outcome.MISSED: self.missed}


@dataclass(frozen=True)
class Insights:
    since: datetime
    until: datetime
    by_severity: dict[int, int]
    spreads: dict[str, Spread]  # by measure: identify, mitigate, total, detection_lag, alert_lag
    repeat_groups: list[tuple[int, ...]]  # incident numbers linked as related, in groups
    promises: PromiseCounts
    # by the incident's severity: from a page to its acknowledgement (bot.domain.paging), per request
    acknowledge: dict[int, Spread] = field(default_factory=dict)
