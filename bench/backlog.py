"""A backlog drains at Slack's pace (issue 26, item 3): `python bench/backlog.py [--backend ...]`.

The Procfile's `web` line (gunicorn, 1 worker x 8 threads) against the Slack emulator in its own
process, on a fresh database per backend. Six incidents are opened while Slack answers; then
Slack goes down (every Web API call answers 503) and six clients, one per incident channel, type
`--notes` signed `/incident note` commands each, with a status change (identified, monitoring,
investigating, in turn) after the 50th note and every 100 after it, all acknowledged while Slack is down. Then Slack
comes back, at its real pace: every call takes `--latency` seconds and a `chat.postMessage` into a
channel that had one less than a second ago is refused with 429 and `Retry-After: 1`.

The clock starts when Slack comes back and stops when every channel holds every one of its notes,
each once and in the order typed, and its card's last edit shows the final status; the emulator's
call log (`GET /_emulator/calls`, no latency) is read every half second. It prints the time to the
last channel done, the messages posted, the 429s, and lines a second. A benchmark, not a test:
it prints numbers and asserts nothing. Method and figures: BENCHMARKS.md.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ack import SECRET, Emulator, bot_env, database, emulator, progress, start_server
from ack_load import Target, one, send
from ack_open import calls, pinned_at

INCIDENTS = 6
NOTES = 1000  # per incident: 6,000 in all
STATUS_EVERY = 100  # a status change after every 100th note
STATUSES = ("identified", "monitoring", "investigating")
TOKEN = re.compile(r"bl(\d)-(\d{4})")
DEADLINE_SECONDS = 600


def fault(slack: Emulator, command: dict[str, Any]) -> None:
    request = urllib.request.Request(  # noqa: S310
        f"{slack.url}/_emulator/faults", data=json.dumps(command).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310
        pass


def status_changes(notes: int) -> list[tuple[int, str]]:
    """(after which note, to which status) for one incident."""
    return [(n, STATUSES[k % len(STATUSES)]) for k, n in enumerate(range(STATUS_EVERY // 2 - 1, notes, STATUS_EVERY))]


def type_commands(port: int, channel: str, number: int, notes: int, failures: list[str]) -> None:
    """One client: the incident's notes in order on one keep-alive connection, its status changes between them."""
    target = Target("127.0.0.1", port, SECRET, channel, "http://127.0.0.1:9/unused", "")
    changes = dict(status_changes(notes))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for n in range(notes):
            commands = [f"note bl{number}-{n:04d} backlog line"]
            if n in changes:
                commands.append(f"status {changes[n]}")
            for text in commands:
                status, body = send(connection, target, text)
                if status != 200 or "went wrong" in body:
                    failures.append(f"INC-{number} {text!r}: {status} {body[:120]}")
    finally:
        connection.close()


def blocks_text(call: dict[str, Any]) -> str:
    blocks = call["args"].get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return "\n".join(str((block.get("text") or {}).get("text", "")) for block in blocks)


@dataclass
class Channel:
    number: int
    id: str
    done_at: float | None = None
    lines: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)  # notes per message posted, in order

    def check(self, log: list[dict[str, Any]], since: float, notes: int, final: str) -> None:
        """Done once every note is in the channel once, in order, and the card's last edit shows `final`."""
        lines: list[int] = []
        sizes: list[int] = []
        edits: list[dict[str, Any]] = []
        last_line = since
        for call in log:
            if call["args"].get("channel") != self.id or not call["response"].get("ok") or call["at"] < since:
                continue
            if call["method"] == "chat.postMessage":
                found = [int(n) for number, n in TOKEN.findall(blocks_text(call)) if int(number) == self.number]
                lines += found
                sizes.append(len(found))
                last_line = float(call["at"]) if found else last_line
            elif call["method"] == "chat.update":
                edits.append(call)
        self.lines, self.sizes = lines, sizes
        card_final = bool(edits) and f"({final}," in str(edits[-1]["args"].get("text", ""))
        if self.done_at is None and lines == list(range(notes)) and card_final:
            self.done_at = max(last_line, float(edits[-1]["at"]))  # the emulator's clock: the same wall clock


