"""What the public reads: one update per batch in the reader's language, the overall indicator."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.affects import ComponentImpact
from bot.domain.catalog import ComponentState
from bot.domain.incident import Status
from bot.domain.public import (
    Headline,
    ListedIncident,
    PublicImpact,
    PublishedUpdate,
    incident_impact,
    indicator,
    last_changed,
    overall,
    updates_for,
)
from bot.status_page.negotiate import choose_language

T0 = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def published(
    draft_id: int,
    batch_minutes: int,
    language: str,
    length: str,
    at_minutes: int,
    status: Status = Status.INVESTIGATING,
) -> PublishedUpdate:
    return PublishedUpdate(
        draft_id=draft_id,
        batch=T0 + timedelta(minutes=batch_minutes),
        status=status,
        language=language,
        length=length,
        text=f"{language} {length} {draft_id}",
        published_at=T0 + timedelta(minutes=at_minutes),
    )


def listed(*updates: PublishedUpdate, severity: int = 2) -> ListedIncident:
    return ListedIncident(
        key=1,
        public_title="",
        severity=severity,
        listed_at=T0,
        started_at=T0,
        resolved_at=None,
        lasted=None,
        updates=updates,
    )


def test_a_batch_is_one_update_shown_in_the_readers_language_long_before_short() -> None:
    incident = listed(
        published(1, 0, "en", "short", 1),
        published(2, 0, "en", "long", 2),
        published(4, 0, "fr", "long", 5),
        published(5, 10, "en", "short", 11, Status.IDENTIFIED),
    )
    french = updates_for(incident, "fr", ["en", "fr"])
    assert [(u.text, u.fallback) for u in french] == [("en short 5", True), ("fr long 4", False)]
    assert french[1].published_at == T0 + timedelta(minutes=1), "an update dates from its first publication"
    english = updates_for(incident, "en", ["en", "fr"])
    assert [u.text for u in english] == ["en short 5", "en long 2"]


def test_a_fallback_follows_the_configured_language_order() -> None:
    incident = listed(published(1, 0, "fr", "short", 1), published(2, 0, "en", "short", 2))
    assert updates_for(incident, "de", ["fr", "en"])[0].text == "fr short 1"
    assert updates_for(incident, "de", ["en", "fr"])[0].text == "en short 2"


def test_the_public_status_is_that_of_the_latest_published_update() -> None:
    incident = listed(published(1, 0, "en", "short", 1), published(2, 5, "en", "short", 6, Status.RESOLVED))
    assert incident.status is Status.RESOLVED and incident.updated_at == T0 + timedelta(minutes=6)
    assert last_changed([incident]) == T0 + timedelta(minutes=6)


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((), PublicImpact.NONE),
        ((4,), PublicImpact.MINOR),
        ((3, 2), PublicImpact.MAJOR),
        ((2, 1, 4), PublicImpact.CRITICAL),
    ],
)
def test_the_indicator_is_the_worst_impact_among_open_incidents(
    severities: tuple[int, ...], expected: PublicImpact
) -> None:
    incidents = [listed(published(1, 0, "en", "short", 1), severity=severity) for severity in severities]
    resolved = listed(published(1, 0, "en", "short", 1, Status.RESOLVED), severity=1)
    assert indicator([*incidents, resolved]) is expected


@pytest.mark.parametrize(
    ("asked", "header", "expected"),
    [
        ("fr", "en", "fr"),
        ("FR", None, "fr"),
        ("de", "fr-CA,en;q=0.5", "fr"),
        (None, "de-DE, en-GB;q=0.8, fr;q=0.9", "fr"),
        (None, "fr;q=0, en;q=0.1", "en"),
        (None, "de, *;q=0.1", "en"),
        (None, "", "en"),
        (None, "fr;q=abc, en", "en"),
        (None, ";;;,,q=,", "en"),
    ],
)
def test_the_readers_language_comes_from_lang_then_accept_language_then_the_first(
    asked: str | None, header: str | None, expected: str
) -> None:
    assert choose_language(asked, header, ("en", "fr")) == expected


# --- components: Statuspage's top-level status and incident impact -----------------------------

MAJOR, PARTIAL = ComponentState.MAJOR, ComponentState.PARTIAL
DEGRADED, UP = ComponentState.DEGRADED, ComponentState.OPERATIONAL
PUBLIC = frozenset({"home", "api", "search"})


@pytest.mark.parametrize(
    ("states", "headline", "indicator_value"),
    [
        ((UP, UP, UP), Headline.OPERATIONAL, "none"),
        ((MAJOR, MAJOR, MAJOR), Headline.MAJOR_SYSTEM, "critical"),
        ((MAJOR, UP, DEGRADED), Headline.PARTIAL_SYSTEM, "major"),
        ((PARTIAL, PARTIAL, PARTIAL), Headline.PARTIAL_SYSTEM, "major"),
        ((PARTIAL, DEGRADED, UP), Headline.MINOR_SERVICE, "minor"),
        ((DEGRADED, DEGRADED, DEGRADED), Headline.DEGRADED_SYSTEM, "minor"),
        ((DEGRADED, UP, UP), Headline.PARTIALLY_DEGRADED, "minor"),
        ((MAJOR,), Headline.MAJOR_SYSTEM, "critical"),
        ((PARTIAL,), Headline.PARTIAL_SYSTEM, "major"),
    ],
)
def test_the_top_level_status_comes_from_the_components_as_statuspage_derives_it(
    states: tuple[ComponentState, ...], headline: Headline, indicator_value: str
) -> None:
    assert overall(states, [], PUBLIC) is headline
    assert headline.indicator.value == indicator_value


def affecting(*impacts: ComponentImpact, severity: int = 4, resolved: bool = False) -> ListedIncident:
    status = Status.RESOLVED if resolved else Status.INVESTIGATING
    return replace(listed(published(1, 0, "en", "short", 1, status), severity=severity), impacts=impacts)


def test_an_open_incident_affecting_no_public_component_counts_by_its_severity_the_worse_wins() -> None:
    sev1_alone = affecting(severity=1)
    sev1_private_only = affecting(ComponentImpact("billing-db", MAJOR, T0), severity=1)
    assert overall((DEGRADED, UP, UP), [sev1_alone], PUBLIC) is Headline.MAJOR_SYSTEM
    assert overall((DEGRADED, UP, UP), [sev1_private_only], PUBLIC) is Headline.MAJOR_SYSTEM
    on_home = affecting(ComponentImpact("home", DEGRADED, T0), severity=1)
    assert overall((DEGRADED, UP, UP), [on_home], PUBLIC) is Headline.PARTIALLY_DEGRADED, "its components decide"
    assert overall((PARTIAL, UP, UP), [affecting(severity=4)], PUBLIC) is Headline.MINOR_SERVICE
    assert overall((UP, UP, UP), [affecting(severity=1, resolved=True)], PUBLIC) is Headline.OPERATIONAL


def test_an_incident_s_impact_is_the_worst_state_it_put_a_public_component_in_else_its_severity() -> None:
    later = T0 + timedelta(minutes=30)
    went_major = affecting(
        ComponentImpact("home", MAJOR, T0, later), ComponentImpact("home", DEGRADED, later), severity=4
    )
    assert incident_impact(went_major, PUBLIC) is PublicImpact.CRITICAL, "the worst it reached, not the state now"
    assert incident_impact(affecting(ComponentImpact("api", PARTIAL, T0), severity=1), PUBLIC) is PublicImpact.MAJOR
    assert incident_impact(affecting(ComponentImpact("api", DEGRADED, T0)), PUBLIC) is PublicImpact.MINOR
    private_only = affecting(ComponentImpact("billing-db", MAJOR, T0), severity=3)
    assert incident_impact(private_only, PUBLIC) is PublicImpact.MINOR, "a private component never counts"
    assert incident_impact(affecting(severity=2), PUBLIC) is PublicImpact.MAJOR
