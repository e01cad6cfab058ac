"""Feeds and JSON read by real readers: feedparser for Atom and RSS, Statuspage's shape field by field,
and hostile text in a published update escaped everywhere (both backends)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import feedparser
import pytest
from e2e_stack import KOLKATA, Stack
from status_site import fetch, publish

from bot.sandbox import ManualClock

HOSTILE = "<script>alert('x')</script></title>]]>&amp; \u202eevil\u202c \x07 \"quoted\" "
LONG_HOSTILE = (HOSTILE + "word " * 600)[:2900].rstrip()
PUBLIC_URL = "https://status.chirper.example/status"  # behind a proxy: the request never says this
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def published(make_stack: Callable[..., Stack]) -> tuple[Stack, str]:
    """INC-1 with a public title and one hostile English long update, published at 21:47 IST."""
    clock = ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))
    stack = make_stack(clock=clock, settings={"INCIDENT_STATUS_URL": PUBLIC_URL})
    stack.user("alice").slash("open sev2 Internal: db-7 is down")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("public-title Login </title><script>x</script> \u202eerrors", channel=channel)
    clock.set(datetime(2022, 2, 17, 21, 47, tzinfo=KOLKATA))
    stack.user("alice").slash("draft en long", channel=channel)
    stack.settle()
    publish(stack, channel, "English · long", text=LONG_HOSTILE)
    return stack, channel


class Texts(HTMLParser):
    """Every element and text of a page, as a browser's parser reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def test_hostile_text_is_text_on_the_page_never_markup(published: tuple[Stack, str]) -> None:
    stack, _ = published
    page = fetch(stack.url, "/status").text
    parsed = Texts()
    parsed.feed(page)
    assert "script" not in parsed.tags and parsed.tags.count("title") == 1
    shown = HOSTILE.replace("\x07", "").strip()
    assert shown in parsed.text, "the words are shown as typed"
    assert "Login </title><script>x</script> \u202eerrors" in parsed.text
    assert "<bdi>Login &lt;/title&gt;&lt;script&gt;x&lt;/script&gt; \u202eerrors</bdi>" in page, "isolated, escaped"
    assert "Internal: db-7" not in page


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feeds_stay_well_formed_and_carry_the_text_exactly(published: tuple[Stack, str], kind: str) -> None:
    stack, _ = published
    answer = fetch(stack.url, f"/status/history.{kind}")
    assert answer.headers["Content-Type"] == f"application/{kind}+xml; charset=utf-8"
    feed = feedparser.parse(answer.body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if kind == "atom" else "rss20")
    (entry,) = feed.entries
    expected = LONG_HOSTILE.replace("\x07", "").replace("\u202e", "").replace("\u202c", "")
    # Atom carries plain text; an RSS description is HTML by convention, so it carries the HTML of the text
    body = entry.content[0].value if kind == "atom" else html.unescape(entry.description)
    assert body == expected
    assert entry.title == "Login </title><script>x</script> errors: Investigating"
    assert (
        entry.id.startswith("urn:uuid:")
        and entry.id == feedparser.parse(fetch(stack.url, f"/status/history.{kind}").body).entries[0].id
    )
    assert entry.published_parsed[:5] == (2022, 2, 17, 16, 17)
    assert entry.link.startswith(f"{PUBLIC_URL}?lang=en#incident-"), "the public address, not the request's"
    assert feed.feed.title == "Chirper status history"


def test_an_update_keeps_its_feed_id_across_languages_and_new_updates(published: tuple[Stack, str]) -> None:
    stack, channel = published
    first = feedparser.parse(fetch(stack.url, "/status/history.atom").body).entries[0].id
    clock = stack.runtime.service.clock
    assert isinstance(clock, ManualClock)
    clock.advance(minutes=20)
    stack.user("bob").slash("status identified bad config push", channel=channel)
    stack.user("bob").slash("draft en short", channel=channel)
    stack.settle()
    publish(stack, channel, "English · short", who="bob")
    entries = feedparser.parse(fetch(stack.url, "/status/history.atom?lang=fr").body).entries
    assert [entry.id for entry in entries][1] == first
    assert entries[0].title.endswith(": Cause identifiée")
    assert entries[0].updated_parsed >= entries[1].updated_parsed


UPDATE_FIELDS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
INCIDENT_FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip


def check_incident(incident: dict[str, Any]) -> None:
    assert set(incident) == INCIDENT_FIELDS
    assert incident["status"] in ("investigating", "identified", "monitoring", "resolved", "postmortem")
    assert incident["impact"] in ("none", "minor", "major", "critical")
    for field in ("created_at", "updated_at", "started_at"):
        assert ISO_MS.match(incident[field]), field
    assert incident["shortlink"].startswith(f"{PUBLIC_URL}#incident-")
    assert incident["components"] == []
    for update in incident["incident_updates"]:
        assert set(update) == UPDATE_FIELDS
        assert update["incident_id"] == incident["id"]
        assert all(ISO_MS.match(update[f]) for f in ("created_at", "updated_at", "display_at"))
        assert (update["affected_components"], update["deliver_notifications"]) == (None, True), "no catalog"


def test_the_json_has_statuspages_shape_field_by_field(published: tuple[Stack, str]) -> None:
    stack, _ = published
    summary_answer = fetch(stack.url, "/api/v2/summary.json")
    assert summary_answer.headers["Content-Type"] == "application/json"
    assert b"<" not in summary_answer.body, "markup characters travel as \\u escapes"
    summary = json.loads(summary_answer.body)
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(summary["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert summary["page"]["name"] == "Chirper" and summary["page"]["time_zone"] == "Asia/Kolkata"
    assert summary["page"]["url"] == PUBLIC_URL
    assert summary["page"]["updated_at"] == "2022-02-17T16:17:00.000Z"
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    (incident,) = summary["incidents"]
    check_incident(incident)
    assert incident["name"] == "Login </title><script>x</script> \u202eerrors"
    assert (incident["status"], incident["impact"], incident["resolved_at"]) == ("investigating", "major", None)
    assert (incident["started_at"], incident["created_at"]) == ("2022-02-17T16:11:00.000Z", "2022-02-17T16:17:00.000Z")
    (update,) = incident["incident_updates"]
    assert update["body"] == LONG_HOSTILE.replace("\x07", "")
    assert update["created_at"] == "2022-02-17T16:17:00.000Z" and update["status"] == "investigating"
    assert incident["page_id"] == summary["page"]["id"]
    status = json.loads(fetch(stack.url, "/api/v2/status.json").body)
    assert status == {"page": summary["page"], "status": summary["status"]}
    for path in ("/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"):
        document = json.loads(fetch(stack.url, path).body)
        assert set(document) == {"page", "incidents"}
        assert [i["id"] for i in document["incidents"]] == [incident["id"]]
        check_incident(document["incidents"][0])
