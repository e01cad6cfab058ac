"""`incident-bot demo`: the February 2022 outages replayed offline, printed as people would read it.

Everything real but Slack: the Bolt app over HTTP on loopback, signed slash commands and
clicks sent by the built-in Slack emulator, the real database code. The demo never touches a
database or a Slack of yours: it runs on a temporary SQLite file and its own emulator, whatever
DATABASE_URL, SLACK_* or `.env` say, and leaves nothing behind, so it can run any number of
times in a row. The clock is simulated so the story keeps its real times
(Asia/Kolkata): open at 21:41, identified at 22:06, monitoring at 23:10, resolved at 23:39. The
first public update promises the next by 22:20; when that passes the bot nudges the comms lead,
whose update at 22:25 is 5 minutes late, and the close reports every promise. Six days
earlier, on 2022-02-11, the home page had already failed for an hour (INC-1): when INC-2 opens,
the bot says it is the second similar incident in 7 days. INC-2 puts the catalog's "Home page" in
a major outage from 21:41 (`/incident affects`), so its 90-day bar on the status page has a red
day, "17 Feb 2022: major outage for 1h 58m". At 21:42 `/incident page home` pages the Home page's
on-call group (@oncall-web: carol), who acknowledges in the app's direct message at 21:44; the
demo prints that message as she reads it. The demo ends with INC-2's retrospective, built
from the record, and writes the public status page as `incident-bot status export` does (every
language, feeds, JSON, relative links) into `incident-bot-demo-status` in the system's temporary
folder, replacing the previous run's.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.domain.incident import format_name
from bot.lookup import Where
from bot.render import actions
from bot.render.durations import TOTAL, headline
from bot.render.retro import markdown
from bot.sandbox import TEAM_ID, ManualClock, Sandbox
from bot.status_page.export import export_site
from slack_emulator import ANNOUNCE, GENERAL, STATUS, SlackEmulator

ZONE = ZoneInfo("Asia/Kolkata")
FIRST_START = datetime(2022, 2, 11, 14, 5, tzinfo=ZONE)
STORY_START = datetime(2022, 2, 17, 21, 41, tzinfo=ZONE)
DEMO_SITE = Path(tempfile.gettempdir()) / "incident-bot-demo-status"
STORY = 2  # the incident number of the 2022-02-17 outage: INC-1 is the one of 2022-02-11
ON_CALL = "carol"  # in @oncall-web, the Home page's on-call group: paged at 21:42, acknowledges at 21:44
CATALOG = """
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }
group = "Web"
description = "chirper.example and the mobile home feed"
oncall = "oncall-web"
escalation = "sre-leads"

[[component]]
id = "search"
name = { en = "Search", fr = "Recherche" }
group = "Web"

[[component]]
id = "api"
name = { en = "Public API", fr = "API publique" }
"""


def run_demo(out: TextIO = sys.stdout) -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="incident-bot-demo-") as folder:
        clock = ManualClock(FIRST_START)
        with demo_sandbox(Path(folder), clock) as sandbox:
            _replay_first(sandbox, clock)
            clock.set(STORY_START)
            _replay(sandbox, clock)
            _print(sandbox, out)
            page = _write_status_page(sandbox)
            name = format_name(STORY)
            out.write(f"{'=' * 78}\nThe retrospective of {name} (incident-bot export {name})\n{'=' * 78}\n")
            out.write(markdown(sandbox.runtime.aftermath.record(Where(TEAM_ID, number=STORY))))
    out.write(f"\nThe public status page now, as static files (incident-bot status export): {page}\n")
    out.write(f"\n(replayed in {time.perf_counter() - started:.1f} s, offline)\n")
    return 0


def demo_sandbox(folder: Path, clock: ManualClock) -> Sandbox:
    """The demo's world, started: its catalog and SQLite file in `folder` (its own, whatever is
    configured), and a Slack where carol is the Home page's on-call engineer this week (@oncall-web)
    and dave its escalation (@sre-leads), besides the emulator's own people."""
    catalog = folder / "catalog.toml"
    catalog.write_text(CATALOG, encoding="utf-8")
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_user(ON_CALL, real_name="Carol Jones")
    emulator.add_user("dave", real_name="Dave Kim")
    emulator.add_usergroup("oncall-web", members=[ON_CALL], name="Web on call")
    emulator.add_usergroup("sre-leads", members=["dave"], name="SRE leads")
    database_url = f"sqlite:///{folder / 'demo.db'}"
    settings = {"INCIDENT_CATALOG": str(catalog)}
    return Sandbox(database_url=database_url, clock=clock, emulator=emulator, settings=settings)


def _replay_first(sandbox: Sandbox, clock: ManualClock) -> None:
    """2022-02-11: the home page fails for an hour and two minutes (INC-1)."""
    alice = sandbox.user("alice")
    for (hour, minute), text, where in (
        ((14, 5), "open sev2 Something went wrong on home page", GENERAL),
        ((14, 30), "status identified The new image CDN returns errors", None),
        ((15, 7), "close Rolled back to the old CDN", None),
    ):
        clock.set(clock.now.replace(hour=hour, minute=minute))
        answer = alice.slash(text, channel=where or sandbox.channel_of(1))
        if answer.status != 200:
            raise RuntimeError(f"/incident {text} was answered {answer.status}")
        sandbox.settle()