def opened(slack: Emulator, port: int) -> list[Channel]:
    general = Target("127.0.0.1", port, SECRET, "C0GENERAL", f"{slack.url}/response_url/b", "")
    for number in range(1, INCIDENTS + 1):
        one(general, f"open sev2 Backlog {number}")
    deadline = time.time() + 60
    while not all(pinned_at(slack.url, number) for number in range(1, INCIDENTS + 1)):
        if time.time() > deadline:
            raise SystemExit("the incidents' cards were not pinned within 60 s")
        time.sleep(0.2)
    log = calls(slack.url)
    found = []
    for number in range(1, INCIDENTS + 1):
        created = next(
            call
            for call in log
            if call["method"] == "conversations.create" and str(call["args"]["name"]).startswith(f"inc-{number}-")
        )
        found.append(Channel(number, created["response"]["channel"]["id"]))
    time.sleep(2)  # the opens' lines, replies and announcements sent
    return found


def run(backend: str, *, notes: int, latency: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="backlog-bench-") as temp, database(backend, Path(temp)) as url:
        with emulator() as slack:
            server, _ = start_server("bot.wsgi:application", bot_env(slack, url), Path(temp))
            try:
                channels = opened(slack, server.port)
                fault(slack, {"action": "down"})
                progress(f"{backend}: Slack down; {INCIDENTS} clients type {notes} notes each")
                failures: list[str] = []
                started = time.time()
                clients = [
                    threading.Thread(target=type_commands, args=(server.port, c.id, c.number, notes, failures))
                    for c in channels
                ]
                for client in clients:
                    client.start()
                for client in clients:
                    client.join()
                typed = time.time() - started
                progress(f"{backend}: typed in {typed:.1f} s ({len(failures)} failed); Slack back at its pace")
                fault(slack, {"action": "latency", "seconds": latency})
                fault(slack, {"action": "message_pace", "seconds": 1.0})
                final = status_changes(notes)[-1][1]
                up = time.time()
                fault(slack, {"action": "up"})
                while any(c.done_at is None for c in channels) and time.time() < up + DEADLINE_SECONDS:
                    time.sleep(0.5)
                    log = calls(slack.url)
                    for channel in channels:
                        channel.check(log, up, notes, final)
                log = calls(slack.url)
                after = [call for call in log if call["at"] >= up]
                posted = [c for c in after if c["method"] == "chat.postMessage" and c["response"].get("ok")]
                limited = sum(1 for c in after if c["status"] == 429)
                done = [c.done_at - up for c in channels if c.done_at is not None]
                return {
                    "backend": backend,
                    "typed_s": typed,
                    "failures": failures[:3],
                    "done": len(done),
                    "last_s": max(done) if len(done) == len(channels) else None,
                    "first_s": min(done) if done else None,
                    "posted": len(posted),
                    "limited": limited,
                    "lines": sum(len(c.lines) for c in channels),
                    "sizes": [f"INC-{c.number}: {' '.join(map(str, c.sizes))}" for c in channels],
                    "wrong": [
                        f"INC-{c.number}: {len(c.lines)} lines, {len(set(c.lines))} distinct"
                        for c in channels
                        if c.lines != list(range(notes))
                    ],
                }
            finally:
                server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--notes", type=int, default=NOTES, help=f"notes per incident (default {NOTES})")
    parser.add_argument("--latency", type=float, default=0.1, help="Slack's seconds a call once back (default 0.1)")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"load average before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    for backend in backends:
        result = run(backend, notes=args.notes, latency=args.latency)
        last = result["last_s"]
        rate = result["lines"] / last if last else float("nan")
        print(
            f"{backend}: {INCIDENTS * args.notes} notes typed in {result['typed_s']:.1f} s while Slack was down "
            f"({len(result['failures'])} failed {result['failures']}); after Slack came back: "
            + (f"every line in its channel in {last:.1f} s" if last else f"{result['done']} channels done in time")
            + f" (first channel {result['first_s'] or float('nan'):.1f} s), {result['posted']} messages, "
            f"{result['limited']} 429s, {rate:.0f} lines/s; wrong: {result['wrong'] or 'none'}",
            flush=True,
        )
        print("notes per message:\n  " + "\n  ".join(result["sizes"]), flush=True)
    print(f"load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
