"""How close the bot's acknowledgement gets to the floor: `python bench/ack.py [--quick]`.

Started the same way (the Procfile's `web` line: gunicorn gthread, one worker x 8 threads,
keep-alive), in the same run, one after the other on a fresh database each:

- floor: a bare Bolt app with `process_before_response=True` that acknowledges `/incident`;
- floor + row: the same, writing one SQLModel row per command first (`bench/ack_floor.py`);
- bot: the bot's own web process (`bot.wsgi`), with the Slack emulator answering at once, and
  again with every Slack call taking 200 ms; on PostgreSQL also with two web processes.

First, on each backend, the time from `/incident open` to its card pinned, with every Slack call
answered at once and taking 100 ms (`bench/ack_open.py`: the median of 5 opens). Then each gets
signed `/incident note ...` commands into one incident's channel from 1, 8 and 32
concurrent keep-alive clients, on SQLite and PostgreSQL. It prints p50, p99, requests per second,
the server's CPU per request (its request threads, and the whole process with the bot's
background threads), the first command after a start, and the bot's ratios to floor + row. Last,
on each backend, the p99 at 32 clients of floor + row and of the bot with Slack at 200 ms, measured
in turn in `--pairs` pairs (3), and the median of their ratios: the figure the p99 target is read
from.
A benchmark, not a test: it prints numbers and asserts nothing. Method: BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ack_load import Cpu, Level, Measured, Target, cpu_between, load, one, snapshot, worker_pids
from ack_open import open_to_pinned, summary
from ack_report import FLOOR_ROW, report
from storage import DEFAULT_POSTGRES_URL, fresh_postgres, postgres_version

HERE = Path(__file__).resolve().parent
PROCFILE = HERE.parent / "Procfile"
SECRET = "bench-signing-secret"  # noqa: S105  (only the local emulator knows it)
NOTE_ADDED = "note added to the timeline."
CLIENTS = (1, 8, 32)
OPEN_LATENCIES = (0.0, 0.1)  # Slack's seconds a call while opens are timed


@dataclass(frozen=True)
class Plan:
    seconds: float  # measured time per client count
    warmup: float
    backends: tuple[str, ...]
    two_processes: bool
    acks: bool = True  # False: only the time to the pinned card
    pairs: int = 3  # floor + row and the bot (Slack 200 ms) at 32 clients, alternately, each pair


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_command(port: int, *, app: str, workers: int = 1) -> list[str]:
    """The Procfile's `web` line; for a floor, its app instead of the bot's (without the bot's config)."""
    line = next(line for line in PROCFILE.read_text().splitlines() if line.startswith("web:"))
    line = line.removeprefix("web:").replace("$PORT", str(port))
    line = line.replace("${WEB_CONCURRENCY:-1}", str(workers)).replace("${WEB_THREADS:-8}", "8")
    if app != "bot.wsgi:application":  # a floor: without the bot's config
        line = line.replace("bot.wsgi:application", app).replace("--config python:bot.gunicorn_config", "")
    arguments = shlex.split(line)
    return [sys.executable, "-m", "gunicorn", *arguments[1:]]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    threads: Path

    def pids(self) -> list[int]:
        return worker_pids(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(command_app: str, env: dict[str, str], folder: Path, *, workers: int = 1) -> tuple[Server, float]:
    """Start gunicorn; return it once `/healthz` answers 200, and how long that took."""
    port = free_port()
    threads = Path(tempfile.mkdtemp(prefix=f"threads-{port}-", dir=folder))  # a port is free again for a later server
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
        **env,
        "PYTHONPATH": os.pathsep.join([str(HERE / "ack_site"), str(HERE), os.environ.get("PYTHONPATH", "")]),
        "ACK_BENCH_THREADS": str(threads),
    }
    started = time.monotonic()
    with (folder / "server.log").open("ab") as log:
        process = subprocess.Popen(
            web_command(port, app=command_app, workers=workers), env=environ, cwd=folder, stdout=log, stderr=log
        )
    server = Server(process, port, threads)
    deadline = started + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: see {folder / 'server.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return server, time.monotonic() - started
        except OSError:
            time.sleep(0.02)
    server.stop()
    raise SystemExit(f"the server did not answer /healthz in 90 s: see {folder / 'server.log'}")


@dataclass
class Emulator:
    process: subprocess.Popen[str]
    url: str
    token: str

    def latency(self, seconds: float) -> None:
        body = json.dumps({"action": "latency", "seconds": seconds}).encode()
        request = urllib.request.Request(f"{self.url}/_emulator/faults", data=body, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310
            pass

    def channel_named(self, prefix: str) -> str | None:
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/api/conversations.list",
            data=b"limit=1000",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            channels = json.load(answer).get("channels") or []
        return next((c["id"] for c in channels if str(c["name"]).startswith(prefix)), None)


@contextmanager
def emulator() -> Iterator[Emulator]:
    process = subprocess.Popen(
        [sys.executable, str(HERE / "ack_emulator.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdin is not None
    url, token = process.stdout.readline().split()
    try:
        yield Emulator(process, url, token)
    finally:
        process.stdin.close()
        process.wait(10)


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    with fresh_postgres(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)) as url:
        yield url


# --- one server, measured ------------------------------------------------------------------------


def measure(
    server: Server, target: Target, result: Measured, plan: Plan, levels: tuple[int, ...] = CLIENTS
) -> Measured:
    seconds, status, body = one(target, "note bench first command after the start")
    result.first_ms = seconds * 1000
    if status != 200 or target.expect not in body:
        progress(f"{result.name}: the first command was answered {status} {body[:200]}")
    load(target, 1, seconds=plan.warmup, during=lambda: None)
    for clients in levels:
        pids = server.pids()
        cpu: list[Cpu] = []

        def sample(pids: list[int] = pids, cpu: list[Cpu] = cpu) -> None:
            time.sleep(plan.warmup)
            before = snapshot(pids)
            time.sleep(plan.seconds)
            cpu.append(cpu_between(before, snapshot(pids), server.threads))

        samples, errors = load(target, clients, seconds=plan.warmup + plan.seconds + 0.2, during=sample)
        start = min(s.started for s in samples) + plan.warmup if samples else 0.0
        counted = [s for s in samples if start <= s.started and s.started + s.seconds <= start + plan.seconds]
        result.levels[clients] = Level(counted, plan.seconds, cpu[0], errors)
        level = result.levels[clients]
        progress(
            f"{result.name}, {clients} clients: p50 {level.p(0.5):.2f} ms, p99 {level.p(0.99):.2f} ms, "
            f"{level.rps:.0f} req/s, {level.failed} failed {errors[:2]}"
        )
    return result


def run_floor(name: str, kind: str, url: str, folder: Path, plan: Plan, levels: tuple[int, ...] = CLIENTS) -> Measured:
    env = {"ACK_FLOOR": kind, "SLACK_SIGNING_SECRET": SECRET, "DATABASE_URL": url}
    server, ready = start_server("ack_floor:application", env, folder)
    try:
        target = Target("127.0.0.1", server.port, SECRET, "C0BENCH", "http://127.0.0.1:9/unused", NOTE_ADDED)
        return measure(server, target, Measured(name, ready_s=ready), plan, levels)
    finally:
        server.stop()


def bot_env(slack: Emulator, url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{slack.url}/api/",
        "DATABASE_URL": url,
        "INCIDENT_ANNOUNCE_CHANNEL": "C0ANNOUNCE",
        "INCIDENT_STATUS_CHANNEL": "C0STATUS",
        "INCIDENT_TIMEZONE": "Asia/Kolkata",
    }


def open_incident(slack: Emulator, port: int) -> str:
    """`/incident open` in #general, then the incident's channel once the bot knows it."""
    general = Target("127.0.0.1", port, SECRET, "C0GENERAL", f"{slack.url}/response_url/bench", "Opened")
    one(general, "open sev2 Checkout is slow for everyone")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        channel = slack.channel_named("inc-1-")
        if channel is not None:
            target = Target("127.0.0.1", port, SECRET, channel, general.response_url, NOTE_ADDED)
            if NOTE_ADDED in one(target, "note bench the channel is ready")[2]:
                return channel
        time.sleep(0.1)
    raise SystemExit("the incident's channel did not appear within 60 s")


def run_bot(
    name: str,
    url: str,
    folder: Path,
    plan: Plan,
    *,
    latency: float,
    workers: int = 1,
    levels: tuple[int, ...] = CLIENTS,
) -> Measured:
    with emulator() as slack:
        env = bot_env(slack, url)
        server, _ = start_server("bot.wsgi:application", env, folder)
        try:
            channel = open_incident(slack, server.port)
        finally:
            server.stop()  # measured from a fresh start, with the incident already there
        slack.latency(latency)
        server, ready = start_server("bot.wsgi:application", env, folder, workers=workers)
        try:
            target = Target("127.0.0.1", server.port, SECRET, channel, f"{slack.url}/response_url/bench", NOTE_ADDED)
            return measure(server, target, Measured(name, ready_s=ready), plan, levels)
        finally:
            server.stop()


def run_opens(backend: str, latency: float) -> list[float]:
    """Seconds from `/incident open` to the card pinned, 5 opens into a fresh database."""
    with tempfile.TemporaryDirectory(prefix="ack-bench-") as temp, database(backend, Path(temp)) as url:
        with emulator() as slack:
            slack.latency(latency)
            server, _ = start_server("bot.wsgi:application", bot_env(slack, url), Path(temp))
            try:
                general = Target("127.0.0.1", server.port, SECRET, "C0GENERAL", f"{slack.url}/response_url/b", "")
                return open_to_pinned(slack.url, general, first_number=1)
            finally:
                server.stop()


def run_backend(backend: str, plan: Plan) -> list[Measured]:
    runs: list[Measured] = []
    apps: list[tuple[str, dict[str, object]]] = [
        ("floor", {"floor": "floor"}),
        ("floor + row", {"floor": "row"}),
        ("bot", {"latency": 0.0}),
        ("bot, Slack 200 ms", {"latency": 0.2}),
    ]
    if backend == "postgresql" and plan.two_processes:
        apps.append(("bot x2 processes", {"latency": 0.0, "workers": 2}))
    for name, how in apps:
        progress(f"{backend}: {name}")
        with tempfile.TemporaryDirectory(prefix="ack-bench-") as temp, database(backend, Path(temp)) as url:
            folder = Path(temp)
            if "floor" in how:
                runs.append(run_floor(name, str(how["floor"]), url, folder, plan))
            else:
                latency = float(str(how["latency"]))
                workers = int(str(how.get("workers", 1)))
                runs.append(run_bot(name, url, folder, plan, latency=latency, workers=workers))
    return runs


def run_pairs(backend: str, plan: Plan) -> list[tuple[float, float]]:
    """p99 at 32 clients of floor + row and of the bot with Slack at 200 ms a call, `plan.pairs`
    times in turn (floor + row first in odd pairs, the bot first in even ones), each on a fresh
    server and database: one pass of each, minutes apart, differs
    by more than the bound it is compared with (BENCHMARKS.md); pairs measured side by side do not."""
    pairs: list[tuple[float, float]] = []
    for pair in range(plan.pairs):
        progress(f"{backend}: p99 at 32 clients, pair {pair + 1} of {plan.pairs}")
        p99s: dict[bool, float] = {}
        for floor in (True, False) if pair % 2 == 0 else (False, True):  # in turn, the order too
            with tempfile.TemporaryDirectory(prefix="ack-bench-") as temp, database(backend, Path(temp)) as url:
                if floor:
                    measured = run_floor(FLOOR_ROW, "row", url, Path(temp), plan, levels=(32,))
                else:
                    measured = run_bot("bot, Slack 200 ms", url, Path(temp), plan, latency=0.2, levels=(32,))
            p99s[floor] = measured.levels[32].p(0.99)
        pairs.append((p99s[True], p99s[False]))
    return pairs


def parse_plan(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1.5 s per client count: a smoke run")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per client count (default 8)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--no-two-processes", action="store_true", help="skip the bot with two web processes")
    parser.add_argument("--open-only", action="store_true", help="only the time from open to the pinned card")
    parser.add_argument("--pairs", type=int, default=3, help="floor + row / bot p99 pairs at 32 clients (default 3)")
    args = parser.parse_args(argv)
    seconds = 1.5 if args.quick else args.seconds
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    return Plan(
        seconds=seconds,
        warmup=0.5 if args.quick else 1.0,
        backends=backends,
        two_processes=not args.no_two_processes,
        acks=not args.open_only,
        pairs=min(1, args.pairs) if args.quick else max(0, args.pairs),
    )


def main(argv: list[str] | None = None) -> int:
    plan = parse_plan(argv)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    results: dict[str, list[Measured]] = {}
    pairs: dict[str, list[tuple[float, float]]] = {}
    opens: list[str] = []
    admin_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    for backend in plan.backends:
        if backend == "postgresql" and postgres_version(admin_url) is None:
            continue
        for latency in OPEN_LATENCIES:
            progress(f"{backend}: open to pinned card, Slack {latency * 1000:.0f} ms a call")
            figure = summary(run_opens(backend, latency))
            opens.append(f"{backend}, Slack {latency * 1000:.0f} ms a call: open to pinned card {figure}")
            progress(opens[-1])
        if plan.acks:
            results[backend] = run_backend(backend, plan)
            pairs[backend] = run_pairs(backend, plan)
    print(f"load average before: {' '.join(load_before)}")
    print("\n".join(opens))
    if plan.acks:
        print(report(results, seconds=plan.seconds, load_before=" ".join(load_before), pairs=pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
