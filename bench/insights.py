"""Insights benchmark: `/incident stats 90d` with 100,000 incidents stored, on SQLite and PostgreSQL.

What it measures: `AftermathService.recent_insights(window="90d")` (incidents by severity, the
nearest-rank median and p90 of four durations, repeat-offender groups: the whole answer of
`/incident stats 90d` before formatting) plus its Slack formatting, p50 and p99 over
`--iterations` calls, and the same for `30d`. The target (issue 13) is p50 under 200 ms.

Data: one workspace, an incident every 30 minutes for 100,000 incidents (about 5.7 years,
ending now), all resolved with stored durations (identify, mitigate, total; a detection lag
for one in five), severities 1-4, and one related link per 20 incidents. Loaded with SQLAlchemy
Core executemany through the bot's migrated schema; PostgreSQL then gets `VACUUM ANALYZE`.

    python bench/insights.py                 # both backends
    python bench/insights.py --backend sqlite --incidents 10000

PostgreSQL is reached as BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres, whose role may create databases); a fresh
database is created and dropped. This prints numbers; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from storage import DEFAULT_POSTGRES_URL, fresh_postgres, postgres_version  # bench/ is the script's folder

from bot.aftermath import AftermathService
from bot.render import report
from bot.storage.db import Database
from bot.storage.tables import IncidentLinkRow, IncidentRow, WorkspaceRow

ZONE = ZoneInfo("Asia/Kolkata")
TEAM = "T0BENCH"


def load(db: Database, count: int, now: datetime) -> float:
    started = time.perf_counter()
    rng = random.Random(7)
    first = now - timedelta(minutes=30 * count)
    rows = []
    for index in range(count):
        begun = first + timedelta(minutes=30 * index)
        identify = rng.randint(60, 3600)
        mitigate = identify + rng.randint(60, 3600)
        total = mitigate + rng.randint(60, 7200)
        lag = rng.randint(60, 900) if index % 5 == 0 else None
        rows.append(
            {
                "team_id": TEAM,
                "number": index + 1,
                "title": f"Incident {index + 1}",
                "severity": rng.randint(1, 4),
                "status": "resolved",
                "lead": "U0LEAD",
                "opened_by": "U0LEAD",
                "attack": "no-evidence",
                "impact": "",
                "impact_started_at": begun,
                "opened_at": begun + timedelta(seconds=lag or 0),
                "status_since": begun + timedelta(seconds=total),
                "resolved_at": begun + timedelta(seconds=total),
                "updated_at": begun + timedelta(seconds=total),
                "last_update_at": begun + timedelta(seconds=total),
                "total_seconds": float(total),
                "identify_seconds": float(identify),
                "mitigate_seconds": float(mitigate),
                "detection_lag_seconds": float(lag) if lag is not None else None,
                "retro_state": "pending",
                "retro_note": "",
            }
        )
    with db.engine.begin() as connection:
        connection.execute(insert(WorkspaceRow), [{"team_id": TEAM, "last_number": count}])
        for start in range(0, count, 5000):
            connection.execute(insert(IncidentRow), rows[start : start + 5000])
        ids = [row[0] for row in connection.execute(text("SELECT id FROM incident ORDER BY number"))]
        links = [
            {"first_id": ids[index], "second_id": ids[index + 1], "linked_by": "U0LEAD", "linked_at": now}
            for index in range(0, count - 1, 20)
        ]
        connection.execute(insert(IncidentLinkRow), links)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def measure(db: Database, window: str, iterations: int) -> tuple[float, float, str]:
    service = AftermathService(db, zone=ZONE, clock=lambda: datetime.now(UTC))
    times = []
    answer = ""
    for _ in range(iterations):
        started = time.perf_counter()
        found = service.recent_insights(team_id=TEAM, window=window)
        answer = "\n".join(report.as_slack_lines(found, ZONE))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))], answer


def run(name: str, url: str, count: int, iterations: int) -> None:
    db = Database(url)
    db.upgrade()
    try:
        seconds = load(db, count, datetime.now(UTC))
        print(f"\n### {name}: {count:,} incidents loaded in {seconds:.1f} s\n")
        print("| window | p50 ms | p99 ms |")
        print("|---|---|---|")
        answer = ""
        for window in ("90d", "30d"):
            measure(db, window, 3)  # warm the plans and the caches
            p50, p99, answer = measure(db, window, iterations)
            print(f"| {window} | {p50:.1f} | {p99:.1f} |")
        print("\nThe 30d answer, as /incident stats shows it:\n")
        print("\n".join(f"> {line}" for line in answer.splitlines()))
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()
    print(f"# /incident stats with {args.incidents:,} incidents ({sys.platform}, Python {sys.version.split()[0]})")
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{folder}/bench.db", args.incidents, args.iterations)
    if args.backend in ("postgres", "both"):
        admin_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        if postgres_version(admin_url) is None:
            return 0
        with fresh_postgres(admin_url) as url:
            run("PostgreSQL", url, args.incidents, args.iterations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
