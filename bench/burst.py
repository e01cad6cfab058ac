"""A burst of notes into one incident while Slack is slow: `python bench/burst.py [--quick]`.

The bot's web process (the Procfile's `web` line, as in `bench/ack.py`), the Slack emulator
answering every call after 200 ms. 1,000 signed `/incident note` commands into one incident's
channel within 10 s (8 keep-alive clients, paced), then: how long until every note is visible in
the channel (read back through conversations.history), whether each appears once, whether each
client's notes appear in the order it sent them, how many messages carried them, and whether
every command was acknowledged. On SQLite and PostgreSQL. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from ack import NOTE_ADDED, SECRET, Emulator, bot_env, database, emulator, open_incident, progress, start_server
from ack_load import Target, send

CLIENTS = 8
NOTE = re.compile(r"burst c(\d+) n(\d+)\b")


def history(slack: Emulator, channel: str) -> list[dict[str, object]]:
    """Every message of the channel, oldest first."""
    messages: list[dict[str, object]] = []
    cursor = ""
    while True:
        body = f"channel={channel}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
        request = urllib.request.Request(  # noqa: S310
            f"{slack.url}/api/conversations.history",
            data=body.encode(),
            headers={"Authorization": f"Bearer {slack.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            page = json.load(answer)
        messages += page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return list(reversed(messages))


def notes_shown(messages: list[dict[str, object]]) -> tuple[list[tuple[int, int]], int]:
    """(client, n) of every burst note line in the channel, in the order shown; messages carrying them."""
    shown: list[tuple[int, int]] = []
    carrying = 0
    for message in messages:
        blocks = message.get("blocks") or []
        assert isinstance(blocks, list)
        text = "\n".join(str((block.get("text") or {}).get("text") or "") for block in blocks)
        found = [(int(c), int(n)) for c, n in NOTE.findall(text)]
        carrying += bool(found)
        shown += found
    return shown, carrying


def burst(target: Target, count: int, seconds: float) -> tuple[int, float]:
    """`count` notes from CLIENTS clients, paced over `seconds`; (acknowledged, when the last ack came)."""
    acked = [0] * CLIENTS
    start = time.monotonic()

    def client(k: int) -> None:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=30)
        for i in range(count // CLIENTS):
            delay = start + (i * CLIENTS + k) * seconds / count - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            status, body = send(connection, target, f"note burst c{k} n{i} the checkout page is slow")
            acked[k] += status == 200 and NOTE_ADDED in body

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(acked), time.monotonic()


def run(backend: str, count: int, seconds: float, latency: float, workers: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="burst-bench-") as temp, database(backend, Path(temp)) as url:
        with emulator() as slack:
            env = bot_env(slack, url)
            server, _ = start_server("bot.wsgi:application", env, Path(temp), workers=workers)
            try:
                channel = open_incident(slack, server.port)
                time.sleep(1)  # the opening's Slack work done
                slack.latency(latency)
                target = Target("127.0.0.1", server.port, SECRET, channel, f"{slack.url}/response_url/b", NOTE_ADDED)
                acked, ended = burst(target, count, seconds)
                progress(f"{backend}: {acked} of {count} acknowledged; waiting for the channel")
                seen: list[tuple[int, int]] = []
                carrying = 0
                while time.monotonic() - ended < 120:
                    seen, carrying = notes_shown(history(slack, channel))
                    if len(seen) >= count:
                        break
                    time.sleep(0.5)
                visible_after = time.monotonic() - ended
            finally:
                server.stop()
    wanted = {(k, i) for k in range(CLIENTS) for i in range(count // CLIENTS)}
    in_order = all([n for c, n in seen if c == k] == sorted(n for c, n in seen if c == k) for k in range(CLIENTS))
    return {
        "backend": backend,
        "acked": acked,
        "notes": count,
        "visible_s": visible_after,
        "all_visible": set(seen) >= wanted,
        "twice": len(seen) - len(set(seen)),
        "in_order": in_order,
        "messages": carrying,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 notes in 2 s")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (web processes)")
    args = parser.parse_args(argv)
    count, seconds = (200, 2.0) if args.quick else (1000, 10.0)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = [run(backend, count, seconds, 0.2, args.workers) for backend in backends]
    print(f"# Burst: {count} notes in {seconds:g} s into one incident, every Slack call 200 ms\n")
    print(
        "| backend | acknowledged | visible in the channel after the burst (s) | all visible | twice | "
        "each client's order | messages carrying them |"
    )
    print("|---|---:|---:|---|---:|---|---:|")
    for r in results:
        print(
            f"| {r['backend']} | {r['acked']}/{r['notes']} | {r['visible_s']:.1f} | {r['all_visible']} | "
            f"{r['twice']} | {r['in_order']} | {r['messages']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
