"""Load for `bench/ack.py`: signed slash commands from keep-alive clients, and server CPU per thread.

Clients are threads in one or two forked processes (so the load generator's own interpreter lock
does not become the bottleneck at 32 clients), each with one keep-alive HTTP/1.1 connection,
sending `/incident note ...` one after the other as fast as the answers come back. Every
request is timed from the first byte sent to the last byte read.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

TEAM = "T0EMULATOR"
USER = "U0ALICE"


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    secret: str
    channel: str
    response_url: str
    expect: str  # every answer must contain this (the bot's "note added to the timeline.")


def signed(target: Target, text: str) -> tuple[bytes, dict[str, str]]:
    """A slash command's form body and headers, signed as Slack signs them."""
    body = urlencode(
        {
            "token": "x",
            "team_id": TEAM,
            "team_domain": "emulator",
            "channel_id": target.channel,
            "channel_name": "bench",
            "user_id": USER,
            "user_name": "alice",
            "command": "/incident",
            "text": text,
            "api_app_id": "A0BENCH",
            "is_enterprise_install": "false",
            "response_url": target.response_url,
            "trigger_id": "1.2.bench",
        }
    ).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(target.secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }


def send(connection: http.client.HTTPConnection, target: Target, text: str) -> tuple[int, str]:
    body, headers = signed(target, text)
    connection.request("POST", "/slack/events", body=body, headers=headers)
    answer = connection.getresponse()
    return answer.status, answer.read().decode(errors="replace")


def one(target: Target, text: str) -> tuple[float, int, str]:
    """One command on a fresh connection: (seconds, status, body)."""
    connection = http.client.HTTPConnection(target.host, target.port, timeout=30)
    try:
        started = time.perf_counter()
        status, body = send(connection, target, text)
        return time.perf_counter() - started, status, body
    finally:
        connection.close()


@dataclass(frozen=True)
class Sample:
    started: float  # time.monotonic(), the same clock in every process
    seconds: float
    ok: bool


def _client(target: Target, label: str, until: float, samples: list[Sample], errors: list[str]) -> None:
    connection = http.client.HTTPConnection(target.host, target.port, timeout=30)
    n = 0
    while time.monotonic() < until:
        n += 1
        started = time.monotonic()
        try:
            status, body = send(connection, target, f"note bench {label}-{n} the checkout page is slow")
        except (OSError, http.client.HTTPException) as error:
            errors.append(type(error).__name__)
            connection.close()
            connection = http.client.HTTPConnection(target.host, target.port, timeout=30)
            continue
        ok = status == 200 and target.expect in body
        if not ok and len(errors) < 5:
            errors.append(f"{status} {body[:200]}")
        samples.append(Sample(started, time.monotonic() - started, ok))
    connection.close()


def _process(target: Target, clients: int, prefix: str, until: float, out: multiprocessing.Queue[object]) -> None:
    samples: list[Sample] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_client, args=(target, f"{prefix}{i}", until, samples, errors)) for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((samples, errors))


def load(target: Target, clients: int, *, seconds: float, during: Callable[[], None]) -> tuple[list[Sample], list[str]]:
    """Run `clients` clients for `seconds`; `during()` runs in this process meanwhile (the CPU
    sampling) and must return before the clients stop."""
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[object] = context.Queue()
    processes = 1 if clients < 8 else 2
    until = time.monotonic() + seconds
    workers = [
        context.Process(target=_process, args=(target, clients // processes, f"p{p}c", until, out))
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    during()
    samples: list[Sample] = []
    errors: list[str] = []
    for _ in workers:
        got, failed = out.get()  # type: ignore[misc]
        samples += got
        errors += failed
    for worker in workers:
        worker.join()
    return samples, errors


# --- server CPU, per thread ----------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's worker processes."""
    pids: list[int] = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(pid) for pid in children]
    return pids


def thread_cpu(pid: int) -> dict[int, int]:
    """CPU nanoseconds of each thread of `pid` so far (/proc/<pid>/task/<tid>/schedstat)."""
    times: dict[int, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            times[int(task.name)] = int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
    return times


def thread_names(folder: Path, pid: int) -> dict[int, str]:
    """What `ack_site/sitecustomize.py` recorded: thread id -> Python thread name."""
    names = {pid: "main"}
    path = folder / str(pid)
    if path.exists():
        for line in path.read_text().splitlines():
            tid, _, name = line.partition(" ")
            names[int(tid)] = name
    return names


def is_request_thread(name: str) -> bool:
    """gunicorn gthread: the main thread accepts and polls keep-alive sockets, the pool serves."""
    return name == "main" or name.startswith(("ThreadPoolExecutor", "public-reads"))


@dataclass(frozen=True)
class Cpu:
    requests_ns: int  # the request threads of every worker
    total_ns: int  # every thread of every worker (the bot's sender, member sync, ...)
    by_thread: dict[str, int]  # nanoseconds per thread name (pool threads as one), every worker


def _family(name: str) -> str:
    return "request threads" if is_request_thread(name) else name.split("-")[0] if name.startswith("Thread-") else name


def cpu_between(before: dict[int, dict[int, int]], after: dict[int, dict[int, int]], folder: Path) -> Cpu:
    requests = total = 0
    by_thread: dict[str, int] = {}
    for pid, threads in after.items():
        names = thread_names(folder, pid)
        for tid, ns in threads.items():
            used = ns - before.get(pid, {}).get(tid, 0)
            total += used
            name = names.get(tid, "?")
            by_thread[_family(name)] = by_thread.get(_family(name), 0) + used
            if is_request_thread(name):
                requests += used
    return Cpu(requests, total, by_thread)


def snapshot(pids: list[int]) -> dict[int, dict[int, int]]:
    return {pid: thread_cpu(pid) for pid in pids if os.path.exists(f"/proc/{pid}")}


# --- what a run measured (read by ack_report) ---------------------------------------------------


@dataclass
class Level:
    samples: list[Sample]
    seconds: float
    cpu: Cpu
    errors: list[str]

    def ok_ms(self) -> list[float]:
        return sorted(s.seconds * 1000 for s in self.samples if s.ok)

    def p(self, q: float) -> float:
        values = self.ok_ms()
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    @property
    def rps(self) -> float:
        return len(self.ok_ms()) / self.seconds

    @property
    def failed(self) -> int:
        return sum(1 for s in self.samples if not s.ok)

    def cpu_ms(self, *, whole: bool = False) -> float:
        count = len(self.samples) or 1
        return (self.cpu.total_ns if whole else self.cpu.requests_ns) / count / 1e6


@dataclass
class Measured:
    name: str
    ready_s: float = 0.0  # start to /healthz 200
    first_ms: float = 0.0  # the first command after that
    levels: dict[int, Level] = field(default_factory=dict)
