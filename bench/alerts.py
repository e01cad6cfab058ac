"""An alert storm while Slack is slow: `python bench/alerts.py [--quick] [--backend sqlite|postgresql|both]`.

The bot's web process (the Procfile's `web` line, as in `bench/ack.py`), the Slack emulator
answering every call after 200 ms. 50 groups of alerts reach 20 alerts each within 60 s: 1,000
alerts, each a new Alertmanager notification of its group (`POST /alerts/alertmanager`, Bearer
token), carrying every alert of the group so far as Alertmanager does, from 8 keep-alive
senders, paced. Then: every request's time as the sender saw it (p50, p99, max) and its answer;
the triage messages posted in the alert channel (at most one a group) and their edits; how long
after the storm every message shows its group's 20 alerts firing; and that the database holds
every alert firing, in its group, once. On SQLite and PostgreSQL. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ack import Emulator, bot_env, database, emulator, progress, start_server
from sqlalchemy import create_engine, text

GROUPS = 50
PER_GROUP = 20
SENDERS = 8
SECRET = "bench-alertmanager-secret-0123456789"  # noqa: S105  (only this benchmark's bot knows it)
ALERT_CHANNEL = "C0GENERAL"  # a public channel of the emulator: the bot joins it to post


def notification(group: int, alerts: int, started: datetime) -> bytes:
    """Alertmanager's webhook body (version 4) for `group` holding its first `alerts` alerts."""
    labels = {"alertname": f"Storm{group:02d}", "service": f"svc-{group:02d}", "severity": "critical"}
    items = [
        {
            "status": "firing",
            "labels": labels | {"instance": f"host-{n:02d}:9100"},
            "annotations": {"summary": f"Storm {group:02d}: errors on svc-{group:02d}"},
            "startsAt": (started + timedelta(seconds=n)).isoformat().replace("+00:00", "Z"),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": f"http://prometheus.example.com/graph?g0.expr=errors%7Bservice%3D%22svc-{group:02d}%22%7D",
            "fingerprint": f"{group:04x}{n:012x}",
        }
        for n in range(alerts)
    ]
    body = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{labels["alertname"]}", service="{labels["service"]}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "incident-bot",
        "groupLabels": {"alertname": labels["alertname"], "service": labels["service"]},
        "commonLabels": labels,
        "commonAnnotations": {"summary": f"Storm {group:02d}: errors on svc-{group:02d}"},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": items,
    }
    return json.dumps(body).encode()


