"""The deadline and reminder rules (bot.domain.reminders), with plain times of the 2022-02-17 story."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.reminders import (
    OFF,
    Promise,
    PromiseOutcome,
    ReminderKind,
    Schedule,
    after_reminder,
    deadline_after,
    next_reminder,
    no_update_needed,
    published,
    record,
    reset,
    severity_changed,
    snooze,
)

IST = ZoneInfo("Asia/Kolkata")
SEV1 = timedelta(minutes=30)
SEV2 = timedelta(minutes=60)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2022, 2, 17, hour, minute, second, tzinfo=IST)


def test_a_deadline_is_rounded_up_to_five_minutes_as_people_say_times() -> None:
    assert deadline_after(at(21, 47), SEV1) == at(22, 20)
    assert deadline_after(at(21, 50), SEV1) == at(22, 20)
    assert deadline_after(at(21, 41), SEV2) == at(22, 45)


def test_short_cadences_round_to_the_minute_or_not_at_all() -> None:
    assert deadline_after(at(21, 47, 10), timedelta(minutes=5)) == at(21, 53)
    assert deadline_after(at(21, 47, 10), timedelta(seconds=3)) == at(21, 47, 13)


def test_off_means_no_deadline() -> None:
    assert deadline_after(at(21, 47), None) is None
    assert reset(at(21, 41), None) == OFF
    assert next_reminder(OFF, at(23, 0), None) is None


def test_opening_makes_the_first_update_due_one_cadence_later() -> None:
    opened = reset(at(21, 41), SEV1)
    assert opened == Schedule(due=at(22, 15), since=at(21, 41), remind_at=at(22, 15), sent=0)


def test_a_status_change_resets_the_deadline_but_never_past_a_public_promise() -> None:
    assert reset(at(22, 6), SEV1).due == at(22, 40)
    assert reset(at(22, 6), SEV1, promised=at(22, 20)).due == at(22, 20)
    assert reset(at(22, 30), SEV1, promised=at(22, 20)).due == at(23, 0)  # a passed promise no longer holds it


def test_publishing_sets_the_deadline_to_exactly_what_the_update_promised() -> None:
    assert published(at(21, 47), SEV1, promise=at(22, 20)) == Schedule(
        due=at(22, 20), since=at(21, 47), remind_at=at(22, 20), sent=0
    )
    assert published(at(23, 41), SEV1, promise=None) == OFF  # a resolved update promises nothing


def test_no_update_needed_gives_one_more_cadence_from_now() -> None:
    assert no_update_needed(at(22, 21), SEV1).due == at(22, 55)


def test_a_severity_change_counts_the_new_cadence_from_the_last_reset() -> None:
    opened = reset(at(21, 41), SEV2)
    assert opened.due == at(22, 45)
    raised = severity_changed(opened, at(21, 50), SEV1)
    assert (raised.due, raised.since, raised.remind_at, raised.sent) == (at(22, 15), at(21, 41), at(22, 15), 0)
    assert severity_changed(opened, at(21, 50), None) == OFF
    assert severity_changed(OFF, at(21, 50), SEV1).due == at(22, 20)  # from off: counted from now


def test_a_severity_change_keeps_the_reminders_already_sent_when_the_deadline_stays() -> None:
    nudged = Schedule(due=at(22, 15), since=at(21, 41), remind_at=at(22, 45), sent=1)
    assert severity_changed(nudged, at(22, 20), SEV1) == nudged


def test_a_nudge_at_the_deadline_then_one_escalation_a_cadence_later_then_nothing() -> None:
    schedule = reset(at(21, 41), SEV1)
    assert next_reminder(schedule, at(22, 14, 59), SEV1) is None
    nudge = next_reminder(schedule, at(22, 15), SEV1)
    assert nudge is not None and (nudge.kind, nudge.due, nudge.late) == (ReminderKind.NUDGE, at(22, 15), timedelta(0))
    schedule = after_reminder(schedule, nudge, SEV1)
    assert (schedule.remind_at, schedule.sent) == (at(22, 45), 1)
    assert next_reminder(schedule, at(22, 44), SEV1) is None
    escalation = next_reminder(schedule, at(22, 45), SEV1)
    assert escalation is not None and escalation.kind is ReminderKind.ESCALATION
    schedule = after_reminder(schedule, escalation, SEV1)
    assert (schedule.remind_at, schedule.sent) == (None, 2)
    assert next_reminder(schedule, at(23, 59), SEV1) is None


def test_after_a_long_downtime_one_reminder_says_how_late_it_is() -> None:
    schedule = reset(at(21, 41), SEV1)
    reminder = next_reminder(schedule, at(23, 40), SEV1)
    assert reminder is not None
    assert (reminder.kind, reminder.late) == (ReminderKind.ESCALATION, timedelta(hours=1, minutes=25))
    assert next_reminder(after_reminder(schedule, reminder, SEV1), at(23, 40), SEV1) is None


def test_a_short_delay_still_nudges_first() -> None:
    reminder = next_reminder(reset(at(21, 41), SEV1), at(22, 25), SEV1)
    assert reminder is not None and (reminder.kind, reminder.late) == (ReminderKind.NUDGE, timedelta(minutes=10))


def test_a_snooze_moves_the_next_reminder_and_makes_it_a_nudge_again() -> None:
    nudged = Schedule(due=at(22, 20), since=at(21, 47), remind_at=at(22, 50), sent=1)
    snoozed = snooze(nudged, at(22, 21), timedelta(minutes=15))
    assert snoozed == Schedule(due=at(22, 20), since=at(21, 47), remind_at=at(22, 36), sent=0)
    reminder = next_reminder(snoozed, at(22, 36), SEV1)
    assert reminder is not None and reminder.kind is ReminderKind.NUDGE
    with pytest.raises(ValueError, match="no deadline"):
        snooze(OFF, at(22, 21), timedelta(minutes=15))


def test_a_promise_is_kept_or_late_by_how_long() -> None:
    kept = Promise(promised_by=at(22, 20), made_at=at(21, 47), settled_at=at(22, 20))
    late = Promise(promised_by=at(22, 20), made_at=at(21, 47), settled_at=at(22, 34))
    open_ = Promise(promised_by=at(22, 20), made_at=at(21, 47))
    assert (kept.kept, kept.late) == (True, timedelta(0))
    assert (late.kept, late.late) == (False, timedelta(minutes=14))
    assert (open_.kept, open_.late) == (False, None)


def test_the_promise_record_counts_kept_late_missed_and_pending() -> None:
    promises = [
        Promise(at(22, 20), at(21, 47), at(22, 34)),
        Promise(at(23, 5), at(22, 34), at(23, 0)),
        Promise(at(23, 30), at(23, 0)),
        Promise(at(23, 59), at(23, 35)),
    ]
    summary = record(promises, at(23, 39))
    assert (summary.promised, summary.kept, summary.kept_late) == (4, 1, (timedelta(minutes=14),))
    assert (summary.missed, summary.due) == ((at(23, 30),), (at(23, 59),))
    outcomes = [promise.outcome(at(23, 39)) for promise in promises]
    assert outcomes == [PromiseOutcome.KEPT_LATE, PromiseOutcome.KEPT, PromiseOutcome.MISSED, PromiseOutcome.DUE]


@given(
    minutes=st.integers(min_value=0, max_value=24 * 60),
    cadence=st.sampled_from([timedelta(seconds=3), timedelta(minutes=5), SEV1, SEV2, timedelta(hours=4)]),
)
def test_a_deadline_is_never_earlier_than_one_cadence_nor_a_step_later(minutes: int, cadence: timedelta) -> None:
    moment = at(0, 0) + timedelta(minutes=minutes, seconds=17)
    due = deadline_after(moment, cadence)
    assert due is not None
    assert moment + cadence <= due < moment + cadence + timedelta(minutes=5)
