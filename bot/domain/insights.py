"""Insights over many incidents (docs/behaviour.md, After the fire): what `/incident stats` and
`incident-bot report` show, computed in SQL by `bot.storage.insights` and read together by
`bot.aftermath`; rendered by `bot.render.report`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Spread:
    """How many incidents had the measure, and its median and 90th percentile in seconds."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class PromiseCounts:
    """Public updates promised ("next update by") in the window's incidents, and what came of them."""

    promised: int
    kept: int  # the next update came by the promised time
    late: int  # it came, later
    missed: int  # the time passed (before `until`) with no update since


@dataclass(frozen=True)
class Insights:
    since: datetime
    until: datetime
    by_severity: dict[int, int]
    spreads: dict[str, Spread]  # by measure: identify, mitigate, total, detection_lag
    repeat_groups: list[tuple[int, ...]]  # incident numbers linked as related, in groups
    promises: PromiseCounts
