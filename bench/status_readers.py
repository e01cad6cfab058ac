"""200 concurrent readers of `/status`, while a `note` is acked by the real web process.

The Procfile's web line (gunicorn gthread, 1 worker, 8 threads, `bot.gunicorn_config`) runs on a
database holding 100,000 incidents (bench/status_page.py's data), connected to the project's
Slack emulator, which signs every request as Slack does. The readers read from `--target`:

- `web`: the web process itself (the default deployment: one process for everything);
- `status`: the Procfile's status line (its own process, same database), the web process with
  `INCIDENT_STATUS_PAGE=separate`.

With `--apart`, the readers (and the status process) run at `nice 19`: they get only the CPU the
web process and this one (the emulator, which signs and sends the notes) leave, as if they ran on
other hosts; without it they all share the machine's cores alike.

First `/incident note` is typed N times alone (the baseline), then N times while 200 keep-alive
readers (two processes of 100 threads, so the readers' own GIL does not slow the emulator) fetch
`/status` as fast as they can. Prints the note ack p50/p99 in both phases, the readers'
throughput and latency, and the processes' memory; asserts nothing.

    python bench/status_readers.py [--target web|status|both] [--backend sqlite|postgres|both] [--apart]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
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


def start(
    process: str, database_url: str, emulator: SlackEmulator, folder: str, apart: bool = False, **more: str
) -> tuple[subprocess.Popen[bytes], str]:
    """The Procfile's `process` line (web, status); the status process gets no Slack settings;
    `apart`: at nice 19 (only the CPU the others leave)."""
    port = free_port()
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(f"{process}:"))
    line = line.removeprefix(f"{process}:").replace("$PORT", str(port)).replace("--access-logfile -", "")
    arguments = line.replace("${WEB_CONCURRENCY:-1}", "1").replace("${WEB_THREADS:-8}", "8").split()
    slack = {
        "SLACK_BOT_TOKEN": emulator.bot_token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url, "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
    }  # fmt: skip
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
        **(slack if process == "web" else {}),
        "DATABASE_URL": database_url,
        "INCIDENT_TIMEZONE": "Asia/Kolkata", "INCIDENT_LANGUAGES": "en,fr", "INCIDENT_PUBLIC_NAME": "Chirper",
        **more,
    }  # fmt: skip
    niced = ["nice", "-n", "19"] if apart else []
    quiet = subprocess.DEVNULL
    process = subprocess.Popen(
        [*niced, sys.executable, "-m", *arguments], env=env, cwd=folder, stdout=quiet, stderr=quiet
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 - loopback
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the {process} process did not start")


def reader_process(port: int, threads: int, stop: Any, out: Any, reading: Any, apart: bool) -> None:
    """`threads` keep-alive readers of /status until `stop` is set; sends back their latencies.
    `reading` counts the readers that have read a page (the load is on once all have)."""
    if apart:
        os.nice(19)
    latencies: list[float] = []
    lock = threading.Lock()

    warned: set[str] = set()

    def warn(what: str) -> None:
        """Once per kind of failure and process, on stderr: a reader that gets no page says why."""
        if what not in warned:
            warned.add(what)
            print(f"reader: {what}", file=sys.stderr, flush=True)

    def read() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while not stop.is_set():
            started = time.perf_counter()
            try:
                connection.request("GET", "/status", headers={"Accept-Language": "en"})
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException) as error:
                warn(f"{type(error).__name__}: {error}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if answer.status != 200:
                warn(f"{answer.status} {answer.reason}")
            if answer.status == 200:
                mine.append((time.perf_counter() - started) * 1000)
                if len(mine) == 1:
                    with reading.get_lock():
                        reading.value += 1
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
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"{statistics.median(values):.1f} | {cuts[98]:.1f} | {max(values):.1f}"


def rss_mb(pid: int) -> float:
    """Resident memory of a gunicorn master and its workers (Linux /proc)."""
    pids = [pid, *(int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    kib = 0
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                kib += int(line.split()[1])
    return kib / 1024


def measure(target: str, url: str, args: argparse.Namespace, folder: str) -> None:
    """One target: the web process acks `note` while readers read the target's /status."""
    emulator = SlackEmulator()
    emulator.add_bot_to(ANNOUNCE)
    separate = {"INCIDENT_STATUS_PAGE": "separate"} if target == "status" else {}
    web, base = start("web", url, emulator, folder, **separate)
    status, status_base = start("status", url, emulator, folder, args.apart) if target == "status" else (None, base)
    try:
        emulator.connect_app(f"{base}/slack/events", SIGNING_SECRET)
        opened = emulator.as_user("alice").slash(f"open sev1 Readers of the {target} process")
        assert opened.status == 200, opened
        number = re.search(r"INC-(\d+)", opened.json["text"])
        assert number is not None, opened.json
        name = f"inc-{number.group(1)}-readers-of-the-{target}-process"
        for _ in range(1200):
            channel = emulator.channel_by_name(name)
            if channel is not None:
                break
            time.sleep(0.1)
        assert channel is not None, f"no #{name} after 2 minutes; {opened.json['text']}"
        notes(emulator, channel.id, 10)  # warm up
        alone = notes(emulator, channel.id, args.notes)
        port = int(status_base.rsplit(":", 1)[1])
        spawn = multiprocessing.get_context("spawn")
        queue: Any = spawn.Queue()
        stop, reading = spawn.Event(), spawn.Value("i", 0)
        share = (port, args.readers // 2, stop, queue, reading, args.apart)
        readers = [spawn.Process(target=reader_process, args=share) for _ in range(2)]
        started = time.time()
        for reader in readers:
            reader.start()
        while reading.value < args.readers // 2 * 2:  # every reader connected and reading
            assert time.time() - started < 120, f"only {reading.value} readers got a page"
            time.sleep(0.1)
        time.sleep(1)
        loaded = notes(emulator, channel.id, args.notes)
        memory = {"web": rss_mb(web.pid)} | ({"status": rss_mb(status.pid)} if status else {})
        stop.set()
        busy = time.time() - started
        read = [latency for _ in readers for latency in queue.get()]
        for reader in readers:
            reader.join()
    finally:
        for process in (web, status):
            if process is not None:
                process.terminate()
                process.wait(20)
        emulator.close()
    print(f"### readers on the {target} process\n\n| `note` ack on the web process | p50 ms | p99 ms | max ms |")
    print(f"|---|---|---|---|\n| alone | {summary(alone)} |")
    print(f"| with {args.readers} readers of /status | {summary(loaded)} |")
    print(f"\nReaders: {len(read):,} pages of /status in {busy:.0f} s ({len(read) / busy:.0f}/s), ")
    print(f"each read p50 / p99 / max ms: {summary(read).replace(' |', ' /')}. ")
    print("Memory under load: " + ", ".join(f"{name} process {mb:.0f} MB" for name, mb in memory.items()) + "\n")


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
        print(f"## {name}\n")
        for target in ("web", "status") if args.target == "both" else (args.target,):
            measure(target, url, args, folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--target", choices=["web", "status", "both"], default="both")
    parser.add_argument(
        "--apart", action="store_true", help="the readers (and the status process) at nice 19, as if on other hosts"
    )
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
