"""Open to pinned card, for `bench/ack.py`: how long from `/incident open` to its card pinned.

The bot's web process as the Procfile starts it, against the emulator in its own process with
every Slack call taking `latency` seconds. Each of `OPENS` opens is a signed `/incident open`
in #general; the clock starts before the request is sent and stops when the emulator answered
the `pins.add` of the new incident's channel (the time its call log records, after the
latency: both processes read the same wall clock). The emulator's call log is read over
`GET /_emulator/calls`, which has no latency, every 10 ms. Opens go one after the other, each
once the one before has finished its work (a second of quiet), so each measures one open.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from typing import Any

from ack_load import Target, one

OPENS = 5
POLL_SECONDS = 0.01
OPENED = "Opened"


def calls(emulator_url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{emulator_url}/_emulator/calls", timeout=5) as answer:  # noqa: S310
        return list(json.load(answer)["calls"])


def pinned_at(emulator_url: str, number: int) -> float | None:
    """When the emulator answered the pin of INC-`number`'s card (Unix seconds), if it has."""
    log = calls(emulator_url)
    channel = next(
        (
            call["response"]["channel"]["id"]
            for call in log
            if call["method"] == "conversations.create"
            and call["response"].get("ok")
            and str(call["args"].get("name", "")).startswith(f"inc-{number}-")
        ),
        None,
    )
    if channel is None:
        return None
    return next(
        (
            float(call["at"])
            for call in log
            if call["method"] == "pins.add" and call["args"].get("channel") == channel and call["response"].get("ok")
        ),
        None,
    )


def open_to_pinned(emulator_url: str, target: Target, *, first_number: int, opens: int = OPENS) -> list[float]:
    """Seconds from each open's request to its card pinned, for `opens` new incidents numbered
    from `first_number`."""
    seconds: list[float] = []
    for number in range(first_number, first_number + opens):
        started = time.time()
        _, status, body = one(target, f"open sev2 Checkout is slow, bench open {number}")
        if status != 200 or OPENED not in body:
            raise SystemExit(f"/incident open was answered {status}: {body[:200]}")
        deadline = started + 30
        while (at := pinned_at(emulator_url, number)) is None:
            if time.time() > deadline:
                raise SystemExit(f"INC-{number}'s card was not pinned within 30 s")
            time.sleep(POLL_SECONDS)
        seconds.append(at - started)
        time.sleep(1.0)  # the rest of its work (announcement, reply) done before the next open
    return seconds


def summary(seconds: list[float]) -> str:
    """`median 0.31 s (0.29-0.34 s over 5 opens)`."""
    return (
        f"median {statistics.median(seconds):.3f} s ({min(seconds):.3f}-{max(seconds):.3f} s over {len(seconds)} opens)"
    )
