"""CPU and statements per acknowledged note, in-process: `python bench/ack_cpu.py [--backend sqlite]`.

`bench/ack.py` measures from outside through gunicorn, where two cores shared with anything else
make req/s and latencies noisy. This calls the WSGI apps directly, without gunicorn or sockets,
and reports what the machine's load does not change much: the request threads' CPU per note (the
threads' own clocks, `time.thread_time`), the database statements per note (SQLite: every
statement sqlite3 runs, BEGIN and COMMIT included, from its trace callback; PostgreSQL: every
statement psycopg sends, whoever runs it, and each BEGIN, COMMIT and ROLLBACK that reaches the
server), and Python function calls per note
(cProfile's count over 500 notes). Each app runs in a process of its own on a fresh database:

- floor + row: `bench/ack_floor.py` with `ACK_FLOOR=row` (a bare Bolt app writing one SQLModel row);
- bot: `bot.wsgi` (the bot's web app, its background threads running, the Slack emulator of
  `bench/ack_emulator.py` answering at once), noting into an incident opened first.

Signed `/incident note` commands from 1 and 8 threads, after 200 notes of warm-up. A benchmark,
not a test: it prints numbers and asserts nothing. Figures: BENCHMARKS.md, issue 26.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ack_load import Target, signed
from storage import DEFAULT_POSTGRES_URL, fresh_postgres

HERE = Path(__file__).resolve().parent
SECRET = "bench-signing-secret"  # noqa: S105  (only the local emulator knows it)
NOTE_ADDED = "note added to the timeline."


def call(app: Callable[..., Iterable[bytes]], target: Target, text: str) -> str:
    body, headers = signed(target, text)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_NAME": "bench",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": headers["Content-Type"],
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["X-Slack-Request-Timestamp"],
        "HTTP_X_SLACK_SIGNATURE": headers["X-Slack-Signature"],
    }
    return b"".join(app(environ, lambda status, headers, exc_info=None: None)).decode()


def child(app_name: str, url: str, notes: int, threads: int) -> dict[str, float]:
    """In this process: build the app, note `notes` times from `threads` threads, measure."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counting: set[int] = set()
    statements = collections.Counter[str]()

    def count(_statement: object = None, *_: object) -> None:
        if threading.get_ident() in counting:
            statements["all"] += 1

    @event.listens_for(Engine, "connect")
    def traced(dbapi_connection: Any, _record: Any) -> None:
        if hasattr(dbapi_connection, "set_trace_callback"):  # sqlite3: everything it runs
            dbapi_connection.set_trace_callback(count)

    if not url.startswith("sqlite"):
        _count_psycopg_round_trips(count)
    os.environ.update({"DATABASE_URL": url, "SLACK_SIGNING_SECRET": SECRET})
    target = Target("127.0.0.1", 80, SECRET, "C0BENCH", "http://127.0.0.1:9/unused", NOTE_ADDED)
    if app_name == "bot":
        emulator = subprocess.Popen(
            [sys.executable, str(HERE / "ack_emulator.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert emulator.stdout is not None
        slack, token = emulator.stdout.readline().split()
        os.environ.update({"SLACK_BOT_TOKEN": token, "SLACK_API_URL": f"{slack}/api/"})
        os.environ.update({"INCIDENT_ANNOUNCE_CHANNEL": "C0ANNOUNCE", "INCIDENT_STATUS_CHANNEL": "C0STATUS"})
        os.environ["INCIDENT_TIMEZONE"] = "Asia/Kolkata"
        import bot.wsgi

        app: Callable[..., Iterable[bytes]] = bot.wsgi.application
        response_url = f"{slack}/response_url/bench"
        general = Target("127.0.0.1", 80, SECRET, "C0GENERAL", response_url, "")
        call(app, general, "open sev2 Checkout is slow for everyone")
        target = Target("127.0.0.1", 80, SECRET, _channel(slack, token), response_url, NOTE_ADDED)
        deadline = time.monotonic() + 60
        while NOTE_ADDED not in call(app, target, "note the channel is ready") and time.monotonic() < deadline:
            time.sleep(0.1)  # until the bot has recorded the channel Slack made
    else:
        os.environ["ACK_FLOOR"] = "row"
        import ack_floor

        app = ack_floor.application
    counting.add(threading.get_ident())
    for n in range(200):
        assert NOTE_ADDED in call(app, target, f"note warm-up {n}")
    statements.clear()
    cpu: list[float] = []

    def noting(client: int) -> None:
        counting.add(threading.get_ident())
        started = time.thread_time()
        for n in range(notes // threads):
            assert NOTE_ADDED in call(app, target, f"note client {client} says {n}: the checkout is failing again")
        cpu.append(time.thread_time() - started)

    started = time.perf_counter()
    clients = [threading.Thread(target=noting, args=(client,)) for client in range(threads)]
    for each in clients:
        each.start()
    for each in clients:
        each.join()
    wall = time.perf_counter() - started
    done = notes // threads * threads
    measured = {"cpu_ms": sum(cpu) / done * 1000, "statements": statements["all"] / done, "per_s": done / wall}
    profile = cProfile.Profile()
    profile.enable()
    for n in range(500):
        call(app, target, f"note counted {n}")
    profile.disable()
    measured["calls"] = pstats.Stats(profile).total_calls / 500  # type: ignore[attr-defined]
    return measured


def _count_psycopg_round_trips(count: Callable[[], None]) -> None:
    """PostgreSQL: every statement psycopg sends, whether SQLAlchemy or the driver's own connection
    runs it, the BEGIN psycopg sends first outside autocommit, and each COMMIT or ROLLBACK that has
    a transaction to end (one round trip each: nothing here is pipelined)."""
    import psycopg
    from psycopg.pq import TransactionStatus

    execute, commit, rollback = psycopg.Cursor.execute, psycopg.Connection.commit, psycopg.Connection.rollback

    def counted_execute(cursor: Any, *args: Any, **kwargs: Any) -> Any:
        idle = cursor.connection.info.transaction_status == TransactionStatus.IDLE
        if idle and not cursor.connection.autocommit:
            count()  # the BEGIN psycopg sends before the statement
        count()
        return execute(cursor, *args, **kwargs)

    def ending(method: Callable[..., Any]) -> Callable[..., Any]:
        def counted(connection: Any) -> Any:
            if connection.info.transaction_status != TransactionStatus.IDLE:
                count()
            return method(connection)

        return counted

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
    psycopg.Connection.commit = ending(commit)  # type: ignore[method-assign]
    psycopg.Connection.rollback = ending(rollback)  # type: ignore[method-assign]


def _channel(slack: str, token: str) -> str:
    request = urllib.request.Request(  # noqa: S310  (the local emulator)
        f"{slack}/api/conversations.list", data=b"limit=1000", headers={"Authorization": f"Bearer {token}"}
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            channels = json.load(answer).get("channels") or []
        found = [channel["id"] for channel in channels if str(channel["name"]).startswith("inc-1-")]
        if found:
            return str(found[0])
        time.sleep(0.1)
    raise SystemExit("the incident's channel did not appear within 60 s")


def run(app_name: str, backend: str, notes: int, threads: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ack-cpu-") as folder:
        if backend == "sqlite":
            return _child(app_name, f"sqlite:///{folder}/bench.db", notes, threads, folder)
        with fresh_postgres(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)) as url:
            return _child(app_name, url, notes, threads, folder)


def _child(app_name: str, url: str, notes: int, threads: int, folder: str) -> dict[str, float]:
    arguments = [sys.executable, __file__, "--child", app_name, url, str(notes), str(threads)]
    done = subprocess.run(arguments, cwd=folder, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{app_name} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        app_name, url, notes, threads = sys.argv[2:6]
        result = child(app_name, url, int(notes), int(threads))
        print(json.dumps(result), flush=True)
        os._exit(0)  # the bot's background threads are not stopped one by one here
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--notes", type=int, default=4000, help="notes measured per app and thread count")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load average before: {load}\n")
    print("| backend, threads | app | request CPU / note (ms) | statements / note | Python calls / note | notes/s |")
    print("|---|---|---:|---:|---:|---:|")
    for backend in backends:
        for threads in (1, 8):
            for app_name in ("floor + row", "bot"):
                got = run("bot" if app_name == "bot" else "row", backend, args.notes, threads)
                print(
                    f"| {backend}, {threads} | {app_name} | {got['cpu_ms']:.3f} | {got['statements']:.2f} "
                    f"| {got['calls']:.0f} | {got['per_s']:.0f} |",
                    flush=True,
                )
    print(f"\nload average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
