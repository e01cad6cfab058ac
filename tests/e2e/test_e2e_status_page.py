"""The public status page and feeds over HTTP, built only from what a person published (both backends)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import feedparser
import pytest
from e2e_stack import KOLKATA, Stack
from status_site import fetch, publish, unfollowed

from bot.sandbox import ManualClock

INTERNAL = ("db-7 primary is down", "ACME Corp", "alice", "bob", "INC-1", "roll back")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))


@pytest.fixture
def story(make_stack: Callable[..., Stack], clock: ManualClock) -> tuple[Stack, str]:
    """INC-1 opened at 21:41 IST with an internal title and note; nothing published yet."""
    stack = make_stack(clock=clock)
    stack.user("alice").slash("open sev1 db-7 primary is down")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("bob").slash("note ACME Corp escalated; roll back candidate", channel=channel)
    stack.user("alice").slash("impact Users see 'Something went wrong' on the home page", channel=channel)
    clock.set(datetime(2022, 2, 17, 21, 47, tzinfo=KOLKATA))
    stack.user("alice").slash("draft", channel=channel)
    stack.settle()
    return stack, channel


def test_before_anything_is_published_the_page_says_all_is_well_and_shows_nothing_internal(
    story: tuple[Stack, str],
) -> None:
    stack, _ = story
    page = fetch(stack.url, "/status")
    assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "All systems operational" in page.text
    assert "No incidents in the last 90 days." in page.text
    for secret in (*INTERNAL, "Something went wrong"):  # drafts are not published updates
        assert secret not in page.text
    summary = json.loads(fetch(stack.url, "/api/v2/summary.json").body)
    assert summary["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert summary["incidents"] == [] and summary["components"] == []


def test_a_published_update_shows_in_its_language_with_a_neutral_name_and_local_and_utc_times(
    story: tuple[Stack, str],
) -> None:
    stack, channel = story
    words = publish(stack, channel, "English · short")
    english = fetch(stack.url, "/status?lang=en").text
    assert "Major outage" in english and "Current incidents" in english
    assert "Service disruption" in english and "Investigating" in english
    assert words.replace("'", "&#39;") in english
    assert '<time datetime="2022-02-17T16:17:00Z">2022-02-17 21:47 IST</time>' in english
    french = fetch(stack.url, "/status", Accept_Language="fr-CH, fr;q=0.9, en;q=0.8").text
    assert '<html lang="fr">' in french
    assert "Perturbation du service" in french and "Panne majeure" in french
    assert "Publié en anglais." in french, "an update only published in English says so"
    for text in (english, french):
        for secret in INTERNAL:
            assert secret not in text


def test_the_public_title_names_the_incident_everywhere_and_the_timeline_records_it(
    story: tuple[Stack, str],
) -> None:
    stack, channel = story
    publish(stack, channel, "English · short")
    answer = stack.user("bob").slash("public-title Home page errors", channel=channel)
    assert "Home page errors" in answer.json["text"]
    stack.settle()
    assert "Home page errors" in fetch(stack.url, "/status").text
    assert "Service disruption" not in fetch(stack.url, "/status").text
    (incident,) = json.loads(fetch(stack.url, "/api/v2/incidents.json").body)["incidents"]
    assert incident["name"] == "Home page errors"
    atom = feedparser.parse(fetch(stack.url, "/status/history.atom").body)
    assert atom.entries[0].title == "Home page errors: Investigating"
    lines = [m.text for m in stack.emulator.messages(channel)]
    assert any("set the public title (status page and feeds): Home page errors" in line for line in lines)


def test_a_resolved_incident_moves_to_the_past_with_its_duration_in_words(
    story: tuple[Stack, str], clock: ManualClock
) -> None:
    stack, channel = story
    publish(stack, channel, "English · short")
    clock.set(datetime(2022, 2, 17, 23, 39, tzinfo=KOLKATA))
    stack.user("alice").slash("close The home page works again", channel=channel)
    clock.set(datetime(2022, 2, 17, 23, 41, tzinfo=KOLKATA))
    stack.user("alice").slash("draft", channel=channel)
    stack.settle()
    publish(stack, channel, "English · long")
    publish(stack, channel, "Français · long")
    english = fetch(stack.url, "/status").text
    assert "All systems operational" in english and "Current incidents" not in english
    assert "Disrupted for almost two hours." in english
    assert 'Resolved <time datetime="2022-02-17T18:11:00Z">2022-02-17 23:41 IST</time>.' in english
    french = fetch(stack.url, "/status?lang=fr").text
    assert "Perturbé pendant près de deux heures." in french
    assert french.index("Résolu") < french.index("Analyse en cours"), "newest update first"
    assert json.loads(fetch(stack.url, "/api/v2/incidents/unresolved.json").body)["incidents"] == []
    (incident,) = json.loads(fetch(stack.url, "/api/v2/incidents.json").body)["incidents"]
    assert (incident["status"], incident["impact"]) == ("resolved", "critical")
    assert incident["resolved_at"] == "2022-02-17T18:11:00.000Z"
    assert [u["status"] for u in incident["incident_updates"]] == ["resolved", "investigating"]


def test_last_modified_moves_forward_when_the_page_changes_without_a_new_update(
    story: tuple[Stack, str], clock: ManualClock
) -> None:
    """A new public title, then the incident made private: each changes what readers see, so a
    reader who sends only If-Modified-Since gets the new page, never a 304 for the old one."""
    stack, channel = story
    publish(stack, channel, "English · short")  # 21:47 IST = 16:17 UTC
    first = fetch(stack.url, "/status")
    assert first.headers["Last-Modified"] == "Thu, 17 Feb 2022 16:17:00 GMT"
    clock.set(datetime(2022, 2, 17, 21, 52, tzinfo=KOLKATA))
    stack.user("bob").slash("public-title Home page errors", channel=channel)
    stack.settle()
    renamed = fetch(stack.url, "/status", If_Modified_Since=first.headers["Last-Modified"])
    assert renamed.status == 200 and "Home page errors" in renamed.text
    assert renamed.headers["Last-Modified"] == "Thu, 17 Feb 2022 16:22:00 GMT"
    clock.set(datetime(2022, 2, 17, 21, 55, tzinfo=KOLKATA))
    stack.user("alice").slash("private", channel=channel)
    stack.settle()
    for path in ("/status", "/status/history.atom", "/api/v2/incidents.json"):
        gone = fetch(stack.url, path, If_Modified_Since=renamed.headers["Last-Modified"])
        assert gone.status == 200, f"{path}: 304 would keep the private incident on the reader's screen"
        assert "Home page errors" not in gone.text
        assert gone.headers["Last-Modified"] == "Thu, 17 Feb 2022 16:25:00 GMT"


def test_unknown_paths_and_writes_are_refused_and_slack_paths_keep_their_rules(stack: Stack) -> None:
    assert fetch(stack.url, "/status/secret").status == 404
    assert fetch(stack.url, "/api/v2/components").status == 404
    assert fetch(stack.url, "/api/v2/components.json").status == 200
    assert fetch(stack.url, "/status", method="POST").status == 404
    assert fetch(stack.url, "/slack/events", method="POST").status == 401  # unsigned, as before
    assert fetch(stack.url, "/healthz").status == 200


def test_a_public_route_written_with_a_trailing_slash_moves_to_the_route(stack: Stack) -> None:
    assert unfollowed(stack.url, "/status/") == (301, "/status")
    assert unfollowed(stack.url, "/status/?lang=fr", method="HEAD") == (301, "/status?lang=fr")
    assert unfollowed(stack.url, "/api/v2/summary.json/") == (301, "/api/v2/summary.json")
    page = fetch(stack.url, "/status/")  # a browser follows it
    assert page.status == 200 and "<html" in page.text
    assert fetch(stack.url, "/status/secret/").status == 404, "only the routes there are"