def storm(port: int, per_group: int, seconds: float) -> tuple[list[float], Counter[int], float]:
    """Every group's notifications, alert after alert, paced over `seconds` by SENDERS senders:
    (each request's seconds, answers by HTTP status, when the last answer came)."""
    started = datetime.now(UTC)
    plan = [(group, alerts) for alerts in range(1, per_group + 1) for group in range(GROUPS)]
    times: list[list[float]] = [[] for _ in range(SENDERS)]
    statuses: list[Counter[int]] = [Counter() for _ in range(SENDERS)]
    begin = time.monotonic()

    def sender(k: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {SECRET}"}
        for index in range(k, len(plan), SENDERS):
            delay = begin + index * seconds / len(plan) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            group, alerts = plan[index]
            sent = time.monotonic()
            connection.request("POST", "/alerts/alertmanager", notification(group, alerts, started), headers)
            answer = connection.getresponse()
            answer.read()
            times[k].append(time.monotonic() - sent)
            statuses[k][answer.status] += 1

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [t for each in times for t in each], sum(statuses, Counter()), time.monotonic()


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest measured value with at least p of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def triage_calls(slack: Emulator) -> tuple[int, int, dict[str, str]]:
    """The bot's chat.postMessage and chat.update calls in the alert channel, and what each message
    shows now (its first section: the group's summary -> its alerts field)."""
    with urllib.request.urlopen(f"{slack.url}/_emulator/calls", timeout=30) as answer:  # noqa: S310
        calls = json.load(answer)["calls"]
    mine = [c for c in calls if c["args"].get("channel") == ALERT_CHANNEL and c["response"].get("ok")]
    posts = sum(c["method"] == "chat.postMessage" for c in mine)
    updates = sum(c["method"] == "chat.update" for c in mine)
    request = urllib.request.Request(  # noqa: S310
        f"{slack.url}/api/conversations.history",
        data=f"channel={ALERT_CHANNEL}&limit=1000".encode(),
        headers={"Authorization": f"Bearer {slack.token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        messages = json.load(answer).get("messages") or []
    shown = {}
    for message in messages:
        blocks = message.get("blocks") or []
        if message.get("bot_id") and blocks:
            fields = [f["text"] for b in blocks for f in b.get("fields", []) if f["text"].startswith("*Alerts*")]
            shown[blocks[0]["text"]["text"]] = fields[0] if fields else ""
    return posts, updates, shown


def stored(url: str) -> tuple[int, int, int, int]:
    """Groups, alerts, alerts firing, and memberships in the database."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            groups = connection.execute(text("SELECT COUNT(*) FROM alert_group")).scalar_one()
            alerts = connection.execute(text("SELECT COUNT(*) FROM alert")).scalar_one()
            firing = connection.execute(text("SELECT COUNT(*) FROM alert WHERE status = 'firing'")).scalar_one()
            members = connection.execute(text("SELECT COUNT(*) FROM alert_group_member")).scalar_one()
    finally:
        engine.dispose()
    return int(groups), int(alerts), int(firing), int(members)


def run(backend: str, per_group: int, seconds: float, latency: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="alerts-bench-") as temp, database(backend, Path(temp)) as url:
        with emulator() as slack:
            env = bot_env(slack, url) | {
                "INCIDENT_ALERT_TOKENS": f"bench:{SECRET}",
                "INCIDENT_ALERT_CHANNEL": ALERT_CHANNEL,
            }
            server, _ = start_server("bot.wsgi:application", env, Path(temp))
            try:
                slack.latency(latency)
                progress(f"{backend}: {GROUPS * per_group} alerts in {GROUPS} groups over {seconds:g} s")
                times, statuses, ended = storm(server.port, per_group, seconds)
                progress(f"{backend}: answered {dict(statuses)}; waiting for the alert channel")
                wanted = f"{per_group} firing"
                shown: dict[str, str] = {}
                posts = updates = 0
                while time.monotonic() - ended < 300:
                    posts, updates, shown = triage_calls(slack)
                    if len(shown) >= GROUPS and all(wanted in field for field in shown.values()):
                        break
                    time.sleep(1)
                caught_up = time.monotonic() - ended
                in_database = stored(url)
            finally:
                server.stop()
    return {
        "backend": backend,
        "requests": len(times),
        "statuses": dict(statuses),
        "p50_ms": percentile(times, 0.5) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
        "max_ms": max(times) * 1000,
        "messages": len(shown),
        "posts": posts,
        "updates": updates,
        "current": sum(f"{per_group} firing" in field for field in shown.values()),
        "caught_up_s": caught_up,
        "stored": in_database,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 alerts a group in 12 s (200 alerts)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    per_group, seconds = (4, 12.0) if args.quick else (PER_GROUP, 60.0)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = [run(backend, per_group, seconds, 0.2) for backend in backends]
    total = GROUPS * per_group
    print(f"# Alert storm: {total} alerts in {GROUPS} groups within {seconds:g} s, every Slack call 200 ms\n")
    print(
        "| backend | requests (answers) | p50 ms | p99 ms | max ms | triage messages (posts, edits) | "
        f"showing {per_group} firing | all current after the storm (s) | groups, alerts, firing, memberships stored |"
    )
    print("|---|---|---:|---:|---:|---|---:|---:|---|")
    for r in results:
        print(
            f"| {r['backend']} | {r['requests']} ({r['statuses']}) | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['max_ms']:.1f} | {r['messages']} ({r['posts']}, {r['updates']}) | {r['current']}/{GROUPS} | "
            f"{r['caught_up_s']:.1f} | {', '.join(map(str, r['stored']))} |"  # type: ignore[call-overload]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
