"""Correcting a published update, end to end against the emulator on both backends
(docs/behaviour.md, Status page): Edit on the post in the status channel opens a modal; the
saved words replace the post and the draft's message, the timeline says who and when, and the
page, the feeds and the JSON show the corrected words as updated at once, never silently."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import feedparser
import pytest
from e2e_stack import KOLKATA, Stack, sections_of
from status_site import drafts_of, fetch, publish

from bot.domain.incident import EntryKind
from bot.lookup import Where
from bot.sandbox import ManualClock
from slack_emulator import STATUS

FIXED = "Checkout works again for everyone; payments made during the outage went through."


@pytest.fixture
def published(make_stack: Callable[..., Stack]) -> tuple[Stack, str, ManualClock]:
    """INC-1 with one English long update published at 21:47 IST, every page read once (kept)."""
    clock = ManualClock(datetime(2022, 2, 17, 21, 41, tzinfo=KOLKATA))
    stack = make_stack(clock=clock)
    stack.user("alice").slash("open sev2 db-7 is down")
    stack.settle()
    channel = stack.channel_of(1)
    clock.set(datetime(2022, 2, 17, 21, 47, tzinfo=KOLKATA))
    stack.user("alice").slash("draft en long", channel=channel)
    stack.settle()
    publish(stack, channel, "English · long", text="Checkout fails for some users.")
    for path in ("/status", "/status/history.atom", "/status/history.rss", "/api/v2/incidents.json"):
        assert fetch(stack.url, path).status == 200
    return stack, channel, clock


def status_post(stack: Stack) -> Any:
    (post,) = [m for m in stack.emulator.messages(STATUS) if m.user == "U0BOT"]
    return post


def correct(stack: Stack, channel: str, text: str, *, who: str = "bob") -> Any:
    stack.user(who).click(STATUS, status_post(stack).ts, "draft.correct")
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user(who).id, open_only=True)
    answer = stack.user(who).submit_view(view.id, {"text": text})
    stack.settle()
    return answer


def test_a_correction_updates_both_posts_and_the_timeline_says_who_and_when(
    published: tuple[Stack, str, ManualClock],
) -> None:
    stack, channel, clock = published
    clock.set(datetime(2022, 2, 17, 22, 5, tzinfo=KOLKATA))
    answer = correct(stack, channel, FIXED)
    assert answer.status == 200 and not answer.body
    post = status_post(stack)
    assert sections_of(post.blocks)[0] == FIXED
    assert "Corrected by bob at 22:05 IST" in str(post.blocks)
    draft = drafts_of(stack, channel)[-1]
    assert sections_of(draft.blocks)[1] == FIXED and "Corrected by bob at 22:05 IST" in str(draft.blocks)
    (entry,) = [
        e
        for e in stack.runtime.service.timeline(Where(team_id="T0EMULATOR", number=1)).entries
        if e.kind is EntryKind.CORRECTED
    ]
    assert entry.text == f"English long update: {FIXED}"
    assert any(
        ":pencil2: corrected the published English long update" in m.text for m in stack.emulator.messages(channel)
    )


def test_the_page_feeds_and_json_show_the_correction_as_updated_at_once(
    published: tuple[Stack, str, ManualClock],
) -> None:
    stack, channel, clock = published
    clock.set(datetime(2022, 2, 17, 22, 5, tzinfo=KOLKATA))
    correct(stack, channel, FIXED)
    page = fetch(stack.url, "/status?lang=en").text
    assert FIXED in page and "Checkout fails for some users." not in page
    assert 'updated <time datetime="2022-02-17T16:35:00Z">2022-02-17 22:05 IST</time>' in page
    assert "modifié le" in fetch(stack.url, "/status?lang=fr").text
    (entry,) = feedparser.parse(fetch(stack.url, "/status/history.atom").body).entries
    assert entry.content[0].value == FIXED
    assert entry.published_parsed[:5] == (2022, 2, 17, 16, 17) and entry.updated_parsed[:5] == (2022, 2, 17, 16, 35)
    (item,) = feedparser.parse(fetch(stack.url, "/status/history.rss").body).entries
    assert FIXED in item.description and "(updated 2022-02-17 22:05 IST)" in item.description
    (incident,) = json.loads(fetch(stack.url, "/api/v2/incidents.json").body)["incidents"]
    (update,) = incident["incident_updates"]
    assert update["body"] == FIXED
    assert (update["created_at"], update["updated_at"]) == ("2022-02-17T16:17:00.000Z", "2022-02-17T16:35:00.000Z")
    assert incident["updated_at"] == "2022-02-17T16:35:00.000Z"
    modified = fetch(stack.url, "/status")
    since = fetch(stack.url, "/status", If_Modified_Since=modified.headers["Last-Modified"])
    assert modified.headers["Last-Modified"] == "Thu, 17 Feb 2022 16:35:00 GMT" and since.status == 304


def test_an_empty_correction_is_refused_in_the_modal_and_nothing_changes(
    published: tuple[Stack, str, ManualClock], unchanged: Any
) -> None:
    stack, _, _ = published
    stack.user("bob").click(STATUS, status_post(stack).ts, "draft.correct")
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("bob").id, open_only=True)
    with unchanged(stack.runtime.db):
        answer = stack.user("bob").submit_view(view.id, {"text": "  "})
    assert answer.json["errors"]["text"] == "The correction is empty; write the corrected update."
    assert "Checkout fails for some users." in fetch(stack.url, "/status").text


def test_a_guest_cannot_correct_and_nothing_changes(published: tuple[Stack, str, ManualClock], unchanged: Any) -> None:
    stack, _, _ = published
    with unchanged(stack.runtime.db):
        stack.user("gina").click(STATUS, status_post(stack).ts, "draft.correct")
        stack.settle()
    assert not stack.emulator.views(stack.emulator.user("gina").id, open_only=True)
    said = [e.text for e in stack.emulator.ephemerals(STATUS, stack.emulator.user("gina").id)]
    assert any("Workspace guests cannot change incidents" in text for text in said)
