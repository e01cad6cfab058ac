"""Which components an incident affects (bot.domain.affects): the rules, pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.affects import (
    ComponentChange,
    ComponentImpact,
    affect,
    at_open,
    at_reopening,
    at_resolution,
    current,
    from_alert,
    read_changes,
)
from bot.domain.catalog import ComponentState, read_catalog
from bot.domain.incident import EntryKind, Status, open_incident
from bot.errors import BadTime, RuleRefused

KOLKATA = ZoneInfo("Asia/Kolkata")
START = datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA)
CATALOG = read_catalog(
    '[[component]]\nid = "home"\nname = { en = "Home page", fr = "Page d\'accueil" }\n'
    '[[component]]\nid = "api"\nname = "Public API"\n'
)
HOME, API = CATALOG.components
INCIDENT, _ = open_incident(
    number=7, title="Something went wrong", severity=1, actor="U0ALICE", started_at=START, now=START, zone=KOLKATA
)
MAJOR, PARTIAL, OPERATIONAL = ComponentState.MAJOR, ComponentState.PARTIAL, ComponentState.OPERATIONAL


def minutes(count: int) -> datetime:
    return START + timedelta(minutes=count)


def test_affecting_a_component_records_its_name_and_both_states() -> None:
    entry = affect(INCIDENT, [], HOME, MAJOR, language="en", actor="U0ALICE", at=START, now=minutes(9), zone=KOLKATA)
    assert (entry.kind, entry.at, entry.recorded_at) == (EntryKind.COMPONENTS, START, minutes(9))
    assert read_changes(entry) == [ComponentChange("home", "Home page", OPERATIONAL, MAJOR)]


def test_the_name_is_the_first_language_s_as_the_catalog_says_it_then() -> None:
    entry = affect(INCIDENT, [], HOME, MAJOR, language="fr", actor="U0ALICE", at=START, now=START, zone=KOLKATA)
    assert read_changes(entry)[0].name == "Page d'accueil"


def test_a_state_changed_again_says_what_it_was() -> None:
    holding = [ComponentImpact("home", MAJOR, START)]
    entry = affect(
        INCIDENT, holding, HOME, PARTIAL, language="en", actor="U0ALICE", at=minutes(30), now=minutes(30), zone=KOLKATA
    )
    assert read_changes(entry) == [ComponentChange("home", "Home page", MAJOR, PARTIAL)]


@pytest.mark.parametrize(
    ("impacts", "state", "refusal"),
    [
        ([ComponentImpact("home", MAJOR, START)], MAJOR, r"INC-7 already affects Home page: major outage\."),
        ([], OPERATIONAL, r"INC-7 does not affect Home page: there is nothing to set back to operational\."),
        (
            [ComponentImpact("home", MAJOR, START, minutes(20))],
            OPERATIONAL,
            r"INC-7 does not affect Home page",
        ),
    ],
)
def test_a_change_that_changes_nothing_is_refused(
    impacts: list[ComponentImpact], state: ComponentState, refusal: str
) -> None:
    with pytest.raises(RuleRefused, match=refusal):
        affect(
            INCIDENT,
            impacts,
            HOME,
            state,
            language="en",
            actor="U0ALICE",
            at=minutes(30),
            now=minutes(30),
            zone=KOLKATA,
        )


def test_a_resolved_incident_affects_nothing_until_it_is_reopened() -> None:
    resolved = replace(INCIDENT, status=Status.RESOLVED, resolved_at=minutes(60))
    with pytest.raises(RuleRefused, match=r"INC-7 is resolved.*`/incident reopen INC-7`"):
        affect(resolved, [], HOME, MAJOR, language="en", actor="U0ALICE", at=minutes(61), now=minutes(61), zone=KOLKATA)


@pytest.mark.parametrize(
    ("at", "refusal"),
    [
        (minutes(-5), r"21:36 IST is before INC-7 started \(21:41 IST\)"),
        (minutes(90), r"23:11 IST is in the future"),
        (minutes(10), r"Home page last changed at 22:01 IST on INC-7; a change cannot be dated before that\."),
    ],
)
def test_a_change_dated_before_the_incident_the_last_change_or_in_the_future_is_refused(
    at: datetime, refusal: str
) -> None:
    impacts = [ComponentImpact("home", MAJOR, START, minutes(20)), ComponentImpact("home", PARTIAL, minutes(20))]
    with pytest.raises(BadTime, match=refusal):
        affect(INCIDENT, impacts, HOME, MAJOR, language="en", actor="U0ALICE", at=at, now=minutes(30), zone=KOLKATA)


def test_the_components_chosen_at_open_start_with_the_incident_and_unknown_ids_are_left_out() -> None:
    entry = at_open(
        CATALOG, {"api": PARTIAL, "gone": MAJOR, "home": OPERATIONAL}, language="en", actor="U0ALICE", at=START,
        now=minutes(5),
    )  # fmt: skip
    assert entry is not None and entry.at == START
    assert read_changes(entry) == [ComponentChange("api", "Public API", OPERATIONAL, PARTIAL)]
    assert at_open(CATALOG, {}, language="en", actor="U0ALICE", at=START, now=START) is None


def test_resolving_returns_every_component_still_affected_to_operational_at_the_resolved_time() -> None:
    impacts = [
        ComponentImpact("home", MAJOR, START, minutes(20)),
        ComponentImpact("home", PARTIAL, minutes(20)),
        ComponentImpact("api", MAJOR, minutes(5), minutes(15)),
        ComponentImpact("removed", MAJOR, minutes(1)),
    ]
    entry = at_resolution(
        INCIDENT, impacts, CATALOG, language="en", actor="U0BOB", at=minutes(118), now=minutes(125), zone=KOLKATA
    )
    assert entry is not None and (entry.at, entry.actor) == (minutes(118), "U0BOB")
    assert read_changes(entry) == [
        ComponentChange("removed", "removed", MAJOR, OPERATIONAL),  # gone from the catalog: named by its id
        ComponentChange("home", "Home page", PARTIAL, OPERATIONAL),
    ]
    assert at_resolution(INCIDENT, [], CATALOG, language="en", actor="U0BOB", at=START, now=START, zone=KOLKATA) is None


def test_a_resolution_dated_before_a_component_s_state_began_is_refused() -> None:
    impacts = [ComponentImpact("home", MAJOR, minutes(30))]
    with pytest.raises(BadTime, match=r"Home page has been major outage since 22:11 IST on INC-7; .* before that\."):
        at_resolution(
            INCIDENT, impacts, CATALOG, language="en", actor="U0BOB", at=minutes(20), now=minutes(40), zone=KOLKATA
        )


def test_reopening_brings_back_what_the_resolution_ended_and_nothing_else() -> None:
    resolved_at = minutes(60)
    impacts = [
        ComponentImpact("home", MAJOR, START, resolved_at, ended_by_resolution=True),
        ComponentImpact("api", PARTIAL, START, minutes(30)),  # set back to operational by hand before
        ComponentImpact("api", MAJOR, minutes(10), minutes(20), ended_by_resolution=True),  # an earlier resolution's
    ]
    entry = at_reopening(impacts, CATALOG, resolved_at=resolved_at, language="en", actor="U0BOB", now=minutes(90))
    assert entry is not None and entry.at == minutes(90)
    assert read_changes(entry) == [ComponentChange("home", "Home page", OPERATIONAL, MAJOR)]
    nothing = at_reopening(
        impacts[1:2], CATALOG, resolved_at=resolved_at, language="en", actor="U0BOB", now=minutes(90)
    )
    assert nothing is None


def test_what_holds_is_the_impact_not_ended_yet() -> None:
    ended, holding = ComponentImpact("home", MAJOR, START, minutes(5)), ComponentImpact("home", PARTIAL, minutes(5))
    assert current([ended, holding]) == {"home": holding}


def test_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="naive"):
        ComponentImpact("home", MAJOR, datetime(2022, 2, 17, 16, 11))
    assert ComponentImpact("home", MAJOR, START).started_at.tzinfo is UTC


def test_an_alert_s_labels_choose_the_components_partial_by_default_major_for_sev1() -> None:
    catalog = read_catalog(
        '[[component]]\nid = "home"\nname = "Home page"\nalerts = [\'service="web"\']\n'
        '[[component]]\nid = "web-edge"\nname = "Edge"\nalerts = [\'service=~"web|cdn"\', \'env!="staging"\']\n'
        '[[component]]\nid = "api"\nname = "API"\n'
    )
    labels = {"service": "web", "env": "production"}
    assert from_alert(catalog, labels, severity=2) == {"home": PARTIAL, "web-edge": PARTIAL}
    assert from_alert(catalog, labels, severity=1) == {"home": MAJOR, "web-edge": MAJOR}
    assert from_alert(catalog, {"service": "web", "env": "staging"}, severity=3) == {"home": PARTIAL}
    assert from_alert(catalog, {"service": "db"}, severity=1) == {}