def _replay(sandbox: Sandbox, clock: ManualClock) -> None:
    alice, bob = sandbox.user("alice"), sandbox.user("bob")
    # (time, who, what they type; None: only time passes, and the bot sends what is due), where
    steps: list[tuple[tuple[int, int], str, str | None, str | None]] = [
        ((21, 41), "alice", "open sev1 Something went wrong on the home page", GENERAL),
        ((21, 42), "alice", "affects home major --at 21:41", None),
        ((21, 42), "alice", "page home", None),  # the Home page's on-call group: carol gets a direct message
        ((21, 43), "alice", "role comms @bob", None),
        ((21, 43), "alice", "public-title Home page errors", None),
        ((21, 44), ON_CALL, None, None),  # carol presses Acknowledge in the page's direct message
        (
            (21, 44),
            "alice",
            'impact Users in India and the United States see "Something went wrong" on the home page',
            None,
        ),
        ((21, 45), "alice", "attack no-evidence", None),  # assessed: the updates may say so
        ((21, 47), "alice", "draft", None),  # published: "Next update by 22:20 IST"
        ((22, 6), "bob", "status identified A bad configuration push to the home page service", None),
        ((22, 19), "bob", "note Rolled back the configuration push; errors are dropping", None),
        ((22, 21), "bob", None, None),  # the 22:20 promise has passed: the bot nudges bob, the comms lead
        ((22, 25), "bob", "draft en short", None),  # published 5 minutes late; promises 22:55
        ((22, 50), "bob", "draft en short", None),  # kept; promises 23:20
        ((23, 10), "bob", "status monitoring Fix deployed everywhere; watching error rates", None),
        ((23, 12), "bob", "draft en short", None),  # kept; promises 23:45
        ((23, 39), "alice", "close The home page works again for everyone", None),
        ((23, 41), "alice", "draft", None),  # the resolved update keeps the 23:45 promise
        ((23, 45), "alice", "followup Alert when the home page serves errors @bob due 2022-02-24", None),
        ((23, 46), "alice", "followup Check configuration pushes before they reach every region", None),
    ]
    for (hour, minute), who, text, where in steps:
        clock.set(clock.now.replace(hour=hour, minute=minute))
        person = alice if who == "alice" else bob
        if who == ON_CALL:
            _acknowledge_page(sandbox, who)
        if text is not None:
            answer = person.slash(text, channel=where or sandbox.channel_of(STORY))
            if answer.status != 200:
                raise RuntimeError(f"/incident {text} was answered {answer.status}")
        sandbox.settle()
        if text == "open sev1 Something went wrong on the home page":
            sandbox.emulator.add_member(sandbox.channel_of(STORY), "bob")  # bob joins the channel
        if text is not None and text.startswith("draft"):
            _publish_english_short(sandbox, who)


def _acknowledge_page(sandbox: Sandbox, who: str) -> None:
    """`who` presses *Acknowledge* in the page's direct message."""
    [page] = sandbox.emulator.messages(_direct_channel(sandbox, who))
    sandbox.user(who).click(page.channel, page.ts, actions.ACKNOWLEDGE_PAGE)


def _direct_channel(sandbox: Sandbox, who: str) -> str:
    """The app's direct messages with `who`."""
    return f"D{sandbox.emulator.user(who).id}"


def _write_status_page(sandbox: Sandbox) -> Path:
    """The public site as `incident-bot status export` writes it (every language, feeds, JSON,
    relative links), where a browser can open it: the temporary folder, so the current one stays
    clean; each run replaces the last one's whole."""
    runtime = sandbox.runtime
    exported = export_site(runtime.db, runtime.settings, DEMO_SITE, clock=runtime.service.clock)
    return exported.folder / exported.home


def _publish_english_short(sandbox: Sandbox, who: str) -> None:
    """A person reads the drafts and presses Publish on the English short one."""
    channel = sandbox.channel_of(STORY)
    for message in reversed(sandbox.emulator.messages(channel)):
        text = str(message.blocks)
        if "Public update draft" in text and "English · short" in text and actions.PUBLISH in text:
            sandbox.user(who).click(channel, message.ts, actions.PUBLISH)
            sandbox.settle()
            return
    raise RuntimeError("no English short draft to publish")


def _print(sandbox: Sandbox, out: TextIO) -> None:
    emulator = sandbox.emulator
    channel = sandbox.channel_of(STORY)
    rule = "=" * 78
    for title, channel_id in (
        ("The incident channel", channel),
        (
            f"{ON_CALL}'s direct messages from the app (the page, once she acknowledged)",
            _direct_channel(sandbox, ON_CALL),
        ),
        ("#incidents (announcements)", ANNOUNCE),
        ("#status (what the public saw: only what a person published)", STATUS),
    ):
        out.write(f"{rule}\n{title}\n{rule}\n{emulator.transcript(channel_id, ZONE)}\n\n")
    timeline = sandbox.runtime.service.timeline(Where(TEAM_ID, number=STORY))
    durations = timeline.durations
    from bot.domain.durations import short
    from bot.domain.language import public_duration

    out.write(f"{rule}\nDurations of {format_name(STORY)}\n{rule}\n")
    in_words = {TOTAL: f"  ({public_duration(durations.total, 'en')}; {public_duration(durations.total, 'fr')})"}
    for label, length in headline(durations):
        out.write(f"{label:<18} {short(length)}{in_words.get(label, '')}\n")
    for status, spent in durations.in_status.items():
        if spent:
            out.write(f"  {status.value:<16} {short(spent)}\n")
