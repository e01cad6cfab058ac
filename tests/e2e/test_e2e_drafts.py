"""Public updates end to end: draft, Publish (once), Edit (checked again), Discard, stale drafts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from e2e_stack import Stack, bot_lines, card_of, sections_of

from bot.domain.incident import EntryKind
from bot.lookup import Where
from bot.sandbox import ManualClock
from slack_emulator import STATUS
from slack_emulator.records import Message

INC_1 = Where(team_id="T0EMULATOR", number=1)
REASSURANCE = "no evidence of a security breach or attack"


@pytest.fixture
def opened(stack: Stack) -> str:
    stack.user("alice").slash("open sev1 Home page broken")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("impact Users see 'Something went wrong' on the home page", channel=channel)
    stack.settle()
    return channel


def drafts_in(stack: Stack, channel: str) -> list[Message]:
    return [m for m in stack.emulator.messages(channel) if "Public update draft" in str(m.blocks)]


def draft_text(message: Message) -> str:
    return sections_of(message.blocks)[1]


def find_draft(stack: Stack, channel: str, label: str) -> Message:
    matching = [m for m in drafts_in(stack, channel) if label in str(m.blocks)]
    assert matching, f"no {label} draft"
    return matching[-1]


def status_posts(stack: Stack) -> list[str]:
    return [m.text for m in stack.emulator.messages(STATUS) if m.user == "U0BOT"]


def test_draft_posts_one_draft_per_language_and_length_with_publish_edit_discard(stack: Stack, opened: str) -> None:
    answer = stack.user("alice").slash("draft", channel=opened)
    assert "4 public update drafts posted" in answer.json["text"]
    stack.settle()
    drafts = drafts_in(stack, opened)
    assert len(drafts) == 4
    labels = [next(s for s in sections_of(m.blocks) if "Public update draft" in s) for m in drafts]
    assert [("English" in label, "short" in label) for label in labels] == [
        (True, True),
        (True, False),
        (False, True),
        (False, False),
    ]
    for message in drafts:
        actions = next(block for block in message.blocks if block.get("block_id", "").startswith("draft."))
        assert [e["action_id"] for e in actions["elements"]] == ["draft.publish", "draft.edit", "draft.discard"]
    assert status_posts(stack) == [], "nothing is published without a person pressing Publish"


def test_publish_posts_once_to_the_status_channel_and_lands_on_the_timeline(stack: Stack, opened: str) -> None:
    stack.user("alice").slash("draft en short", channel=opened)
    stack.settle()
    draft = find_draft(stack, opened, "English · short")
    words = draft_text(draft)
    stack.user("bob").click(opened, draft.ts, "draft.publish")
    stack.user("bob").click(opened, draft.ts, "draft.publish")  # a double click
    stack.settle()
    assert status_posts(stack) == [words]
    published = [e for e in stack.runtime.service.timeline(INC_1).entries if e.kind is EntryKind.PUBLISHED]
    assert len(published) == 1
    assert published[0].actor == stack.emulator.user("bob").id
    assert any(":mega: published the English short update" in line for line in bot_lines(stack, opened))
    after = find_draft(stack, opened, "English · short")
    assert "Published by" in str(after.blocks) and "draft.publish" not in str(after.blocks)
    replies = [post.body.get("text", "") for post in stack.emulator.response_url_posts()]
    assert any("already published" in reply for reply in replies)


def test_publish_is_refused_clearly_when_no_status_channel_is_set(
    make_stack: Callable[..., Stack], unchanged: Any
) -> None:
    stack = make_stack(settings={"INCIDENT_STATUS_CHANNEL": ""})
    stack.user("alice").slash("open sev1 Home page broken")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("draft en short", channel=channel)
    stack.settle()
    draft = find_draft(stack, channel, "English · short")
    with unchanged(stack.runtime.db):
        stack.user("alice").click(channel, draft.ts, "draft.publish")
        stack.settle()
    replies = [post.body.get("text", "") for post in stack.emulator.response_url_posts()]
    assert any("INCIDENT_STATUS_CHANNEL is not set" in reply for reply in replies)
    assert stack.emulator.calls("chat.postMessage")[-1].args["channel"] == channel  # nothing went elsewhere


def test_edit_opens_a_modal_and_a_400_character_short_draft_is_refused_in_it(
    stack: Stack, opened: str, unchanged: Any
) -> None:
    stack.user("alice").slash("draft en short", channel=opened)
    stack.settle()
    draft = find_draft(stack, opened, "English · short")
    stack.user("alice").click(opened, draft.ts, "draft.edit")
    stack.settle()
    (view,) = stack.emulator.views(stack.emulator.user("alice").id, open_only=True)
    with unchanged(stack.runtime.db):
        refused = stack.user("alice").submit_view(view.id, {"text": "x" * 400})
    assert refused.json["response_action"] == "errors"
    assert refused.json["errors"]["text"] == "A short update is at most 280 characters; this one is 400."
    accepted = stack.user("alice").submit_view(
        view.id, {"text": "Chirper's home page is failing for some of you. We're on it."}
    )
    assert accepted.status == 200 and not accepted.body
    stack.settle()
    edited = find_draft(stack, opened, "English · short")
    assert draft_text(edited) == "Chirper's home page is failing for some of you. We're on it."
    assert "edited by alice" in str(edited.blocks)
    stack.user("alice").click(opened, edited.ts, "draft.publish")
    stack.settle()
    assert status_posts(stack) == ["Chirper's home page is failing for some of you. We're on it."]


def test_discard_marks_the_draft_and_it_can_no_longer_be_published(stack: Stack, opened: str) -> None:
    stack.user("alice").slash("draft fr long", channel=opened)
    stack.settle()
    draft = find_draft(stack, opened, "Français · long")
    stack.emulator.set_latency(1.0, "chat.update")  # bob's screen still shows the buttons
    stack.user("alice").click(opened, draft.ts, "draft.discard")
    stack.user("bob").click(opened, draft.ts, "draft.publish")
    stack.settle()
    assert "Discarded by alice" in str(find_draft(stack, opened, "Français · long").blocks)
    assert status_posts(stack) == []
    replies = [post.body.get("text", "") for post in stack.emulator.response_url_posts()]
    assert any("This draft was discarded by alice." in reply for reply in replies)  # a name, never an id


def test_suspected_attack_drafts_make_no_reassurance_and_warn_the_drafter(stack: Stack, opened: str) -> None:
    stack.user("alice").slash("attack suspected", channel=opened)
    answer = stack.user("alice").slash("draft", channel=opened)
    assert "Security must review this draft before it is published" in answer.json["text"]
    stack.settle()
    for message in drafts_in(stack, opened):
        text = draft_text(message).lower()
        assert REASSURANCE not in text and "aucune preuve" not in text
        assert "security must review" in str(message.blocks).lower()


def test_changing_the_assessment_marks_older_drafts_stale_and_they_cannot_be_published(
    stack: Stack, opened: str
) -> None:
    stack.user("alice").slash("attack no-evidence", channel=opened)
    stack.user("alice").slash("draft en short", channel=opened)
    stack.settle()
    draft = find_draft(stack, opened, "English · short")
    assert REASSURANCE in draft_text(draft).lower()
    stack.emulator.set_latency(1.0, "chat.update")  # bob's screen still shows the buttons
    stack.user("alice").slash("attack suspected", channel=opened)
    stack.user("bob").click(opened, draft.ts, "draft.publish")
    stack.settle()
    stale = find_draft(stack, opened, "English · short")
    assert "Stale: the security assessment changed to suspected" in str(stale.blocks)
    assert status_posts(stack) == []
    replies = [post.body.get("text", "") for post in stack.emulator.response_url_posts()]
    assert any("This draft is stale" in reply for reply in replies)


def test_the_resolved_draft_and_the_close_message_agree_on_the_duration(make_stack: Callable[..., Stack]) -> None:
    clock = ManualClock(datetime(2020, 10, 15, 22, 30, tzinfo=ZoneInfo("Europe/Paris")))
    stack = make_stack(clock=clock, settings={"INCIDENT_TIMEZONE": "Europe/Paris"})
    stack.user("alice").slash("open sev1 Worldwide outage")
    stack.settle()
    channel = stack.channel_of(1)
    clock.advance(hours=1, minutes=55)
    stack.user("alice").slash("close Service restored for everyone", channel=channel)
    stack.user("alice").slash("draft", channel=channel)
    stack.settle()
    closing = next(line for line in bot_lines(stack, channel) if "resolved INC-1" in line)
    assert "Total duration *1h 55m*" in closing
    assert "for almost two hours" in draft_text(find_draft(stack, channel, "English · short"))
    assert "pendant près de deux heures" in draft_text(find_draft(stack, channel, "Français · long"))


def test_the_card_draft_button_drafts_every_language_and_length(stack: Stack, opened: str) -> None:
    card = card_of(stack, opened)
    stack.user("bob").click(opened, card.ts, "incident.draft")
    stack.settle()
    assert len(drafts_in(stack, opened)) == 4


def test_draft_and_published_text_carry_no_slack_markup_and_are_escaped(stack: Stack, opened: str) -> None:
    stack.user("alice").slash("impact <!channel> cannot log in & pay <b>now</b>", channel=opened, raw=True)
    stack.user("alice").slash("draft en short", channel=opened)
    stack.settle()
    draft = find_draft(stack, opened, "English · short")
    assert "Chirper: cannot log in &amp; pay &lt;b&gt;now&lt;/b&gt;." in draft_text(draft)
    stack.user("alice").click(opened, draft.ts, "draft.publish")
    stack.settle()
    (published,) = status_posts(stack)
    assert "cannot log in &amp; pay &lt;b&gt;now&lt;/b&gt;" in published
    assert "channel" not in published and "<!" not in published


def test_a_draft_in_an_unknown_language_says_which_exist_and_stores_nothing(
    stack: Stack, opened: str, unchanged: Any
) -> None:
    with unchanged(stack.runtime.db):
        answer = stack.user("alice").slash("draft es", channel=opened)
    assert answer.json["text"] == (
        ":warning: There is no wording in 'es' yet; available: en, fr.\n"
        "`/incident draft [INC-n] [en|fr|...] [short|long]`"
    )
