"""App Home benchmark: one person's Home built and published with 1,000 open incidents and
100,000 resolved ones stored, on SQLite and PostgreSQL (issue 25, item 4).

What it measures, p50 and p99 over `--iterations` Homes:
- build: `HomeService.read` (every section's query: the viewer's incidents, the other open ones,
  the last 5 resolved, their follow-ups and pages, names) plus `bot.render.home.home_view` (the
  Block Kit view, at most 100 blocks) and its JSON: everything the server does before Slack;
- build + publish: the same plus `views.publish` to the Slack emulator on loopback (its Block
  Kit checks included, so an upper bound of the server's share);
- refresh: `HomeService.refresh` queuing the publishes of `--viewers` recent viewers (one
  transaction: the fan-out after a change).
The target (issue 25): a Home in under 100 ms of server time.

Then, with `--fan-out` viewers (default 1,000; 0 skips it), the whole bot (bot.sandbox: the web
process's threads, the Slack emulator in the same process, Slack answering each call after
`--latency` s) and one incident changing (issue 25: "1,000 people with the Home open and one
incident changing must not hold up the incident's own channel updates"):
- the change's line in the incident channel: from the command's ack to the line posted, with no
  viewer, then with the fan-out's viewers all owed a publish by that change;
- how long until every Home it asked for was handled, and how many `views.publish` calls went;
- a change shown on one person's Home only (a follow-up of theirs): how many calls went (the other
  Homes' views are unchanged, so they are not published again).

Data: one workspace; 100,000 resolved incidents (one every 30 minutes, stored durations) and
1,000 open ones (severities 1-4, one in ten private, the viewer lead of 12, comms of 5, scribe of
3, each with a next update due), 30 open follow-ups of the viewer and 2,000 of others, and the
viewer's French locale. Loaded with SQLAlchemy Core executemany through the bot's migrated schema;
PostgreSQL then gets `VACUUM ANALYZE`.

    python bench/home.py                 # both backends
    python bench/home.py --backend sqlite --resolved 10000

PostgreSQL is reached as BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres, whose role may create databases); a fresh
database is created and dropped. This prints numbers; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import insert, text
from storage import DEFAULT_POSTGRES_URL, fresh_postgres, postgres_version  # bench/ is the script's folder

from bot.config import Settings
from bot.domain.home import PUBLISH_EVERY
from bot.home import HomeService
from bot.render.home import home_view
from bot.sandbox import ManualClock, Sandbox
from bot.storage import home, members
from bot.storage.db import Database
from bot.storage.members import Member
from bot.storage.tables import FollowUpRow, IncidentRow, WorkspaceRow
from slack_emulator import SlackEmulator

ZONE = ZoneInfo("Asia/Kolkata")
TEAM = "T0EMULATOR"  # the emulator's workspace: the viewer is one of its people
VIEWER = "U0ALICE"


def incident_row(number: int, begun: datetime, rng: random.Random, *, resolved: bool) -> dict[str, object]:
    total = rng.randint(300, 14_400)
    row: dict[str, object] = {
        "team_id": TEAM,
        "number": number,
        "title": f"Incident {number}: checkout errors for some users",
        "severity": rng.randint(1, 4),
        "status": "resolved" if resolved else rng.choice(["investigating", "identified", "monitoring"]),
        "lead": f"U0LEAD{number % 50}",
        "opened_by": f"U0LEAD{number % 50}",
        "attack": "no-evidence",
        "impact": "",
        "channel_id": f"C{number:09d}",
        "impact_started_at": begun,
        "opened_at": begun,
        "status_since": begun,
        "resolved_at": begun + timedelta(seconds=total) if resolved else None,
        "updated_at": begun,
        "last_update_at": begun,
        "total_seconds": float(total) if resolved else None,
        "private": number % 10 == 0,
        "retro_state": "pending",
        "retro_note": "",
    }
    return row


def load(db: Database, resolved: int, open_count: int, now: datetime) -> float:
    started = time.perf_counter()
    rng = random.Random(25)
    first = now - timedelta(minutes=30 * (resolved + open_count))
    rows = [incident_row(n + 1, first + timedelta(minutes=30 * n), rng, resolved=True) for n in range(resolved)]
    for n in range(open_count):
        number = resolved + n + 1
        row = incident_row(number, now - timedelta(minutes=rng.randint(5, 600)), rng, resolved=False)
        row["update_due"] = now + timedelta(minutes=rng.randint(-20, 60))
        if n < 12:
            row["lead"] = VIEWER
        elif n < 17:
            row["comms"] = VIEWER
        elif n < 20:
            row["scribe"] = VIEWER
        rows.append(row)
    with db.engine.begin() as connection:
        connection.execute(insert(WorkspaceRow), [{"team_id": TEAM, "last_number": resolved + open_count}])
        for start in range(0, len(rows), 5000):
            connection.execute(insert(IncidentRow), rows[start : start + 5000])
        ids = [row[0] for row in connection.execute(text("SELECT id FROM incident ORDER BY number DESC LIMIT 500"))]
        follow_ups = [
            {
                "team_id": TEAM,
                "incident_id": ids[n % len(ids)],
                "text": f"Alert on the checkout error rate ({n})",
                "owner": VIEWER if n < 30 else f"U0LEAD{n % 50}",
                "due": now.date() + timedelta(days=n % 20) if n % 3 else None,
                "created_by": VIEWER,
                "created_at": now,
            }
            for n in range(2030)
        ]
        connection.execute(insert(FollowUpRow), follow_ups)
    with db.write() as session:
        people = [Member(VIEWER, TEAM, "alice", "Alice Sharma", locale="fr-FR", tz="Europe/Paris")]
        people += [Member(f"U0LEAD{n}", TEAM, f"lead{n}", f"Lead {n}") for n in range(50)]
        members.put(session=session, members=people, learned_at=now)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def timed(action: Callable[[], object], iterations: int) -> tuple[float, float]:
    times = []
    for _ in range(iterations):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def run(name: str, url: str, resolved: int, open_count: int, viewers: int, iterations: int) -> None:
    db = Database(url)
    db.upgrade()
    now = datetime.now(UTC)
    settings = Settings(zone=ZONE, languages=("en", "fr"))
    homes = HomeService(db, settings, clock=lambda: datetime.now(UTC))
    try:
        seconds = load(db, resolved, open_count, now)
        print(f"\n### {name}: {resolved:,} resolved and {open_count:,} open incidents loaded in {seconds:.1f} s\n")

        def build() -> str:
            return json.dumps(home_view(homes.read(team_id=TEAM, user_id=VIEWER)))

        with SlackEmulator() as emulator:
            client = WebClient(token=emulator.bot_token, base_url=emulator.api_url, retry_handlers=[])

            def publish() -> None:
                client.views_publish(user_id=VIEWER, view=home_view(homes.read(team_id=TEAM, user_id=VIEWER)))

            timed(build, 3)  # warm the plans and the caches
            timed(publish, 3)
            print("| what | p50 ms | p99 ms |")
            print("|---|---|---|")
            p50, p99 = timed(build, iterations)
            print(f"| build (read + render) | {p50:.1f} | {p99:.1f} |")
            p50, p99 = timed(publish, iterations)
            print(f"| build + views.publish (emulator) | {p50:.1f} | {p99:.1f} |")
            view = home_view(homes.read(team_id=TEAM, user_id=VIEWER))
        with db.write() as session:
            for n in range(viewers):
                home.opened(session=session, team_id=TEAM, user_id=f"U0VIEWER{n}", now=now)

        def refresh() -> None:
            with db.write() as session:
                home.request_refresh(session=session, now=datetime.now(UTC), team_id=TEAM)
                session.execute(text("DELETE FROM effect WHERE kind = 'home.publish'"))
            homes.refresh(team_id=TEAM)

        p50, p99 = timed(refresh, max(3, iterations // 10))
        print(f"| refresh: {viewers:,} publishes queued | {p50:.1f} | {p99:.1f} |")
        print(f"\nThe Home: {len(view['blocks'])} blocks, {len(json.dumps(view)):,} bytes of JSON")
    finally:
        db.dispose()


def run_fan_out(name: str, url: str, viewers: int, latency: float) -> None:
    """One incident changing with `viewers` Homes open: its channel's line, and the Homes.

    The bot's clock is still (a Home says how long ago things happened: on a clock running through a
    minute's end every Home would show a new age) and moved on 10 s for the Homes' next publishes."""
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    emulator = SlackEmulator(clock=clock.timestamp)
    people = [emulator.add_user(f"viewer{n}").id for n in range(viewers)]
    stack = Sandbox(database_url=url, emulator=emulator, clock=clock, home_every=PUBLISH_EVERY)
    try:
        alice = stack.user("alice")
        alice.slash("open sev1 Checkout fails")
        stack.settle(timeout=60)
        with stack.runtime.db.write() as session:  # open for two hours: its age reads "2h 0m" meanwhile
            session.execute(text("UPDATE incident SET impact_started_at = :at"), {"at": clock() - timedelta(hours=2)})
        channel = next(each.channel_id for each in stack.runtime.service.list_incidents(team_id=TEAM))
        assert channel is not None
        emulator.set_latency(latency)

        def line_after(command: str, said: str) -> float:
            """From the command's ack to the bot's line saying `said` in the incident channel (ms)."""
            assert alice.slash(command, channel=channel).status == 200
            acked = time.perf_counter()
            while not any(said in str(message.text) for message in emulator.messages(channel)):
                if time.perf_counter() - acked > 120:
                    raise TimeoutError(f"no {said!r} in the incident channel")
                time.sleep(0.002)
            return (time.perf_counter() - acked) * 1000

        def homes_done(before: int) -> tuple[float, int]:
            """Seconds until no Home publish is owed any more, and the views.publish calls made
            since there were `before`."""
            started = time.perf_counter()
            clock.advance(seconds=PUBLISH_EVERY.total_seconds())  # a person's next publish may go
            stack.settle(timeout=600)
            return time.perf_counter() - started, len(emulator.calls("views.publish")) - before

        alone = line_after("status identified The config push", "set the status to *identified*")
        with stack.runtime.db.write() as session:
            for person in people:
                home.opened(session=session, team_id=TEAM, user_id=person, now=clock())
        published = len(emulator.calls("views.publish"))
        busy = line_after("status monitoring Rolled back", "set the status to *monitoring*")
        waited, calls = homes_done(published)
        print(f"\n{name}, the whole bot, Slack answering after {latency * 1000:.0f} ms, {viewers:,} recent viewers:\n")
        print("| a change of INC-1 | its line in the channel, from the ack | the Homes all handled | views.publish |")
        print("|---|---|---|---|")
        print(f"| status, no Home open | {alone:.0f} ms | - | - |")
        print(f"| status, on {viewers:,} Homes | {busy:.0f} ms | {waited:.1f} s after the line | {calls:,} |")
        published = len(emulator.calls("views.publish"))
        mine = line_after("followup Alert on the 5xx rate @viewer0", "Alert on the 5xx rate")
        waited, calls = homes_done(published)
        print(f"| a follow-up, on 1 Home | {mine:.0f} ms | {waited:.1f} s after the line | {calls:,} |")
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--resolved", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=1_000)
    parser.add_argument("--viewers", type=int, default=1_000)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--fan-out", type=int, default=1_000, help="recent viewers when one incident changes")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds Slack takes per call (fan-out)")
    parser.add_argument("--fan-out-only", action="store_true", help="skip the 100,000 incidents' Home")
    args = parser.parse_args()
    print(f"# The App Home ({sys.platform}, Python {sys.version.split()[0]})")
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            if not args.fan_out_only:
                run("SQLite", f"sqlite:///{folder}/bench.db", args.resolved, args.open, args.viewers, args.iterations)
            if args.fan_out:
                run_fan_out("SQLite", f"sqlite:///{folder}/fan_out.db", args.fan_out, args.latency)
    if args.backend in ("postgres", "both"):
        admin_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        if postgres_version(admin_url) is None:
            return 0
        if not args.fan_out_only:
            with fresh_postgres(admin_url) as url:
                run("PostgreSQL", url, args.resolved, args.open, args.viewers, args.iterations)
        if args.fan_out:
            with fresh_postgres(admin_url) as url:
                run_fan_out("PostgreSQL", url, args.fan_out, args.latency)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
