"""An incident's durations by name: each label written once, with the order every rendering shows
them in (the close's report in Slack, `/incident timeline`, the retrospective, the demo);
`/incident stats` and `incident-bot report` name the same measures over many incidents."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.durations import Durations, short

TOTAL = "total duration"
TO_IDENTIFY = "time to identify"
TO_MITIGATE = "time to mitigate"
DETECTION_LAG = "detection lag"
ALERT_LAG = "time from first alert to declared"
IN_EACH_STATUS = "time in each status"
# By the name the database and the JSON report give each measure (`bot.storage.insights.MEASURES`).
MEASURE_LABELS = {
    "identify": TO_IDENTIFY,
    "mitigate": TO_MITIGATE,
    "total": TOTAL,
    "detection_lag": DETECTION_LAG,
    "alert_lag": ALERT_LAG,
}


def headline(durations: Durations) -> list[tuple[str, timedelta]]:
    """The total, then the times to identify and to mitigate that were measured, labelled."""
    measured = [(TO_IDENTIFY, durations.to_identify), (TO_MITIGATE, durations.to_mitigate)]
    return [(TOTAL, durations.total), *((label, length) for label, length in measured if length is not None)]


def phases(durations: Durations) -> str:
    """`investigating 25m · identified 1h 4m`: each status the incident spent time in ("" if none)."""
    return " · ".join(
        f"{status.value} {short(spent)}" for status, spent in durations.in_status.items() if spent.total_seconds() > 0
    )
