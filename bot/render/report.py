"""Insights as people read them: `/incident stats` in Slack and `incident-bot report` as
Markdown, CSV or JSON (docs/behaviour.md, After the fire). One list of rows, four renderings."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.durations import short
from bot.domain.incident import SEVERITIES, format_name
from bot.domain.insights import Insights, Spread
from bot.render.durations import MEASURE_LABELS

SHOWN_GROUPS = 5  # in Slack; the report lists every group
ACKNOWLEDGE = "time to acknowledge a page"


@dataclass(frozen=True)
class Row:
    metric: str
    value: float | int | None  # a count, or seconds
    seconds: bool = False

    @property
    def shown(self) -> str:
        if self.value is None:
            return "n/a"
        return short(timedelta(seconds=self.value)) if self.seconds else str(self.value)


def rows(found: Insights) -> list[Row]:
    table = [Row("incidents", sum(found.by_severity.values()))]
    table += [Row(f"sev{severity} incidents", found.by_severity.get(severity, 0)) for severity in SEVERITIES]
    for measure, name in MEASURE_LABELS.items():
        spread = found.spreads[measure]
        table += [
            Row(f"{name}: incidents measured", spread.count),
            Row(f"{name}: median", spread.median, seconds=True),
            Row(f"{name}: p90", spread.p90, seconds=True),
        ]
    for severity in SEVERITIES:
        spread = found.acknowledge.get(severity, Spread(0, None, None))
        table += [
            Row(f"{ACKNOWLEDGE} (sev{severity}): pages acknowledged", spread.count),
            Row(f"{ACKNOWLEDGE} (sev{severity}): median", spread.median, seconds=True),
            Row(f"{ACKNOWLEDGE} (sev{severity}): p90", spread.p90, seconds=True),
        ]
    table += [Row("repeat offenders: groups of related incidents", len(found.repeat_groups))]
    table += [Row("public updates promised", found.promises.promised)]
    table += [Row(f"public updates: promises {outcome}", count) for outcome, count in found.promises.counted().items()]
    return table


def window_words(found: Insights, zone: ZoneInfo) -> str:
    since = found.since.astimezone(zone)
    until = found.until.astimezone(zone)
    return f"{since:%Y-%m-%d} to {until:%Y-%m-%d} ({since.tzname()}), by when the impact began"


def _groups(found: Insights) -> list[str]:
    return [", ".join(format_name(number) for number in group) for group in found.repeat_groups]


def as_markdown(found: Insights, zone: ZoneInfo) -> str:
    lines = [f"# Incident insights, {window_words(found, zone)}", "", "| metric | value |", "|---|---|"]
    lines += [f"| {row.metric} | {row.shown} |" for row in rows(found)]
    groups = _groups(found)
    if groups:
        lines += ["", "## Repeat offenders", "", *(f"- {group}" for group in groups)]
    return "\n".join(lines) + "\n"


def as_csv(found: Insights) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "value", "unit"])
    for row in rows(found):
        writer.writerow([row.metric, "" if row.value is None else row.value, "seconds" if row.seconds else "count"])
    return out.getvalue()


def as_json(found: Insights) -> str:
    data = {
        "since": found.since.isoformat(),
        "until": found.until.isoformat(),
        "incidents_by_severity": {f"sev{severity}": found.by_severity.get(severity, 0) for severity in SEVERITIES},
        "durations_seconds": {
            measure: {"count": spread.count, "median": spread.median, "p90": spread.p90}
            for measure, spread in found.spreads.items()
        },
        "time_to_acknowledge_seconds": {
            f"sev{severity}": {"count": spread.count, "median": spread.median, "p90": spread.p90}
            for severity in SEVERITIES
            for spread in [found.acknowledge.get(severity, Spread(0, None, None))]
        },
        "repeat_offenders": [[format_name(number) for number in group] for group in found.repeat_groups],
        "public_update_promises": {
            "promised": found.promises.promised,
            **{outcome.replace(" ", "_"): count for outcome, count in found.promises.counted().items()},
        },
    }
    return json.dumps(data, indent=2) + "\n"


def as_slack_lines(found: Insights, zone: ZoneInfo) -> Sequence[str]:
    """mrkdwn lines for `/incident stats` (nothing here comes from people's text)."""
    by_severity = " · ".join(f"sev{severity} {found.by_severity.get(severity, 0)}" for severity in SEVERITIES)
    lines = [
        f"*Incidents* {window_words(found, zone)}: {sum(found.by_severity.values())} ({by_severity})",
    ]
    for measure, name in MEASURE_LABELS.items():
        spread = found.spreads[measure]
        if spread.count:
            median = short(timedelta(seconds=spread.median or 0))
            p90 = short(timedelta(seconds=spread.p90 or 0))
            lines.append(f"*{name.capitalize()}*: median {median}, p90 {p90} ({_counted(spread.count, 'incident')})")
        else:
            lines.append(f"*{name.capitalize()}*: no resolved incident measured")
    acknowledged = [
        f"sev{severity} median {short(timedelta(seconds=taken.median or 0))}, "
        f"p90 {short(timedelta(seconds=taken.p90 or 0))} ({_counted(taken.count, 'page')})"
        for severity, taken in sorted(found.acknowledge.items())
        if taken.count
    ]
    lines.append(f"*{ACKNOWLEDGE.capitalize()}*: " + (" · ".join(acknowledged) or "no page acknowledged"))
    promises = found.promises
    counted = ", ".join(f"{count} {outcome}" for outcome, count in promises.counted().items())
    promised = f"{promises.promised} promised, {counted}" if promises.promised else "none promised"
    lines.append(f"*Public updates*: {promised}")
    groups = _groups(found)
    shown = "; ".join(groups[:SHOWN_GROUPS]) if groups else "none"
    if len(groups) > SHOWN_GROUPS:
        shown += f"; and {len(groups) - SHOWN_GROUPS} more groups (`incident-bot report` lists them all)"
    lines.append("*Repeat offenders*: " + shown)
    return lines


def _counted(count: int, word: str) -> str:
    """ "1 page", "3 pages": how many a median was taken over."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
