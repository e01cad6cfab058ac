"""How promises, snoozes and the close's promise record read in the channel (pure rendering)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.incident import open_incident
from bot.domain.reminders import Promise, no_update_entry, promise_entry, promise_line, record, snooze_entry
from bot.render.lines import line

IST = ZoneInfo("Asia/Kolkata")


def at(hour: int, minute: int) -> datetime:
    return datetime(2022, 2, 17, hour, minute, tzinfo=IST)


INCIDENT, _ = open_incident(
    number=1, title="Home page down", severity=1, actor="U0ALICE", started_at=at(21, 41), now=at(21, 41), zone=IST
)
NAMES = {"U0ALICE": "alice", "U0BOB": "bob"}


def test_a_promise_kept_late_says_how_late_and_when_the_update_came() -> None:
    entry = promise_entry(Promise(at(22, 20), at(21, 47), at(22, 34)), actor="U0ALICE")
    assert line(entry, INCIDENT, NAMES, IST) == (
        "`22:34 IST` :hourglass: Update promised by 22:20 IST was kept late by 14 min (published 22:34 IST)"
    )


def test_a_kept_promise_says_so() -> None:
    entry = promise_entry(Promise(at(22, 55), at(22, 25), at(22, 50)), actor="U0ALICE")
    assert line(entry, INCIDENT, NAMES, IST) == (
        "`22:50 IST` :white_check_mark: Update promised by 22:55 IST was kept (published 22:50 IST)"
    )


def test_a_snooze_and_no_update_needed_read_as_what_the_person_did() -> None:
    snoozed = snooze_entry(timedelta(minutes=15), at(22, 36), actor="U0BOB", now=at(22, 21))
    assert line(snoozed, INCIDENT, NAMES, IST) == (
        "`22:21 IST` *bob* :zzz: snoozed the update reminder for 15 min (next reminder at 22:36 IST)"
    )
    waived = no_update_entry(at(22, 55), actor="U0BOB", now=at(22, 21))
    assert line(waived, INCIDENT, NAMES, IST) == (
        "`22:21 IST` *bob* said no public update is needed now: still investigating; the next one is due by 22:55 IST"
    )


def test_the_close_reports_promised_kept_and_kept_late() -> None:
    promises = [
        Promise(at(22, 20), at(21, 47), at(22, 34)),
        Promise(at(23, 5), at(22, 34), at(23, 0)),
        Promise(at(23, 30), at(23, 0), at(23, 25)),
        Promise(at(23, 55), at(23, 25), at(23, 39)),
    ]
    assert promise_line(record(promises, at(23, 39)), IST) == (
        "Public updates: 4 promised, 3 kept, 1 kept late by 14 min"
    )


def test_the_close_reports_promises_still_open_and_says_nothing_when_none_were_made() -> None:
    promises = [Promise(at(22, 20), at(21, 47)), Promise(at(23, 59), at(23, 30))]
    assert promise_line(record(promises, at(23, 39)), IST) == (
        "Public updates: 2 promised, 0 kept, 1 missed (due by 22:20 IST, no update since), 1 due by 23:59 IST"
    )
    assert promise_line(record([], at(23, 39)), IST) is None
