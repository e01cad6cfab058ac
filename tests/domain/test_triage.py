"""Triage rules: the values its buttons carry, who may still decide, and the source as an actor."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.alerts import ACTOR_MAX, Source, StoredGroup, Triage, is_source, source_actor
from bot.domain.triage import AlertEvent, AlertNews, alert_news_entry, check_undecided, names_of, read_alert_news
from bot.errors import RuleRefused
from bot.render.actions import read_triage_value, triage_value
from tests.conftest import KOLKATA

SEEN = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
GROUP = StoredGroup(
    id=12, source=Source.ALERTMANAGER, sender="prod", team_id="T1", group_key="k", summary="s", title="s",
    severity=2, rule=None, group_labels={}, common_labels={}, common_annotations={}, external_url="",
    truncated=0, first_seen_at=SEEN, last_seen_at=SEEN, changed_at=SEEN, triage=Triage.OPEN, triage_version=3,
    decided_by=None, decided_at=None, incident_id=None, message_ts=None, declare_at=None,
)  # fmt: skip


@given(st.integers(0, 10**17), st.integers(0, 10**17), st.none() | st.integers(0, 10**17))
def test_a_triage_value_reads_back_as_written(group_id: int, version: int, number: int | None) -> None:
    assert read_triage_value(triage_value(group_id, version, number)) == (group_id, version, number)


@pytest.mark.parametrize("forged", ["", "12", "12:", ":3", "12:3:4:5", "a:b", "12:-3", "١٢:3", None, 12, "9" * 70])
def test_a_forged_or_damaged_value_reads_as_nothing(forged: object) -> None:
    assert read_triage_value(forged) is None


def test_a_decision_on_the_message_as_it_is_goes_through() -> None:
    check_undecided(GROUP, 3, None, {}, KOLKATA)


def test_a_decision_on_a_decided_group_says_what_was_decided() -> None:
    decided = replace(GROUP, triage=Triage.DISMISSED, triage_version=4, decided_by="U1", decided_at=SEEN)
    with pytest.raises(RuleRefused, match="Nothing changed: these alerts were already dismissed by alice at 21:41 IST"):
        check_undecided(decided, 3, None, {"U1": "alice"}, KOLKATA)
    with pytest.raises(RuleRefused, match="out of date"):
        check_undecided(replace(GROUP, triage_version=5), 3, None, {}, KOLKATA)


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40))
def test_a_source_stands_as_an_actor_that_is_never_a_person_and_fits_its_column(sender: str) -> None:
    actor = source_actor(sender)
    assert is_source(actor) and len(actor) <= ACTOR_MAX
    assert not is_source("U0ALICE") and not is_source(None)


def test_long_source_names_stay_apart() -> None:
    assert source_actor("a" * 30 + "-eu") != source_actor("a" * 30 + "-us")


def test_names_are_said_once_each_and_counted_past_three() -> None:
    assert names_of(["A"]) == "A"
    assert names_of(["A", "B", "A"]) == "A and B"
    assert names_of(["A", "B", "C"]) == "A, B and C"
    assert names_of(["A", "B", "C", "D", "E"]) == "A, B, C and 2 more"


def test_news_reads_back_from_its_entry() -> None:
    news = AlertNews(AlertEvent.FIRED_AGAIN, "HighErrorRate", 1, 2, 1, "prod", "http://p/graph")
    entry = alert_news_entry(news, actor="alerts:prod", at=SEEN, now=SEEN)
    assert read_alert_news(entry) == news and news.total == 3
