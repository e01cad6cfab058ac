"""`incident-bot demo` replays the 2022-02-17 story offline and prints what people would read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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
        "Total *1h 58m* · time to identify *25m* · time to mitigate *1h 29m*",
        "📌",  # the pinned card
        ":white_check_mark: *INC-2* resolved after 1h 58m",
        "Chirper was disrupted for almost two hours",
        "pendant près de deux heures",
        "total              1h 58m",
        # the 22:20 promise: a nudge to the comms lead, an update 5 minutes late, the record at the close
        "22:21 IST  incident-bot\n  :alarm_clock: @bob the next public update of *INC-2* was due by *22:20 IST*, 1 min",
        "[Draft update] [Snooze 15 min] [Snooze 30 min] [Snooze 1 h] [Still investigating: no update needed now]",
        "`22:25 IST` :hourglass: Update promised by 22:20 IST was missed (published 22:25 IST, 5 min late)",
        "Public updates: 4 promised, 2 kept, 1 late by 5 min, 1 due by 23:45 IST",
        "`23:41 IST` :white_check_mark: Update promised by 23:45 IST was kept (published 23:41 IST)",
        # the retrospective, built from the record
        "The retrospective of INC-2 (incident-bot export INC-2)",
        "# INC-2: Something went wrong on the home page\n",
        "- INC-1 Something went wrong on home page (2022-02-11, 1h 2m)",
        "- [ ] #1 Alert when the home page serves errors (owner bob, due 2022-02-24)",
        "Public updates: 4 promised, 3 kept, 1 late by 5 min",
        "Update promised by 22:20 IST was missed (published 22:25 IST, 5 min late)",
        "## What to change",
    ):
        assert expected in out, expected
    assert list(tmp_path.iterdir()) == [], "the demo leaves no database behind"
    written = next(line for line in out.splitlines() if "(GET /status): " in line).split("(GET /status): ")[1]
    page = Path(written).read_text()
    assert "All systems operational" in page and "Home page errors" in page, "resolved, under its public title"
    assert "Disrupted for almost two hours." in page
    assert "Something went wrong on the home page" not in page, "never the internal title"
