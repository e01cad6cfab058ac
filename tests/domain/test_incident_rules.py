"""The incident lifecycle rules (docs/behaviour.md, The slash command), on plain datetimes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import incident as rules
from bot.domain.impacts import set_impact
from bot.domain.incident import Attack, EntryKind, Incident, Status
from bot.errors import BadTime, RuleRefused, UsageError

UTC_ZONE = ZoneInfo("UTC")
START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
INV, IDE, MON, RES = Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED

# (from, to) -> allowed without a message?, allowed with a message?
TABLE = {
    (INV, INV): (False, True),
    (INV, IDE): (True, True),
    (INV, MON): (True, True),
    (INV, RES): (True, True),
    (IDE, INV): (True, True),
    (IDE, IDE): (False, True),
    (IDE, MON): (True, True),
    (IDE, RES): (True, True),
    (MON, INV): (True, True),
    (MON, IDE): (True, True),
    (MON, MON): (False, True),
    (MON, RES): (True, True),
    (RES, INV): (False, False),
    (RES, IDE): (False, False),
    (RES, MON): (False, False),
    (RES, RES): (False, False),
}


def incident_in(status: Status, *, since: datetime = START) -> Incident:
    opened, _ = rules.open_incident(
        number=7, title="Checkout fails", severity=2, actor="U1", started_at=START, now=START, zone=UTC_ZONE
    )
    return replace(opened, status=status, status_since=since, resolved_at=since if status is RES else None)


def test_the_table_covers_every_pair_of_statuses() -> None:
    assert set(TABLE) == {(a, b) for a in Status for b in Status}


@pytest.mark.parametrize(("current", "to"), sorted(TABLE, key=str))
@pytest.mark.parametrize("message", ["", "db failover started"])
def test_every_transition_follows_the_table(current: Status, to: Status, message: str) -> None:
    allowed = TABLE[(current, to)][1 if message else 0]
    incident = incident_in(current)
    later = START + timedelta(minutes=5)
    if allowed:
        changed, entry = rules.change_status(
            incident, to=to, actor="U2", at=later, now=later, zone=UTC_ZONE, message=message
        )
        assert changed.status is to
        assert (entry.status_from, entry.status_to, entry.text) == (current, to, message)
        assert changed.status_since == (later if to is not current else START)
    else:
        with pytest.raises(RuleRefused):
            rules.change_status(incident, to=to, actor="U2", at=later, now=later, zone=UTC_ZONE, message=message)


def test_the_same_status_without_a_message_is_refused_saying_so() -> None:
    with pytest.raises(RuleRefused, match=r"^INC-7 is already monitoring"):
        rules.change_status(incident_in(MON), to=MON, actor="U2", at=START, now=START, zone=UTC_ZONE)


def test_a_resolved_incident_points_to_reopen() -> None:
    with pytest.raises(RuleRefused, match="reopen INC-7"):
        rules.change_status(incident_in(RES), to=IDE, actor="U2", at=START, now=START, zone=UTC_ZONE)


def test_resolving_twice_says_it_is_already_resolved() -> None:
    with pytest.raises(RuleRefused, match=r"^INC-7 is already resolved\.$"):
        rules.change_status(incident_in(RES), to=RES, actor="U2", at=START, now=START, zone=UTC_ZONE)


def test_reopen_goes_back_to_investigating_and_keeps_the_resolution_on_record() -> None:
    later = START + timedelta(hours=2)
    changed, entry = rules.reopen(incident_in(RES), actor="U2", now=later, reason="errors are back")
    assert (changed.status, changed.status_since, changed.resolved_at) == (INV, later, None)
    assert (entry.kind, entry.status_from, entry.status_to, entry.text) == (
        EntryKind.REOPENED,
        RES,
        INV,
        "errors are back",
    )


def test_reopening_an_open_incident_is_refused() -> None:
    with pytest.raises(RuleRefused, match=r"INC-7 is not resolved \(it is identified\)"):
        rules.reopen(incident_in(IDE), actor="U2", now=START)


def test_a_status_change_cannot_be_dated_before_the_current_status_began() -> None:
    since = START + timedelta(hours=1)
    with pytest.raises(BadTime, match="has been monitoring since"):
        rules.change_status(
            incident_in(MON, since=since), to=RES, actor="U2", at=since - timedelta(minutes=1), now=since, zone=UTC_ZONE
        )


def test_an_event_in_the_future_is_refused() -> None:
    with pytest.raises(BadTime, match="is in the future"):
        rules.add_note(
            incident_in(INV), text="x", actor="U2", at=START + timedelta(minutes=1), now=START, zone=UTC_ZONE
        )


def test_an_event_before_the_incident_started_is_refused() -> None:
    with pytest.raises(BadTime, match=r"^16:10 UTC is before INC-7 started \(16:11 UTC\)\.$"):
        rules.add_note(
            incident_in(INV), text="x", actor="U2", at=START - timedelta(minutes=1), now=START, zone=UTC_ZONE
        )


@pytest.mark.parametrize(
    ("title", "message"),
    [("", "The title is empty."), ("   ", "The title is empty."), ("x" * 151, "151 characters long; the limit is 150")],
)
def test_bad_titles_are_refused(title: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        rules.clean_title(title)


def test_a_title_of_exactly_150_characters_is_kept_whole() -> None:
    assert rules.clean_title("x" * 150) == "x" * 150


def test_a_note_over_3000_characters_is_refused() -> None:
    with pytest.raises(UsageError, match="3001 characters long; the limit is 3000"):
        rules.clean_note("n" * 3001)


@pytest.mark.parametrize("severity", [0, 5, -1])
def test_severities_outside_1_to_4_are_refused(severity: int) -> None:
    with pytest.raises(UsageError, match="Severity must be 1, 2, 3 or 4"):
        rules.check_severity(severity)


def test_setting_the_same_severity_lead_attack_or_impact_again_is_refused() -> None:
    incident = replace(incident_in(INV), impact="Checkout fails for everyone", attack=Attack.NO_EVIDENCE)
    with pytest.raises(RuleRefused, match="already sev2"):
        rules.set_severity(incident, severity=2, actor="U2", now=START)
    with pytest.raises(RuleRefused, match="already the lead"):
        rules.set_lead(incident, lead="U1", actor="U2", now=START)
    with pytest.raises(RuleRefused, match="already assessed as no-evidence"):
        rules.set_attack(incident, attack=Attack.NO_EVIDENCE, actor="U2", now=START)
    with pytest.raises(RuleRefused, match="already has that impact"):
        set_impact(
            incident, text="Checkout  fails for everyone", language=None, default_language="en", actor="U2", now=START
        )


def test_an_incident_starts_not_assessed_and_its_first_assessment_is_on_the_timeline() -> None:
    incident = incident_in(INV)
    assert incident.attack is Attack.NOT_ASSESSED
    later = START + timedelta(minutes=4)
    assessed, entry = rules.set_attack(incident, attack=Attack.NOT_RELEVANT, actor="U2", now=later, first=True)
    assert assessed.attack is Attack.NOT_RELEVANT
    assert (entry.kind, entry.actor, entry.at, entry.text) == (
        EntryKind.ATTACK,
        "U2",
        later,
        "not-assessed -> not-relevant",
    )


def test_a_prompt_answers_only_while_nobody_assessed_and_nothing_goes_back_to_not_assessed() -> None:
    assessed = replace(incident_in(INV), attack=Attack.SUSPECTED)
    with pytest.raises(RuleRefused, match="already assessed as suspected, so nothing changed"):
        rules.set_attack(assessed, attack=Attack.NO_EVIDENCE, actor="U2", now=START, first=True)
    with pytest.raises(RuleRefused, match="already assessed as suspected, so nothing changed"):
        rules.set_attack(assessed, attack=Attack.SUSPECTED, actor="U2", now=START, first=True)
    for incident in (assessed, incident_in(INV)):
        with pytest.raises(RuleRefused, match="never taken back"):
            rules.set_attack(incident, attack=Attack.NOT_ASSESSED, actor="U2", now=START)
    changed, _ = rules.set_attack(assessed, attack=Attack.NO_EVIDENCE, actor="U2", now=START)
    assert changed.attack is Attack.NO_EVIDENCE, "/incident attack changes an assessment"


def test_a_copied_message_keeps_its_author_text_and_original_time() -> None:
    posted = START + timedelta(minutes=3)
    entry = rules.add_message(
        incident_in(IDE),
        text="rolled back the deploy",
        author="U9",
        posted_at=posted,
        now=posted + timedelta(hours=1),
        source="C1/1.0",
    )
    assert (entry.actor, entry.text, entry.at, entry.kind) == (
        "U9",
        "rolled back the deploy",
        posted,
        EntryKind.MESSAGE,
    )


def test_naive_datetimes_are_a_programming_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.add_note(incident_in(INV), text="x", actor="U2", at=datetime(2022, 2, 17), now=START, zone=UTC_ZONE)


@pytest.mark.parametrize(("word", "number"), [("INC-7", 7), ("inc-42", 42), ("Inc-1", 1), ("INC7", None), ("7", None)])
def test_incident_names_are_read_case_insensitively(word: str, number: int | None) -> None:
    assert rules.parse_name(word) == number


def test_limits_count_what_the_reader_sees_not_the_markup_around_it() -> None:
    dashboard = f"<https://grafana.example.com/d/{'a' * 130}|dashboard>"
    assert rules.clean_title(f"Checkout: see {dashboard}") == f"Checkout: see {dashboard}"  # 23 seen, 186 written
    mentions = " ".join(["<@U0BOB|bob>"] * 12)
    assert rules.clean_title(mentions) == mentions  # 59 seen, 155 written
    rules.clean_note(" ".join(["<@U0BOB|bob>"] * 400))  # 1,999 seen, 5,199 written


def test_a_title_that_reads_longer_than_150_is_refused_with_what_is_seen_counted() -> None:
    with pytest.raises(UsageError, match="The title is 151 characters long; the limit is 150"):
        rules.clean_title("x" * 146 + " <https://example.com|link>")  # 146 + 1 + 4 seen


def test_text_that_is_mostly_markup_is_refused_plainly() -> None:
    with pytest.raises(UsageError, match="holds too much markup"):
        rules.clean_title(" ".join(["<https://example.com/" + "a" * 300 + "|x>"] * 11))
