"""200 concurrent readers of `/status` against the real web process, while a `note` is acked.

The Procfile's web line (gunicorn, the bot's gthread worker, 1 worker, 8 threads, `bot.gunicorn_config`) runs on
a database holding 100,000 incidents (bench/status_page.py's data), connected to the project's
Slack emulator, which signs every request as Slack does. First `/incident note` is typed N times
alone (the baseline), then N times while 200 keep-alive readers (two processes of 100 threads,
so the readers' own GIL does not slow the emulator) fetch `/status` as fast as they can. Prints
the note ack p50/p99 in both phases and the readers' throughput and latency; asserts nothing.

    python bench/status_readers.py [--backend sqlite|postgres|both] [--notes 200] [--readers 200]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from status_page import backend, load

from bot.sandbox import SIGNING_SECRET
from slack_emulator import ANNOUNCE, SlackEmulator

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_web(
    database_url: str, emulator: SlackEmulator, folder: str, *, extra: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    line = line.removeprefix("web:").replace("$PORT", str(port)).replace("--access-logfile -", "")
    arguments = line.replace("${WEB_CONCURRENCY:-1}", "1").replace("${WEB_THREADS:-8}", "8").split()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": emulator.bot_token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url, "DATABASE_URL": database_url, "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
        "INCIDENT_TIMEZONE": "Asia/Kolkata", "INCIDENT_LANGUAGES": "en,fr", "INCIDENT_PUBLIC_NAME": "Chirper",
        **(extra or {}),
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", *arguments], env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 - loopback
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the web process did not start")


def reader_process(port: int, threads: int, stop: Any, out: Any) -> None:
    """`threads` keep-alive readers of /status until `stop` is set; sends back their latencies."""
    latencies: list[float] = []
    lock = threading.Lock()

    def read() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while not stop.is_set():
            started = time.perf_counter()
            try:
                connection.request("GET", "/status", headers={"Accept-Language": "en"})
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if answer.status == 200:
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=read) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put(latencies)


def notes(emulator: SlackEmulator, channel: str, count: int) -> list[float]:
    elapsed = []
    for number in range(count):
        answer = emulator.as_user("alice").slash(f"note reading the page, note {number}", channel=channel)
        assert answer.status == 200, answer
        elapsed.append(answer.elapsed * 1000)
        time.sleep(0.02)
    return elapsed


def summary(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=100)
    return f"{statistics.median(values):.1f} | {cuts[98]:.1f} | {max(values):.1f}"


def run(name: str, args: argparse.Namespace) -> None:
    with backend(name) as db, tempfile.TemporaryDirectory() as folder:
        load(db, args.count)
        if db.engine.dialect.name == "postgresql":  # load() gave explicit ids: move the sequence past them
            with db.engine.begin() as connection:
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence('incident', 'id'), max(id)) FROM incident")
                )
        url = db.engine.url.render_as_string(hide_password=False)
        db.dispose()
        emulator = SlackEmulator()
        emulator.add_bot_to(ANNOUNCE)
        process, base = start_web(url, emulator, folder)
        try:
            emulator.connect_app(f"{base}/slack/events", SIGNING_SECRET)
            assert emulator.as_user("alice").slash("open sev1 Readers everywhere").status == 200
            for _ in range(300):
                channel = emulator.channel_by_name("inc-1-readers-everywhere")
                if channel is not None:
                    break
                time.sleep(0.1)
            assert channel is not None
            notes(emulator, channel.id, 10)  # warm up
            alone = notes(emulator, channel.id, args.notes)
            port = int(base.rsplit(":", 1)[1])
            spawn = multiprocessing.get_context("spawn")
            queue: Any = spawn.Queue()
            stop = spawn.Event()
            readers = [
                spawn.Process(target=reader_process, args=(port, args.readers // 2, stop, queue)) for _ in range(2)
            ]
            started = time.time()
            for reader in readers:
                reader.start()
            time.sleep(3)  # every reader connected and reading
            loaded = notes(emulator, channel.id, args.notes)
            stop.set()
            busy = time.time() - started
            read = [latency for _ in readers for latency in queue.get()]
            for reader in readers:
                reader.join()
        finally:
            process.terminate()
            process.wait(20)
            emulator.close()
    print(f"## {name}\n\n| `note` ack | p50 ms | p99 ms | max ms |\n|---|---|---|---|")
    print(f"| alone | {summary(alone)} |\n| with {args.readers} readers of /status | {summary(loaded)} |")
    print(f"\nReaders: {len(read):,} pages of /status in {busy:.0f} s ({len(read) / busy:.0f}/s), ")
    print(f"each read p50 / p99 / max ms: {summary(read).replace(' |', ' /')}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"# {args.readers} readers of /status and a `note` ack, {args.count:,} incidents\n")
    for name in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(name, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
