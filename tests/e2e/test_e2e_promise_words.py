"""One vocabulary for update promises (docs/behaviour.md, Update promises and reminders): kept,
kept late, missed, in the timeline, the close's report, the retrospective, `/incident stats` and
`incident-bot report`, end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from e2e_stack import Stack, bot_lines

from bot.cli import main
from bot.lookup import Where
from bot.render import actions
from bot.render.retro import markdown
from bot.sandbox import TEAM_ID, ManualClock, Sandbox
from slack_emulator import SlackEmulator


def publish_english_short(stack: Stack, channel: str) -> None:
    """`/incident draft en short`, then Publish on it, as comms would."""
    stack.user("alice").slash("draft en short", channel=channel)
    stack.settle()
    [draft] = [
        message
        for message in stack.emulator.messages(channel)
        if "Public update draft" in str(message.blocks) and actions.PUBLISH in str(message.blocks)
    ]
    assert stack.user("alice").click(channel, draft.ts, actions.PUBLISH).status == 200
    stack.settle()


def test_kept_kept_late_and_missed_read_the_same_in_every_output(
    make_stack: Callable[..., Sandbox],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """sev1 opened at 21:41 IST, every 30 minutes: the 21:47 update promises 22:20 and the 22:25
    one comes 5 minutes late (kept late), promising 22:55; the 22:50 one keeps it and promises
    23:20; nothing is published after, so at the close (23:39) the 23:20 promise is missed."""
    clock = ManualClock(datetime(2022, 2, 17, 16, 11, tzinfo=UTC))
    stack = make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp))
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    for hour, minute in ((21, 47), (22, 25), (22, 50)):
        clock.set(datetime.fromisoformat(f"2022-02-17T{hour:02}:{minute:02}:00+05:30"))
        publish_english_short(stack, channel)
    clock.set(datetime.fromisoformat("2022-02-17T23:39:00+05:30"))
    stack.user("alice").slash("close Fixed", channel=channel)
    stack.settle()

    kept_late = "Update promised by 22:20 IST was kept late by 5 min (published 22:25 IST)"
    kept = "Update promised by 22:55 IST was kept (published 22:50 IST)"
    close = "Public updates: 3 promised, 1 kept, 1 kept late by 5 min, 1 missed (due by 23:20 IST, no update since)"
    channel_text = "\n".join(bot_lines(stack, channel))
    for said in (kept_late, kept, close):
        assert said in channel_text, said
    document = markdown(stack.runtime.aftermath.record(Where(TEAM_ID, number=1)))
    for said in (kept_late, kept, close):
        assert said in document, said

    answer = stack.user("alice").slash("stats 30d", channel=channel)
    stats = json.dumps(answer.body) + "".join(json.dumps(post.body) for post in stack.emulator.response_url_posts())
    assert "*Public updates*: 3 promised, 1 kept, 1 kept late, 1 missed" in stats
    stack.stop()  # the report reads the database on its own

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("INCIDENT_TIMEZONE", "Asia/Kolkata")
    window = ("report", "--since", "2022-02-01", "--until", "2022-03-01")
    assert main([*window]) == 0
    table = capsys.readouterr().out
    for outcome, count in (("kept", 1), ("kept late", 1), ("missed", 1)):
        assert f"| public updates: promises {outcome} | {count} |" in table
    assert main([*window, "--format", "csv"]) == 0
    rows = {row["metric"]: row["value"] for row in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["public updates: promises kept late"] == "1"
    assert main([*window, "--format", "json"]) == 0
    counted = json.loads(capsys.readouterr().out)["public_update_promises"]
    assert counted == {"promised": 3, "kept": 1, "kept_late": 1, "missed": 1}

    everything = "\n".join((channel_text, document, stats, table))
    assert not re.search(r"\b(?<!kept )late by|was missed \(published", everything), "no other words for them"
