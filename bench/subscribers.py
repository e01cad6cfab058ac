"""10,000 confirmed subscribers sent one update, through the real web process, while notes are acked.

The Procfile's web line (gunicorn, 1 worker, 8 threads) runs against the project's Slack emulator
with SMTP_URL pointing at a local SMTP server (aiosmtpd in a process of its own, accepting
everything and counting). 10,000 confirmed mail subscribers are stored first. Then `/incident
note` is typed N times alone (the baseline: its ack, and how long until its timeline line is in
the channel), then an English draft is published (the Publish button, as a person clicks it) and
the same N notes are typed while the fan-out and the mails go out. Prints the seconds from the
click to the last mail accepted, the mails a second, and the notes' ack and line delays in both
phases; asserts nothing.

    python bench/subscribers.py [--backend sqlite|postgres|both] [--subscribers 10000] [--notes 100]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from status_page import backend
from status_readers import free_port, start

from bot.domain.subscribers import Medium, SubscriberState
from bot.sandbox import SIGNING_SECRET
from bot.storage.db import Database
from bot.storage.sql import core
from bot.storage.subscriber_tables import SubscriberRow
from slack_emulator import ANNOUNCE, SlackEmulator

STATUS = "C0STATUS"
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"  # noqa: S105 - a local benchmark's key


def smtp_sink(port: int, accepted: Any, last: Any, ready: Any) -> None:
    """A local SMTP server that takes every message and counts it (its own process)."""
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with accepted.get_lock():
                accepted.value += 1
            last.value = time.time()
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(1)


def seed(db: Database, count: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "medium": Medium.MAIL.value,
            "address": f"reader{n}@example.com",
            "language": "en",
            "components": "",
            "state": SubscriberState.CONFIRMED.value,
            "unsubscribe_nonce": f"n{n}",
            "created_at": now,
            "changed_at": now,
            "confirmed_at": now,
        }
        for n in range(count)
    ]
    with db.write() as session:
        core(session).execute(SubscriberRow.__table__.insert(), rows)  # type: ignore[attr-defined]


def notes(emulator: SlackEmulator, channel: str, count: int, tag: str) -> tuple[list[float], list[float]]:
    """Type `count` notes; each one's ack, and the time until its line was in the channel (ms)."""
    acks, lines = [], []
    for number in range(count):
        words = f"{tag} note {number}"
        started = time.perf_counter()
        answer = emulator.as_user("alice").slash(f"note {words}", channel=channel)
        assert answer.status == 200 and "note added" in str(answer.body), answer
        acks.append(answer.elapsed * 1000)
        deadline = time.perf_counter() + 60
        while not any(words in str(message.blocks or message.text) for message in emulator.messages(channel)[-20:]):
            assert time.perf_counter() < deadline, f"{words}: its line never came"
            time.sleep(0.005)
        lines.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    return acks, lines


def summary(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"{statistics.median(values):.0f} | {cuts[98]:.0f} | {max(values):.0f}"


def run(name: str, args: argparse.Namespace) -> None:
    spawn = multiprocessing.get_context("spawn")
    accepted, last, ready = spawn.Value("i", 0), spawn.Value("d", 0.0), spawn.Event()
    smtp_port = free_port()
    sink = spawn.Process(target=smtp_sink, args=(smtp_port, accepted, last, ready), daemon=True)
    sink.start()
    ready.wait(10)
    with backend(name) as db, tempfile.TemporaryDirectory() as folder:
        seed(db, args.subscribers)
        url = db.engine.url.render_as_string(hide_password=False)
        db.dispose()
        emulator = SlackEmulator()
        emulator.add_bot_to(ANNOUNCE)
        emulator.add_bot_to(STATUS)
        extra = {
            "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "INCIDENT_MAIL_FROM": "Chirper status <status@chirper.example>",
            "INCIDENT_STATUS_URL": "https://status.chirper.example/status",
            "INCIDENT_SECRET_KEY": SECRET,
            "INCIDENT_STATUS_CHANNEL": STATUS,
        }
        process, base = start("web", url, emulator, folder, **extra)
        try:
            emulator.connect_app(f"{base}/slack/events", SIGNING_SECRET)
            assert emulator.as_user("alice").slash("open sev1 Everyone is told").status == 200
            channel = None
            for _ in range(300):
                channel = emulator.channel_by_name("inc-1-everyone-is-told")
                if channel is not None:
                    break
                time.sleep(0.1)
            assert channel is not None
            notes(emulator, channel.id, 10, "warm")
            alone = notes(emulator, channel.id, args.notes, "alone")
            assert emulator.as_user("alice").slash("draft en long", channel=channel.id).status == 200
            draft = None
            for _ in range(300):
                found = [m for m in emulator.messages(channel.id) if "Public update draft" in str(m.blocks)]
                if found:
                    draft = found[-1]
                    break
                time.sleep(0.05)
            assert draft is not None
            clicked = time.time()
            assert emulator.as_user("alice").click(channel.id, draft.ts, "draft.publish").status == 200
            during = notes(emulator, channel.id, args.notes, "during")  # while the mails go out
            went_meanwhile = accepted.value
            deadline = time.time() + args.timeout
            while accepted.value < args.subscribers and time.time() < deadline:
                time.sleep(0.2)
            took = (last.value or time.time()) - clicked
        finally:
            process.terminate()
            process.wait(20)
            emulator.close()
            sink.kill()
    print(f"## {name}\n")
    print(f"{accepted.value:,} of {args.subscribers:,} mails accepted by the SMTP server {took:.1f} s after Publish")
    print(f"({accepted.value / took:.0f} mails/s); {went_meanwhile:,} of them while the notes below were typed.\n")
    print("| `note` | ack p50 ms | ack p99 ms | ack max ms | line in channel p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    print(f"| alone | {summary(alone[0])} | {summary(alone[1])} |")
    print(f"| while the update goes out | {summary(during[0])} | {summary(during[1])} |\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--notes", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    print(f"# One update to {args.subscribers:,} mail subscribers, and `note` acks meanwhile\n")
    for name in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(name, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
