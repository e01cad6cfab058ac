"""`incident-bot demo` replays the 2022-02-17 story offline and prints what people would read."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.demo import FIRST_START, STORY, STORY_START
from bot.domain.incident import format_name
from bot.service import IncidentService
from bot.storage.db import Database
from tests.conftest import KOLKATA, database_state


def test_the_demo_prints_the_channel_the_announcements_the_public_posts_and_the_durations(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "#inc-2-something-went-wrong-on-the-home-page",
        "21:41 IST",  # times in the configured zone
        "*alice* opened INC-2: Something went wrong on the home page",
        # the second outage in a week: named at once
        "`21:41 IST` :repeat: 2nd similar incident in 7 days: "
        "INC-1 “Something went wrong on home page” (Feb 11, 1h 2m)",
        "22:06 IST` *bob* :bulb: set the status to *identified*",
        "Total duration *1h 58m* · time to identify *25m* · time to mitigate *1h 29m*",
        "📌",  # the pinned card
        # the Home page's on-call group paged, carol acknowledging in the direct message she got
        "`21:42 IST` *alice* :pager: paged *carol*: on call for Home page (@oncall-web)",
        "21:42 IST  · carol has joined the channel",
        "`21:44 IST` *carol* :raising_hand: acknowledged the page for Home page: 2m after the page",
        "*Paged*\n  :white_check_mark: *Home page*: acknowledged by *carol* at 21:44 IST",
        "carol's direct messages from the app",
        ":pager: *alice* paged you for *INC-2* (sev1): Something went wrong on the home page\n"
        "  :white_check_mark: You acknowledged at 21:44 IST. The channel: #inc-2-something-went-wrong-on-the-home-page",
        "| carol | Home page (oncall) | alice | 2022-02-17 21:42 IST (16:12 UTC) | acknowledged 2022-02-17 21:44 IST",
        ":white_check_mark: *INC-2* resolved after 1h 58m",
        "Chirper was disrupted for almost two hours",
        "pendant près de deux heures",
        # public wording: the impact mid-sentence, a quotation cut open is closed, French times
        "trouble with Chirper: users in India and the United States see",
        '(users in India and the United States see "Something went…").',
        "Prochaine mise à jour d'ici 22\u00a0h\u00a020 (UTC+5:30).",
        "total duration     1h 58m",
        # the 22:20 promise: a nudge to the comms lead, an update 5 minutes late, the record at the close
        "22:21 IST  incident-bot\n  :alarm_clock: @bob the next public update of *INC-2* was due by *22:20 IST*, 1 min",
        # its buttons gave way to what answered it once the update was published
        "and none has been published.\n  Answered: `22:25 IST` *bob* :mega: published the English short update",
        "`22:25 IST` :hourglass: Update promised by 22:20 IST was kept late by 5 min (published 22:25 IST)",
        "Public updates: 4 promised, 2 kept, 1 kept late by 5 min, 1 due by 23:45 IST",
        "`23:41 IST` :white_check_mark: Update promised by 23:45 IST was kept (published 23:41 IST)",
        # the retrospective, built from the record
        "The retrospective of INC-2 (incident-bot export INC-2)",
        "# INC-2: Something went wrong on the home page\n",
        "- INC-1 Something went wrong on home page (2022-02-11, 1h 2m)",
        "- [ ] #1 Alert when the home page serves errors (owner bob, due 2022-02-24)",
        "Public updates: 4 promised, 3 kept, 1 kept late by 5 min",
        "Update promised by 22:20 IST was kept late by 5 min (published 22:25 IST)",
        "## What to change",
    ):
        assert expected in out, expected
    assert "[Snooze 15 min]" not in out, "no reminder keeps buttons once answered"
    assert list(tmp_path.iterdir()) == [], "the demo leaves no database behind"
    written = Path(out.split("as static files (incident-bot status export): ")[1].splitlines()[0])
    assert written.name == "index.html"
    page = written.read_text()
    assert "All systems operational" in page and "Home page errors" in page, "resolved, under its public title"
    assert "Disrupted for almost two hours." in page
    # the home page's bar: a red day whose words say what happened, and its uptime over 90 days
    assert '<li class="day day-major_outage"><span class="day-label">17 Feb 2022: major outage for 1h 58m<' in page
    assert page.count('class="day day-major_outage"') == 1 and "Affected: Home page (major outage)." in page
    assert "99.90% uptime" in page  # 1 - 118 / (89 days and 23 h 46 min) = 99.908...%
    summary = json.loads((written.parent / "api/v2/summary.json").read_text())
    assert [(c["name"], c["status"]) for c in summary["components"]][:2] == [
        ("Web", "operational"),
        ("Home page", "operational"),
    ]
    assert summary["incidents"] == [] and summary["status"]["indicator"] == "none"
    assert "Something went wrong on the home page" not in page, "never the internal title"
    french = (written.parent / "index.fr.html").read_text()
    assert '<html lang="fr">' in french and "Tous les services fonctionnent" in french
    for links in (re.findall(r'href="([^"]*)"', text) for text in (page, french)):
        assert links and all(not link.startswith(("/", "http")) for link in links), "relative: they work as files"
        for link in links:
            assert (written.parent / link).is_file(), link


def run_demo(folder: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        env=env | environ,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


def checksum(db: Database) -> str:
    """Every row of every table the bot writes, hashed."""
    return hashlib.sha256(repr(database_state(db)).encode()).hexdigest()


def test_the_demo_runs_twice_in_a_row_on_a_database_of_its_own_whatever_is_configured(
    tmp_path: Path, db_url: str, db: Database
) -> None:
    """A folder set up for production: the demo must neither write to its database (from `.env` or
    the environment) nor call its Slack, however many times it runs."""
    IncidentService(db, zone=KOLKATA).open(team_id="T0REAL", actor="U1", title="A real incident")
    before = checksum(db)
    file = Path(db.url.database or "") if db.is_sqlite else None
    db.dispose()
    file_before = hashlib.sha256(file.read_bytes()).hexdigest() if file else None
    folder = tmp_path / "production"
    folder.mkdir()
    dead_slack = "http://127.0.0.1:9/api/"  # nothing listens there: a call to it would fail the demo
    (folder / ".env").write_text(
        f"DATABASE_URL={db_url}\nSLACK_BOT_TOKEN=xoxb-the-real-one\nSLACK_API_URL={dead_slack}\n"
    )
    for attempt in (1, 2):
        result = run_demo(folder, DATABASE_URL=db_url, SLACK_API_URL=dead_slack)
        assert result.returncode == 0, f"run {attempt}: {result.stderr}"
        assert "Total duration *1h 58m*" in result.stdout, f"run {attempt} replayed the whole story"
        assert "WARNING" not in result.stderr and "Traceback" not in result.stderr
    assert sorted(path.name for path in folder.iterdir()) == [".env"], "nothing left in the folder"
    if file is not None:
        assert hashlib.sha256(file.read_bytes()).hexdigest() == file_before, "the SQLite file is byte for byte the same"
    assert checksum(db) == before
    db.dispose()


def test_the_behaviour_page_names_the_stories_the_demo_replays() -> None:
    """docs/behaviour.md (Who uses it) says which reference stories `incident-bot demo` replays:
    exactly the days the demo's clock is set to, each under the name it gets there."""
    page = (Path(__file__).parents[1] / "docs" / "behaviour.md").read_text()
    stories = page.split("## Who uses it", 1)[1].split("\n## ", 1)[0]
    bullets = [" ".join(item.split()) for item in stories.split("\n- ")[1:]]
    in_the_demo = {item[:10]: item for item in bullets if "in the demo" in item}
    assert set(in_the_demo) == {f"{FIRST_START:%Y-%m-%d}", f"{STORY_START:%Y-%m-%d}"}
    assert f"({format_name(STORY - 1)} in the demo)" in in_the_demo[f"{FIRST_START:%Y-%m-%d}"]
    assert f"({format_name(STORY)} in the demo," in in_the_demo[f"{STORY_START:%Y-%m-%d}"]
    assert all("tests only" in item for item in bullets if "in the demo" not in item)
