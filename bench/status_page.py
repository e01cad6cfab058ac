"""Status page benchmark: `GET /status` and `/api/v2/summary.json` with 100,000 incidents stored.

The real `StatusSite` (one indexed query, Jinja2 rendering, ETag) is called as the WSGI app it is,
in-process, on a `Database` built as the bot builds it (SQLite: a file in a temp dir, WAL;
PostgreSQL: a fresh database created and dropped here). Data shape: an incident every 30 minutes
(~5.7 years), 1 in 50 with public updates (an English and a French draft for investigating and
for resolved, published), 3 of those still open; the other drafts and the timelines are not
needed by the page and are left out. Prints p50/p99 per route and the query plans; asserts nothing.

With `--components 50` (issue 22's shape) the incidents are spread over `--years 2` instead, the
catalog has that many public components in 5 groups, and every incident affects one of them (in
turn) for its hour, degraded, partial or major in turn: the page shows each component's 90-day
bar and uptime, and `/api/v2/components.json` is measured too. The plan of the history's query
is printed (the impacts that ended in the days shown, and those that still hold). Each route's
CPU time p50 is printed beside its wall times, and the load average around the calls: on a
shared machine wall time also counts waiting for a core.

    python bench/status_page.py [--backend sqlite|postgres|both] [--iterations 500]
    python bench/status_page.py --components 50 --years 2

PostgreSQL is BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, text

from bot.config import Settings
from bot.domain.catalog import Catalog, Component
from bot.status_page.cache import AnswerCache
from bot.status_page.site import StatusSite
from bot.storage.db import Database
from bot.storage.tables import ComponentImpactRow, DraftRow, IncidentRow

COUNT = 100_000
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ROUTES = ("/status", "/api/v2/summary.json")
WAYS = ("kept", "rendered")
STATES = ("degraded_performance", "partial_outage", "major_outage")


def catalog(count: int) -> Catalog:
    return Catalog(
        tuple(
            Component(id=f"c{n}", names={"en": f"Component {n}", "fr": f"Composant {n}"}, group=f"Group {n % 5}")
            for n in range(count)
        )
    )


def impacts(incidents: list[dict[str, Any]], components: int) -> list[dict[str, Any]]:
    """Each incident affects one component (in turn) from its start until it was resolved."""
    return [
        {
            "incident_id": row["id"],
            "component_id": f"c{row['id'] % components}",
            "state": STATES[row["id"] % len(STATES)],
            "started_at": row["impact_started_at"],
            "ended_at": row["resolved_at"],
            "ended_by_resolution": row["resolved_at"] is not None,
        }
        for row in incidents
    ]


def rows(count: int, spacing: timedelta = timedelta(minutes=30)) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    incidents, drafts = [], []
    for number in range(1, count + 1):
        opened = NOW - spacing * (count - number) - timedelta(minutes=90)
        public = number % 50 == 0
        still_open = public and number > count - 150
        resolved = None if still_open else opened + timedelta(hours=1)
        incidents.append(
            {
                "id": number, "team_id": "T1", "number": number, "title": f"internal {number}",
                "severity": 1 + number % 4,
                "status": "investigating" if still_open else "resolved", "lead": "U1", "opened_by": "U1",
                "attack": "no-evidence", "impact": "", "impact_started_at": opened, "opened_at": opened,
                "status_since": resolved or opened, "resolved_at": resolved, "updated_at": opened,
                "last_update_at": opened, "total_seconds": 3600.0 if resolved else None,
                "public_title": f"Public incident {number}" if number % 100 == 0 else None,
                "listed_at": opened + timedelta(minutes=5) if public else None,
                "public_resolved_at": resolved + timedelta(minutes=2) if public and resolved else None,
            }
        )  # fmt: skip
        if not public:
            continue
        for status, at in (("investigating", opened + timedelta(minutes=5)), ("resolved", resolved)):
            if at is None:
                continue
            for language in ("en", "fr"):
                drafts.append(
                    {
                        "incident_id": number, "status": status, "attack": "no-evidence", "language": language,
                        "length": "long", "text": f"{status} update in {language} " + "words " * 60,
                        "state": "published", "warnings": "[]", "created_by": "U1", "created_at": at,
                        "decided_by": "U1",
                        "decided_at": at + timedelta(minutes=2),
                    }
                )  # fmt: skip
    return incidents, drafts


def load(db: Database, count: int, spacing: timedelta, components: int) -> None:
    incidents, drafts = rows(count, spacing)
    affected = impacts(incidents, components) if components else []
    with db.engine.begin() as connection:
        for table, data in ((IncidentRow, incidents), (DraftRow, drafts), (ComponentImpactRow, affected)):
            for start in range(0, len(data), 5000):
                connection.execute(insert(table.__table__), data[start : start + 5000])  # type: ignore[attr-defined]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))


def call(site: StatusSite, path: str) -> int:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "status.example.com",
               "SERVER_PORT": "443", "wsgi.url_scheme": "https", "HTTP_HOST": "status.example.com"}  # fmt: skip
    answered: list[str] = []
    body = b"".join(site(environ, lambda status, headers, info=None: answered.append(status)))  # type: ignore[arg-type,misc]
    assert answered == ["200 OK"], answered
    return len(body)


def measure(
    site: StatusSite, iterations: int, routes: tuple[str, ...] = ROUTES
) -> dict[tuple[str, str], tuple[float, float, float, int]]:
    """p50/p99 per route, served as kept (the usual case: the version read, the kept body sent)
    and rendered (the kept answers dropped before each call: what the first request after a
    change pays), interleaved so noise hits all alike; and this process's CPU time p50 (on a
    shared machine, wall time also counts waiting for a core: the CPU time is what the call did)."""
    results: dict[tuple[str, str], list[tuple[float, float]]] = {(path, way): [] for path in routes for way in WAYS}
    sizes = {path: call(site, path) for path in routes}  # warm up: templates compiled, caches filled
    for _ in range(iterations):
        for path in routes:
            for way in WAYS:
                kept = site.cache
                if way == "rendered":
                    site.cache = AnswerCache()
                started, cpu = time.perf_counter(), time.thread_time()
                call(site, path)
                results[path, way].append(((time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000))
                site.cache = kept
    return {
        key: (
            statistics.median(wall for wall, _ in times),
            statistics.quantiles([wall for wall, _ in times], n=100)[98],
            statistics.median(cpu for _, cpu in times),
            sizes[key[0]],
        )
        for key, times in results.items()
    }


def plans(db: Database, *, history: bool = False) -> list[str]:
    """The plan of the page's query (`history`: of the components' history query)."""
    from bot.domain.availability import period_start
    from bot.storage import history as impacts_read
    from bot.storage import public

    captured: list[tuple[str, Any]] = []
    from sqlalchemy import event

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    with db.read() as session:
        if history:
            since = period_start(NOW, ZoneInfo("Asia/Kolkata"))
            impacts_read.in_period(session=session, since=since, until=NOW)
        else:
            public.page(session=session, resolved_since=NOW - timedelta(days=90))
    event.remove(db.engine, "before_cursor_execute", remember)
    queries = [each for each in captured if not each[0].startswith("SET ")]
    statement, parameters = queries[-1] if history else queries[-2]  # the drafts' query, before the impacts'

    # PostgreSQL: run as the read ran it (its SET LOCAL jit = off), with the actual rows and times
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE) "
    with db.engine.begin() as connection:
        for setting, _ in captured:
            if setting.startswith("SET "):
                connection.exec_driver_sql(setting)
        raw = connection.exec_driver_sql(prefix + statement, parameters).all()
    return [" | ".join(str(part) for part in row) for row in raw]


@contextmanager
def backend(name: str) -> Iterator[Database]:
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{folder}/bench.db")
            db.upgrade()
            yield db
            db.dispose()
        return
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    database = f"bench_status_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        db = Database(admin_url.rsplit("/", 1)[0] + f"/{database}")
        db.upgrade()
        yield db
        db.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--components", type=int, default=0, help="public catalog components (issue 22: 50)")
    parser.add_argument("--years", type=float, default=None, help="spread the incidents over this long (issue 22: 2)")
    args = parser.parse_args(argv)
    spacing = timedelta(days=365 * args.years) / args.count if args.years else timedelta(minutes=30)
    settings = Settings(zone=ZoneInfo("Asia/Kolkata"), public_name="Chirper", languages=("en", "fr"),
                        catalog=catalog(args.components))  # fmt: skip
    routes = (*ROUTES, "/api/v2/components.json") if args.components else ROUTES
    print(
        f"# Status page benchmark: {args.count:,} incidents one every {spacing.total_seconds() / 60:.1f} min, "
        f"{args.components} components, {args.iterations} calls per route\n"
    )
    for name in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        with backend(name) as db:
            started = time.perf_counter()
            load(db, args.count, spacing, args.components)
            print(f"## {name} (loaded in {time.perf_counter() - started:.1f} s)\n", file=sys.stdout)
            site = StatusSite(db, settings, clock=lambda: NOW)
            before = os.getloadavg()[0]
            measured = measure(site, args.iterations, routes)
            print("| route | served | p50 ms | p99 ms | CPU p50 ms | bytes |\n|---|---|---|---|---|---|")
            for (path, way), (p50, p99, cpu, size) in measured.items():
                print(f"| `{path}` | {way} | {p50:.2f} | {p99:.2f} | {cpu:.2f} | {size:,} |")
            print(f"\nLoad average (1 min) {before:.1f} before the calls, {os.getloadavg()[0]:.1f} after.\n")
            print("\nPlan of the page's query:\n\n```\n" + "\n".join(plans(db)) + "\n```\n")
            if args.components:
                print("Plan of the history's query:\n\n```\n" + "\n".join(plans(db, history=True)) + "\n```\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
