"""Bad input through the service: the person is told exactly why and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from freezegun import freeze_time

from bot.domain.incident import Attack, Status
from bot.errors import BadTime, NotFound, RuleRefused, UsageError, UserError
from bot.lookup import Where
from bot.service import IncidentService

INC_1 = Where(team_id="T1", number=1)
NOW = "2022-02-17 23:00:00+05:30"  # the incident below started at 21:41 IST


@pytest.fixture
def opened(service: IncidentService) -> IncidentService:
    with freeze_time("2022-02-17 21:41:00+05:30"):
        service.open(team_id="T1", actor="U1", title="Something went wrong", severity=1)
    return service


BAD_AT = [
    ("21h41", "'21h41' is not a time I can read. Use HH:MM"),
    ("25:99", "25:99 is not a time of day"),
    ("2022-02-30 21:00", "2022-02-30 is not a date: February 2022 has 28 days"),
    ("21:41 Asia/Kolkatta", "Unknown time zone 'Asia/Kolkatta'"),
    ("23:30", "23:30 has not happened yet today (2022-02-17); did you mean yesterday, 2022-02-16 23:30"),
    ("10:30", "10:30 today (2022-02-17) was 12h 30m ago, more than 12 hours: write the date"),
    ("2022-02-18 10:00", "is in the future"),
    ("2022-02-17T23:30:00+05:30", "is in the future"),
    ("21:00", "is before INC-1 started (21:41 IST)"),
    ("2022-02-16 22:00", "is before INC-1 started"),
    ("3h ago", "is before INC-1 started"),
    ("yesterday", "'yesterday' is not a time I can read"),
]


@pytest.mark.parametrize(("at", "message"), BAD_AT)
def test_a_bad_at_on_a_note_is_refused_with_its_reason_and_nothing_is_written(
    opened: IncidentService, unchanged: Any, at: str, message: str
) -> None:
    with freeze_time(NOW), unchanged(opened.db), pytest.raises(BadTime) as refusal:
        opened.note(INC_1, actor="U1", text="restarted the cache", at=at)
    assert message in refusal.value.message


@pytest.mark.parametrize(("at", "message"), BAD_AT[:8])
def test_a_bad_at_on_open_is_refused_and_no_number_is_used(
    service: IncidentService, unchanged: Any, at: str, message: str
) -> None:
    with freeze_time(NOW), unchanged(service.db), pytest.raises(BadTime) as refusal:
        service.open(team_id="T1", actor="U1", title="Down", at=at)
    assert message in refusal.value.message
    with freeze_time(NOW):
        assert service.open(team_id="T1", actor="U1", title="Down").incident.number == 1


def test_a_status_change_backdated_before_the_current_status_is_refused(
    opened: IncidentService, unchanged: Any
) -> None:
    with freeze_time("2022-02-17 22:06:00+05:30"):
        opened.set_status(INC_1, actor="U1", status=Status.IDENTIFIED)
    with freeze_time(NOW), unchanged(opened.db), pytest.raises(BadTime, match="identified since 22:06 IST"):
        opened.set_status(INC_1, actor="U1", status=Status.MONITORING, at="22:00")


REFUSALS: list[tuple[str, Callable[[IncidentService], object], type[UserError], str]] = [
    (
        "same status",
        lambda s: s.set_status(INC_1, actor="U1", status=Status.INVESTIGATING),
        RuleRefused,
        "INC-1 is already investigating",
    ),
    ("unknown incident", lambda s: s.note(Where("T1", number=99), actor="U1", text="x"), NotFound, "no INC-99"),
    (
        "other workspace",
        lambda s: s.note(Where("T2", number=1), actor="U1", text="x"),
        NotFound,
        "There is no INC-1 in this workspace",
    ),
    (
        "not an incident channel",
        lambda s: s.note(Where("T1", channel_id="C0GENERAL"), actor="U1", text="x"),
        NotFound,
        "not an incident channel",
    ),
    ("empty note", lambda s: s.note(INC_1, actor="U1", text="  "), UsageError, "The note is empty"),
    ("long note", lambda s: s.note(INC_1, actor="U1", text="n" * 3001), UsageError, "the limit is 3000"),
    ("long title", lambda s: s.open(team_id="T1", actor="U1", title="t" * 151), UsageError, "the limit is 150"),
    ("empty title", lambda s: s.open(team_id="T1", actor="U1", title=""), UsageError, "The title is empty"),
    ("bad severity", lambda s: s.set_severity(INC_1, actor="U1", severity=5), UsageError, "Severity must be"),
    ("same severity", lambda s: s.set_severity(INC_1, actor="U1", severity=1), RuleRefused, "already sev1"),
    ("same lead", lambda s: s.set_lead(INC_1, actor="U1", lead="U1"), RuleRefused, "already the lead"),
    (
        "back to not assessed",
        lambda s: s.set_attack(INC_1, actor="U1", attack=Attack.NOT_ASSESSED),
        RuleRefused,
        "never taken back",
    ),
    ("reopen open", lambda s: s.reopen(INC_1, actor="U1"), RuleRefused, "INC-1 is not resolved"),
    ("empty impact", lambda s: s.set_impact(INC_1, actor="U1", text=" "), UsageError, "impact text is empty"),
    (
        "empty public title",
        lambda s: s.set_public_title(INC_1, actor="U1", text=" "),
        UsageError,
        "public title is empty",
    ),
    (
        "public title of emoji only",
        lambda s: s.set_public_title(INC_1, actor="U1", text=":fire: :boom:"),
        UsageError,
        "public title is empty",
    ),
    (
        "long public title",
        lambda s: s.set_public_title(INC_1, actor="U1", text="p" * 151),
        UsageError,
        "the limit is 150",
    ),
    (
        "public title on an unknown incident",
        lambda s: s.set_public_title(Where("T1", number=9), actor="U1", text="Errors"),
        NotFound,
        "There is no INC-9",
    ),
]


@pytest.mark.parametrize(("case", "action", "error", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_each_refusal_says_why_and_writes_nothing(
    opened: IncidentService,
    unchanged: Any,
    case: str,
    action: Callable[[IncidentService], object],
    error: type[UserError],
    message: str,
) -> None:
    with freeze_time(NOW), unchanged(opened.db), pytest.raises(error) as refusal:
        action(opened)
    assert message in refusal.value.message


def test_the_same_public_title_again_is_refused_and_writes_nothing(opened: IncidentService, unchanged: Any) -> None:
    with freeze_time(NOW):
        opened.set_public_title(INC_1, actor="U1", text="Home page errors")
    with freeze_time(NOW), unchanged(opened.db), pytest.raises(RuleRefused, match="already has that public title"):
        opened.set_public_title(INC_1, actor="U2", text="Home   page errors")


def test_closing_twice_refuses_the_second_and_keeps_the_first_resolution(
    opened: IncidentService, unchanged: Any
) -> None:
    with freeze_time(NOW):
        opened.close(INC_1, actor="U1")
    with (
        freeze_time("2022-02-17 23:05:00+05:30"),
        unchanged(opened.db),
        pytest.raises(RuleRefused, match="already resolved"),
    ):
        opened.close(INC_1, actor="U2")
