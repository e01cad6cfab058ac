"""Storage benchmark: how long the bot's own service calls take on SQLite and PostgreSQL.

What it measures, through the real `IncidentService` (default clock) on a `Database` built
exactly as the bot builds it (SQLite: a file in a temp dir, WAL; PostgreSQL: a fresh database
that is created and dropped here), once with 1,000 incidents / ~10,000 timeline entries stored
and once with 100,000 / ~1,000,000:

* reads: `list` of open incidents and `timeline` of a random incident, p50 and p99, and the
  ratio large/small, so a reader sees whether reads stay flat as history piles up;
* writes: `open`, `note` and `set_status` (cycling through the open statuses), p50 and p99;
* the bulk-load time of each data set (SQLAlchemy Core `insert()` executemany, not the service);
* the plans (`EXPLAIN QUERY PLAN` / `EXPLAIN ANALYZE`) of the exact statements the service
  sent for `list` and `timeline` at the large size.

Both data sets are loaded first; then every operation alternates between them call by call,
so noise from other processes hits both sizes alike and their ratio means something on a
shared machine. Next to wall time it reports this process's CPU time per call ("client CPU"):
on SQLite that is all the work; on PostgreSQL wall minus client CPU is the server, the round
trips and the commit's flush.

Data shape: one workspace, an incident every ~30 minutes, ~10 timeline entries each
(opened, identified, monitoring, resolved and 2-10 notes), written in time order across
incidents as a live bot writes them; all resolved except the 10 newest and 2 forgotten old
ones. After the load, PostgreSQL gets `VACUUM ANALYZE` (what autovacuum would do shortly after)
and SQLite a WAL checkpoint; SQLite gets no `ANALYZE`, as the bot never runs one.

Run it from the repository root after `pip install -e .`:

    python bench/storage.py                      # both backends, full size: about two minutes
    python bench/storage.py --backend sqlite --quick
    python bench/storage.py --iterations 1000

PostgreSQL is reached as BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres, whose role may create databases); when
it does not answer, it is skipped with a message. This prints numbers; it is not a test.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy
from sqlalchemy import Connection, create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.domain.incident import Status
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.tables import IncidentRow, TimelineRow, WorkspaceRow

TEAM = "T0BENCH"
ACTOR = "U0BENCH"
ZONE = ZoneInfo("UTC")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
GAP = timedelta(minutes=30)  # mean time between two incidents
MAX_LAG = timedelta(minutes=15)  # how long before the bot was told an outage may have begun
RECENT_OPEN = 10  # the newest incidents are still open...
FORGOTTEN_OPEN = 2  # ...and so are a couple of old ones nobody closed
CHUNK = 5_000  # rows per executemany
OPEN_STATUSES = tuple(status for status in Status if status.is_open)
NOTES = (
    "Error rate back under 1% on the canary; watching the p99 before widening the rollout.",
    "Paged the database on-call: replication lag on the read replicas is over 40 seconds.",
    "Customer support reports login failures from the EU region only, mostly mobile clients.",
    "Rolled back the 14:02 deploy of the payments service; the queue is draining.",
)


# --- what to run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    backends: tuple[str, ...]
    sizes: tuple[int, int]  # incidents stored: (small, large)
    iterations: int
    warmup: int


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def parse_plan(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="200 and 5,000 incidents, 50 calls: a smoke run")
    parser.add_argument("--iterations", type=positive, help="timed calls per operation and size (default 500)")
    args = parser.parse_args(argv)
    iterations = args.iterations or (50 if args.quick else 500)
    return Plan(
        backends=("sqlite", "postgres") if args.backend == "both" else (args.backend,),
        sizes=(200, 5_000) if args.quick else (1_000, 100_000),
        iterations=iterations,
        warmup=max(5, iterations // 10),
    )


# --- numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    cpu_p50_ms: float  # CPU time of this process: on SQLite all the work, on PostgreSQL the client's share

    @classmethod
    def of(cls, wall_ns: list[int], cpu_ns: list[int]) -> Latency:
        ordered = sorted(wall_ns)
        p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
        return cls(
            p50_ms=statistics.median(ordered) / 1e6, p99_ms=p99 / 1e6, cpu_p50_ms=statistics.median(cpu_ns) / 1e6
        )


def measure(actions: Sequence[Callable[[int], object]], *, iterations: int, warmup: int) -> list[Latency]:
    """Call each action in turn, `warmup` rounds untimed, then `iterations` rounds timed call by call.

    Alternating the small and the large data set call by call exposes both to the same noise
    (other processes, CPU frequency), so their ratio stays meaningful on a shared machine.
    """
    for i in range(warmup):
        for action in actions:
            action(i)
    wall: list[list[int]] = [[] for _ in actions]
    cpu: list[list[int]] = [[] for _ in actions]
    for i in range(warmup, warmup + iterations):
        for index, action in enumerate(actions):
            started, cpu_started = time.perf_counter_ns(), time.thread_time_ns()
            action(i)
            cpu[index].append(time.thread_time_ns() - cpu_started)
            wall[index].append(time.perf_counter_ns() - started)
    return [Latency.of(w, c) for w, c in zip(wall, cpu, strict=True)]


@dataclass
class SizeResult:
    incidents: int
    entries: int = 0
    load_seconds: float = 0.0
    latencies: dict[str, Latency] = field(default_factory=dict)
    plans: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (label, sql, plan lines)


@dataclass
class BackendResult:
    backend: str
    version: str
    sizes: list[SizeResult] = field(default_factory=list)


# --- the data set ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    incident: dict[str, Any]
    entries: list[dict[str, Any]]


def open_numbers(count: int) -> frozenset[int]:
    forgotten = {count * (k + 1) // (FORGOTTEN_OPEN + 1) for k in range(FORGOTTEN_OPEN)}
    return frozenset(forgotten | set(range(count - RECENT_OPEN + 1, count + 1)))


def generate(count: int, *, now: datetime, rng: random.Random) -> Iterator[Generated]:
    """Incidents 1..count in the order they were opened, each with its timeline rows."""
    still_open = open_numbers(count)
    first = now - GAP * (count + 12)
    for number in range(1, count + 1):
        opened = first + GAP * number + timedelta(seconds=rng.uniform(0, GAP.total_seconds() * 0.9))
        started = opened - timedelta(seconds=rng.uniform(0, MAX_LAG.total_seconds()))
        if number in still_open:
            span = (now - started) * 0.8
            status = rng.choice(OPEN_STATUSES)
        else:
            span = timedelta(minutes=rng.randint(20, 360))
            status = Status.RESOLVED
        yield incident_with_timeline(number, started, opened, span, status, rng)


def incident_with_timeline(
    number: int, started: datetime, opened: datetime, span: timedelta, status: Status, rng: random.Random
) -> Generated:
    path = list(Status)[: list(Status).index(status) + 1]  # investigating, ..., status
    changes = {s: started + span * f for s, f in zip(path[1:], (0.3, 0.7, 1.0), strict=False)}
    entries = [entry(number, started, "opened", f"Incident {number}", None, Status.INVESTIGATING, opened)]
    previous = Status.INVESTIGATING
    for to, at in changes.items():
        entries.append(entry(number, at, "status", "", previous, to))
        previous = to
    for _ in range(rng.randint(2, 10)):
        entries.append(entry(number, started + span * rng.random(), "note", rng.choice(NOTES)))
    since = changes.get(status, started)
    resolved = changes.get(Status.RESOLVED)
    row = {
        "id": number,
        "team_id": TEAM,
        "number": number,
        "title": f"Checkout errors for {rng.choice(('EU', 'US', 'APAC'))} customers ({number})",
        "severity": rng.choice((1, 2, 2, 3, 3, 3, 4)),
        "status": status.value,
        "lead": f"U{number % 40:08d}",
        "opened_by": f"U{number % 40:08d}",
        "attack": "no-evidence",
        "impact": "Some customers cannot pay by card.",
        "channel_id": f"C{number:010d}",
        "channel_name": f"inc-{number}-checkout-errors",
        "card_ts": f"{opened.timestamp():.6f}",
        "origin_channel": "C0INCIDENTS",
        "impact_started_at": started,
        "opened_at": opened,
        "status_since": since,
        "resolved_at": resolved,
        "updated_at": since,
        "last_update_at": since,
        "last_reminded_at": None,
        "total_seconds": (resolved - started).total_seconds() if resolved else None,
        "identify_seconds": (span * 0.3).total_seconds() if resolved else None,
        "mitigate_seconds": (span * 0.7).total_seconds() if resolved else None,
        "detection_lag_seconds": (opened - started).total_seconds(),
    }
    return Generated(incident=row, entries=entries)


def entry(
    incident_id: int,
    at: datetime,
    kind: str,
    text: str,
    status_from: Status | None = None,
    status_to: Status | None = None,
    recorded_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "at": at,
        "recorded_at": recorded_at or at,
        "actor": f"U{incident_id % 40:08d}",
        "kind": kind,
        "text": text,
        "status_from": status_from.value if status_from else None,
        "status_to": status_to.value if status_to else None,
        "source": None,
    }


# --- loading ---------------------------------------------------------------------------------


def load(db: Database, count: int, *, now: datetime) -> int:
    """Bulk-insert `count` incidents and their timelines; return the number of entries.

    Timeline rows are released in time order across incidents (a heap merge), as a live bot
    writes them, so one incident's entries are spread over the table like in production.
    """
    incidents: list[dict[str, Any]] = []
    pending: list[tuple[datetime, int, dict[str, Any]]] = []  # (at, tie-break, row) heap
    released: list[dict[str, Any]] = []
    written = 0
    with db.engine.begin() as connection:
        connection.execute(insert(WorkspaceRow), [{"team_id": TEAM, "last_number": count}])
        for item in generate(count, now=now, rng=random.Random(count)):
            horizon = item.incident["opened_at"] - MAX_LAG  # no later incident has an entry before this
            while pending and pending[0][0] < horizon:
                released.append(heapq.heappop(pending)[2])
            for row in item.entries:
                heapq.heappush(pending, (row["at"], id(row), row))
            incidents.append(item.incident)
            if len(incidents) >= CHUNK:
                written += flush(connection, incidents, released)
        released.extend(heapq.heappop(pending)[2] for _ in range(len(pending)))
        written += flush(connection, incidents, released)
    return written


def flush(connection: Connection, incidents: list[dict[str, Any]], entries: list[dict[str, Any]]) -> int:
    """Insert buffered incidents, then entries (whose incidents are all written by now)."""
    for table, rows in ((IncidentRow, incidents), (TimelineRow, entries)):
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start : start + CHUNK])
    written = len(entries)
    incidents.clear()
    entries.clear()
    return written


def settle(db: Database) -> None:
    """What a running system has done after a load: sequences past the ids, stats, checkpoint."""
    if db.is_sqlite:
        raw = db.engine.raw_connection()  # outside a transaction: the engine's BEGIN would block it
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return
    with db.engine.begin() as connection:
        for table in ("incident", "timeline_entry"):
            connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum would do minutes after the load


# --- the operations --------------------------------------------------------------------------


@dataclass
class Store:
    """One loaded database and the service over it."""

    db: Database
    service: IncidentService
    result: SizeResult


def reader_actions(store: Store) -> dict[str, Callable[[int], object]]:
    count = store.result.incidents
    expected_open = len(open_numbers(count))
    rng = random.Random(7)

    def list_open(_: int) -> None:
        found = store.service.list_incidents(team_id=TEAM, everything=False)
        if len(found) != expected_open:
            raise RuntimeError(f"list returned {len(found)} open incidents, expected {expected_open}")

    def timeline(_: int) -> None:
        if not store.service.timeline(Where(TEAM, number=rng.randint(1, count))).entries:
            raise RuntimeError("a timeline came back empty")

    return {"list": list_open, "timeline": timeline}


def writer_actions(store: Store) -> dict[str, Callable[[int], object]]:
    service = store.service
    targets = sorted(open_numbers(store.result.incidents))
    status = {number: service.get(Where(TEAM, number=number)).status for number in targets}

    def open_one(i: int) -> None:
        service.open(team_id=TEAM, actor=ACTOR, title=f"Bench incident {i}")

    def note(i: int) -> None:
        service.note(Where(TEAM, number=targets[i % len(targets)]), actor=ACTOR, text=NOTES[i % len(NOTES)])

    def set_status(i: int) -> None:  # investigating -> identified -> monitoring -> investigating ...
        number = targets[i % len(targets)]
        to = OPEN_STATUSES[(OPEN_STATUSES.index(status[number]) + 1) % len(OPEN_STATUSES)]
        status[number] = service.set_status(Where(TEAM, number=number), actor=ACTOR, status=to).incident.status

    return {"open": open_one, "note": note, "set_status": set_status}


def measure_all(stores: list[Store], make: Callable[[Store], dict[str, Callable[[int], object]]], plan: Plan) -> None:
    """Measure every operation of `make` on all stores at once, recording into their results."""
    per_store = [make(store) for store in stores]
    for name in per_store[0]:
        progress(f"  {name}")
        latencies = measure([actions[name] for actions in per_store], iterations=plan.iterations, warmup=plan.warmup)
        for store, latency in zip(stores, latencies, strict=True):
            store.result.latencies[name] = latency


# --- query plans -----------------------------------------------------------------------------


@contextmanager
def captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, parameters) the engine sends while the block runs."""
    statements: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def query_plans(db: Database, service: IncidentService, count: int) -> list[tuple[str, str, list[str]]]:
    plans = []
    for label, call in (
        ("list", lambda: service.list_incidents(team_id=TEAM)),
        ("timeline", lambda: service.timeline(Where(TEAM, number=count // 2))),
    ):
        with captured(db) as statements:
            call()
        for index, (statement, parameters) in enumerate(statements, start=1):
            name = f"{label}, statement {index} of {len(statements)}"
            plans.append((name, short_sql(statement, parameters), explain(db, statement, parameters)))
    return plans


def explain(db: Database, statement: str, parameters: Any) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    if db.is_sqlite:
        return [str(row[-1]) for row in rows]
    return [str(row[0]) for row in rows]


def short_sql(statement: str, parameters: Any) -> str:
    """The statement without its long column list, parameters shown."""
    sql = " ".join(statement.split())
    sql = re.sub(r"^SELECT .+? FROM", "SELECT ... FROM", sql)
    return f"{sql}  -- {parameters}"


# --- one backend -----------------------------------------------------------------------------


def prepare(url: str, count: int) -> Store:
    """Migrate a fresh database the bot's way, bulk-load `count` incidents, settle it."""
    progress(f"  loading {count:,} incidents")
    db = Database(url)
    db.upgrade()
    result = SizeResult(incidents=count)
    started = time.perf_counter()
    result.entries = load(db, count, now=datetime.now(UTC))
    settle(db)
    result.load_seconds = time.perf_counter() - started
    return Store(db=db, service=IncidentService(db, zone=ZONE), result=result)


def run_backend(result: BackendResult, urls: list[str], plan: Plan) -> BackendResult:
    stores: list[Store] = []
    try:
        for url, count in zip(urls, plan.sizes, strict=True):
            stores.append(prepare(url, count))
        measure_all(stores, reader_actions, plan)  # reads first: `open` adds open incidents
        large = stores[-1]
        large.result.plans = query_plans(large.db, large.service, large.result.incidents)
        measure_all(stores, writer_actions, plan)
    finally:
        for store in stores:
            store.db.dispose()
    result.sizes = [store.result for store in stores]
    return result


def run_sqlite(plan: Plan) -> BackendResult:
    progress("SQLite")
    with tempfile.TemporaryDirectory(prefix="incident-bench-") as folder:
        urls = [f"sqlite:///{folder}/incidents-{count}.db" for count in plan.sizes]
        return run_backend(BackendResult(backend="SQLite", version=sqlite3.sqlite_version), urls, plan)


def postgres_version(admin_url: str) -> str | None:
    """The server's version, or None (with a message) when it does not answer."""
    engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("SHOW server_version").scalar_one())
    except OperationalError as error:
        shown = make_url(admin_url).render_as_string(hide_password=True)
        progress(f"PostgreSQL skipped: not reachable at {shown} ({str(error.orig).strip().splitlines()[0]})")
        return None
    finally:
        engine.dispose()


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """A new, empty database (dropped afterwards) and its URL."""
    name = f"incident_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run_postgres(plan: Plan) -> BackendResult | None:
    admin_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    version = postgres_version(admin_url)
    if version is None:
        return None
    progress("PostgreSQL")
    with ExitStack() as stack:
        urls = [stack.enter_context(fresh_postgres(admin_url)) for _ in plan.sizes]
        return run_backend(BackendResult(backend="PostgreSQL", version=version), urls, plan)


# --- the report ------------------------------------------------------------------------------


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_lines(results: list[BackendResult], load_before: str) -> list[str]:
    versions = {result.backend: result.version for result in results}
    return [
        "## Machine",
        "",
        f"- CPU: {os.cpu_count()} x {cpu_model()}; OS: {platform.platform()}",
        f"- Python {platform.python_version()}; SQLAlchemy {sqlalchemy.__version__}; psycopg {psycopg.__version__}",
        f"- SQLite {sqlite3.sqlite_version}; PostgreSQL {versions.get('PostgreSQL', 'not measured')}",
        f"- load average (1, 5, 15 min) before: {load_before}; after: {load_average()}",
    ]


def load_average() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def load_lines(results: list[BackendResult]) -> list[str]:
    header = "| backend | incidents | timeline entries | load s | entries/s |\n|---|---:|---:|---:|---:|"
    lines = ["## Bulk load (generate, insert, settle)", "", header]
    for result in results:
        for size in result.sizes:
            rate = size.entries / size.load_seconds if size.load_seconds else 0.0
            lines.append(
                f"| {result.backend} | {size.incidents:,} | {size.entries:,} | {size.load_seconds:.1f} | {rate:,.0f} |"
            )
    return lines


def latency_lines(title: str, names: tuple[str, ...], results: list[BackendResult], plan: Plan) -> list[str]:
    """One row per backend and operation: both sizes side by side, their ratio, and client CPU."""
    small, large = (f"{n:,}" for n in plan.sizes)
    lines = [
        f"## {title} (ms, {plan.iterations} calls each, sizes interleaved)",
        "",
        f"| backend | operation | p50 @{small} | p99 @{small} | p50 @{large} | p99 @{large} | p50 ratio | p99 ratio "
        f"| client CPU p50 @{large} |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for name in names:
            low, high = (size.latencies[name] for size in result.sizes)
            cells = [low.p50_ms, low.p99_ms, high.p50_ms, high.p99_ms]
            ratios = f"{high.p50_ms / low.p50_ms:.2f}x | {high.p99_ms / low.p99_ms:.2f}x"
            numbers = " | ".join(f"{cell:.2f}" for cell in cells)
            lines.append(f"| {result.backend} | {name} | {numbers} | {ratios} | {high.cpu_p50_ms:.2f} |")
    lines += ["", "Client CPU: this process's CPU time per call; wall minus it is time spent waiting (on the"]
    lines.append("PostgreSQL server, round trips and the commit's flush, or for a CPU taken by another process).")
    return lines


def target_lines(results: list[BackendResult], plan: Plan) -> list[str]:
    small, large = (f"{n:,}" for n in plan.sizes)
    lines = ["## Targets", "", "| target | backend | measured | met |", "|---|---|---:|---|"]
    for result in results:
        low, high = result.sizes
        if result.backend == "SQLite":
            p50 = high.latencies["set_status"].p50_ms
            lines.append(f"| set_status p50 < 3 ms (@{large}) | SQLite | {p50:.2f} ms | {verdict(p50 < 3)} |")
        for name in ("list", "timeline"):
            ratio = high.latencies[name].p50_ms / low.latencies[name].p50_ms
            met = verdict(ratio <= 1.5)
            lines.append(f"| {name} p50 @{large} <= 1.5x @{small} | {result.backend} | {ratio:.2f}x | {met} |")
    return lines


def verdict(met: bool) -> str:
    return "yes" if met else "**NO**"


def plan_lines(results: list[BackendResult]) -> list[str]:
    lines = ["## Query plans at the large size (the statements the service sent)"]
    for result in results:
        for label, sql, plan in result.sizes[-1].plans:
            lines += ["", f"{result.backend}, `{label}`:", "", "```", sql, *plan, "```"]
    return lines


def report(results: list[BackendResult], plan: Plan, load_before: str) -> str:
    sections = [machine_lines(results, load_before), load_lines(results)]
    sections.append(latency_lines("Writes", ("open", "note", "set_status"), results, plan))
    sections.append(latency_lines("Reads", ("list", "timeline"), results, plan))
    sections += [target_lines(results, plan), plan_lines(results)]
    return "\n\n".join("\n".join(section) for section in sections)


def main(argv: list[str] | None = None) -> int:
    plan = parse_plan(argv)
    load_before = load_average()
    results: list[BackendResult] = []
    if "sqlite" in plan.backends:
        results.append(run_sqlite(plan))
    if "postgres" in plan.backends:
        postgres = run_postgres(plan)
        if postgres is not None:
            results.append(postgres)
    if not results:
        print("Nothing measured.", file=sys.stderr)
        return 1
    print(report(results, plan, load_before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
