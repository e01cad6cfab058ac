"""Status page benchmark: `GET /status` and `/api/v2/summary.json` with 100,000 incidents stored.

The real `StatusSite` (one indexed query, Jinja2 rendering, ETag) is called as the WSGI app it is,
in-process, on a `Database` built as the bot builds it (SQLite: a file in a temp dir, WAL;
PostgreSQL: a fresh database created and dropped here). Data shape: an incident every 30 minutes
(~5.7 years), 1 in 50 with public updates (an English and a French draft for investigating and
for resolved, published), 3 of those still open; the other drafts and the timelines are not
needed by the page and are left out. Prints p50/p99 per route and the query plans; asserts nothing.

    python bench/status_page.py [--backend sqlite|postgres|both] [--iterations 500]

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
from bot.status_page.cache import AnswerCache
from bot.status_page.site import StatusSite
from bot.storage.db import Database
from bot.storage.tables import DraftRow, IncidentRow

COUNT = 100_000
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ROUTES = ("/status", "/api/v2/summary.json")
WAYS = ("kept", "rendered")


def rows(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    incidents, drafts = [], []
    for number in range(1, count + 1):
        opened = NOW - timedelta(minutes=30 * (count - number) + 90)
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


def load(db: Database, count: int) -> None:
    incidents, drafts = rows(count)
    with db.engine.begin() as connection:
        for start in range(0, len(incidents), 5000):
            connection.execute(insert(IncidentRow.__table__), incidents[start : start + 5000])  # type: ignore[arg-type]
        for start in range(0, len(drafts), 5000):
            connection.execute(insert(DraftRow.__table__), drafts[start : start + 5000])  # type: ignore[arg-type]
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


def measure(site: StatusSite, iterations: int) -> dict[tuple[str, str], tuple[float, float, int]]:
    """p50/p99 per route, served as kept (the usual case: the version read, the kept body sent)
    and rendered (the kept answers dropped before each call: what the first request after a
    change pays), interleaved so noise hits all alike."""
    results: dict[tuple[str, str], list[float]] = {(path, way): [] for path in ROUTES for way in WAYS}
    sizes = {path: call(site, path) for path in ROUTES}  # warm up: templates compiled, caches filled
    for _ in range(iterations):
        for path in ROUTES:
            for way in WAYS:
                kept = site.cache
                if way == "rendered":
                    site.cache = AnswerCache()
                started = time.perf_counter()
                call(site, path)
                results[path, way].append((time.perf_counter() - started) * 1000)
                site.cache = kept
    return {
        key: (statistics.median(times), statistics.quantiles(times, n=100)[98], sizes[key[0]])
        for key, times in results.items()
    }


def plans(db: Database) -> list[str]:
    from bot.storage import public

    captured: list[tuple[str, Any]] = []
    from sqlalchemy import event

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    with db.read() as session:
        public.page(session=session, resolved_since=NOW - timedelta(days=90))
    event.remove(db.engine, "before_cursor_execute", remember)
    statement, parameters = captured[-1]
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    with db.engine.connect() as connection:
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
    args = parser.parse_args(argv)
    settings = Settings(zone=ZoneInfo("Asia/Kolkata"), public_name="Chirper", languages=("en", "fr"))
    print(f"# Status page benchmark: {args.count:,} incidents, {args.iterations} calls per route\n")
    for name in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        with backend(name) as db:
            started = time.perf_counter()
            load(db, args.count)
            print(f"## {name} (loaded in {time.perf_counter() - started:.1f} s)\n", file=sys.stdout)
            site = StatusSite(db, settings, clock=lambda: NOW)
            print("| route | served | p50 ms | p99 ms | bytes |\n|---|---|---|---|---|")
            for (path, way), (p50, p99, size) in measure(site, args.iterations).items():
                print(f"| `{path}` | {way} | {p50:.2f} | {p99:.2f} | {size:,} |")
            print("\nPlan of the page's query:\n\n```\n" + "\n".join(plans(db)) + "\n```\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
