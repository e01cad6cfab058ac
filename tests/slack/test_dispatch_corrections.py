"""Corrections of published updates through Bolt's App.dispatch in-process (docs/behaviour.md,
Status page): Edit on a published update opens the correction modal, its submission replaces the
published words, records who and when on the timeline and queues the Slack updates; every bad
input is answered in the modal or the reply, and nothing is stored."""

from __future__ import annotations

from typing import Any

from bolt_requests import button, text_input, view_submission
from dispatch_bot import BOB, GUEST, DispatchBot

GUESTS_REFUSED = "Workspace guests cannot change incidents"


def published(bot: DispatchBot) -> tuple[str, int]:
    channel = bot.open()
    bot.command("draft", channel=channel)
    draft = bot.drafts()[0][0]
    bot.send(button("draft.publish", str(draft), user=BOB, channel=channel))
    return channel, draft


def correction(draft: int, text: str, *, user: str = BOB) -> Any:
    return view_submission("draft.correct", {"text": text_input(text)}, user=user, private_metadata=str(draft))


def test_edit_on_a_published_update_opens_the_correction_modal(bot: DispatchBot) -> None:
    channel, draft = published(bot)
    before = len(bot.effects())
    assert bot.send(button("draft.correct", str(draft), user=BOB, channel=channel)).status == 200
    assert bot.effects()[before:] == ["view.open_correction"]


def test_a_correction_replaces_the_words_records_who_and_when_and_updates_both_messages(bot: DispatchBot) -> None:
    _, draft = published(bot)
    before = len(bot.effects())
    answer = bot.send(correction(draft, "  We fixed the checkout; payments work again.  "))
    assert (answer.status, answer.body) == (200, "")
    assert bot.draft_text(draft) == "We fixed the checkout; payments work again."
    assert bot.drafts()[0][3] == "published"
    entry = bot.timeline(1)[-1]
    assert (entry.kind, entry.actor) == ("corrected", BOB)
    assert entry.text.endswith("update: We fixed the checkout; payments work again.")
    assert sorted(bot.effects()[before:]) == ["draft.correct", "draft.update", "timeline.post"]


def test_an_empty_correction_is_refused_in_the_modal_and_nothing_is_stored(bot: DispatchBot, unchanged: Any) -> None:
    _, draft = published(bot)
    with unchanged(bot.db):
        answer = bot.send(correction(draft, "   "))
    assert answer.json == {
        "response_action": "errors",
        "errors": {"text": "The correction is empty; write the corrected update."},
    }


def test_a_correction_over_the_length_limit_is_refused_and_nothing_is_stored(bot: DispatchBot, unchanged: Any) -> None:
    _, draft = published(bot)  # the first draft is the English short one: 280 characters at most
    with unchanged(bot.db):
        answer = bot.send(correction(draft, "x" * 281))
    assert answer.json["errors"]["text"] == "A short update is at most 280 characters; this one is 281."


def test_the_same_words_again_are_refused_and_nothing_is_stored(bot: DispatchBot, unchanged: Any) -> None:
    _, draft = published(bot)
    with unchanged(bot.db):
        answer = bot.send(correction(draft, bot.draft_text(draft)))
    assert answer.json["errors"]["text"] == "That is the text already published; nothing was corrected."


def test_a_guest_can_neither_open_nor_submit_a_correction(bot: DispatchBot, unchanged: Any) -> None:
    channel, draft = published(bot)
    with unchanged(bot.db):
        assert bot.send(button("draft.correct", str(draft), user=GUEST, channel=channel)).status == 200
        answer = bot.send(correction(draft, "Fixed.", user=GUEST))
    assert GUESTS_REFUSED in bot.after.texts()[-1]
    assert GUESTS_REFUSED in answer.json["errors"]["text"]


def test_a_draft_not_published_or_discarded_cannot_be_corrected(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    bot.command("draft", channel=channel)
    proposed, discarded = bot.drafts()[0][0], bot.drafts()[1][0]
    bot.send(button("draft.discard", str(discarded), user=BOB, channel=channel))
    with unchanged(bot.db):
        bot.send(button("draft.correct", str(proposed), user=BOB, channel=channel))
        assert "not published yet: edit it with its Edit button instead" in bot.after.texts()[-1]
        answer = bot.send(correction(proposed, "Fixed."))
        assert "not published yet" in answer.json["errors"]["text"]
        answer = bot.send(correction(discarded, "Fixed."))
        assert answer.json["errors"]["text"] == "Only a published update can be corrected; this draft was discarded."
