"""The card's list of the catalog components an incident affects (pure rendering)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.affects import ComponentImpact
from bot.domain.catalog import ComponentState, read_catalog
from bot.domain.incident import Status, open_incident
from bot.render.affected import affected_lines
from bot.render.blocks import card
from bot.render.lines import line

IST = ZoneInfo("Asia/Kolkata")
START = datetime(2022, 2, 17, 21, 41, tzinfo=IST)
CATALOG = read_catalog(
    '[[component]]\nid = "home"\nname = { en = "Home page", fr = "Page d\'accueil" }\n'
    '[[component]]\nid = "api"\nname = "API <v2>"\n'
)
INCIDENT, _ = open_incident(
    number=7, title="Something went wrong", severity=1, actor="U0ALICE", started_at=START, now=START, zone=IST
)


def later(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_an_open_incident_lists_what_it_affects_now_the_worst_first() -> None:
    impacts = [
        ComponentImpact("api", ComponentState.PARTIAL, START, later(10)),
        ComponentImpact("api", ComponentState.DEGRADED, later(10)),
        ComponentImpact("home", ComponentState.MAJOR, later(5)),
    ]
    assert affected_lines(INCIDENT, impacts, CATALOG, IST, "en") == (
        "Affects",
        [
            ":red_circle: Home page: major outage since 21:46 IST",
            ":large_yellow_circle: API &lt;v2&gt;: degraded performance since 21:51 IST",
        ],
    )
    assert affected_lines(INCIDENT, impacts, CATALOG, IST, "fr")[1][0].startswith(":red_circle: Page d'accueil:")


def test_a_resolved_incident_says_what_it_affected_and_since_when_it_is_operational() -> None:
    resolved = replace(INCIDENT, status=Status.RESOLVED, resolved_at=later(118))
    impacts = [
        ComponentImpact("home", ComponentState.MAJOR, START, later(118), ended_by_resolution=True),
        ComponentImpact("gone", ComponentState.PARTIAL, START, later(118), ended_by_resolution=True),
    ]
    assert affected_lines(resolved, impacts, CATALOG, IST, "en") == (
        "Affected",
        [":large_green_circle: Home page, gone: operational since 23:39 IST"],
    )


def test_the_card_shows_the_components_only_when_there_are_some() -> None:
    shown = str(
        card(INCIDENT, {}, IST, impacts=[ComponentImpact("home", ComponentState.MAJOR, START)], catalog=CATALOG)
    )
    assert "*Affects*\\n:red_circle: Home page: major outage since 21:41 IST" in shown
    assert "Affect" not in str(card(INCIDENT, {}, IST))


def test_an_impact_that_began_on_another_day_than_it_was_opened_dates_every_time_its_start_included() -> None:
    """Declared at 01:00 from an alert firing since 23:00 the day before: `since 23:00 IST` read as
    if it were today's."""
    began = datetime(2022, 2, 17, 23, 0, tzinfo=IST)
    opened = datetime(2022, 2, 18, 1, 0, tzinfo=IST)
    incident, entry = open_incident(
        number=8, title="Checkout errors", severity=2, actor="U0ALICE", started_at=began, now=opened, zone=IST
    )
    impacts = [ComponentImpact("home", ComponentState.MAJOR, began)]
    shown = str(card(incident, {}, IST, impacts=impacts, catalog=CATALOG))
    assert "Investigating since 2022-02-17 23:00 IST" in shown
    assert "Home page: major outage since 2022-02-17 23:00 IST" in shown
    assert " at 2022-02-18 01:00 IST" in shown  # opened by
    assert line(entry, incident, {"U0ALICE": "alice"}, IST).startswith("`2022-02-17 23:00 IST`")
    same_day = str(card(INCIDENT, {}, IST, impacts=[ComponentImpact("home", ComponentState.MAJOR, later(5))]))
    assert "Investigating since 21:41 IST" in same_day and "major outage since 21:46 IST" in same_day
