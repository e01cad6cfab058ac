"""Card buttons, the open modal, the Add-to-timeline shortcut, :pushpin: and the draft buttons,
through Bolt's App.dispatch in-process: acknowledged at once, stored, Slack work queued."""

from __future__ import annotations

import time
from typing import Any

import pytest
from bolt_requests import RESPONSE_URL, button, event, message_shortcut, text_input, view_submission
from dispatch_bot import ALICE, BOB, GENERAL, STATUS, DispatchBot

MESSAGE = {"type": "message", "user": BOB, "text": "rolled back deploy 4411", "ts": "1700000123.000400"}


def pushpin(channel: str, *, user: str = BOB, reaction: str = "pushpin", **delivery: Any) -> Any:
    item = {"type": "message", "channel": channel, "ts": MESSAGE["ts"]}
    return event({"type": "reaction_added", "user": user, "reaction": reaction, "item": item}, **delivery)


@pytest.mark.parametrize("status", ["identified", "monitoring"])
def test_a_status_button_acknowledges_empty_stores_the_status_and_answers_through_the_responder(
    bot: DispatchBot, status: str
) -> None:
    channel = bot.open()
    before = len(bot.effects())
    answer = bot.send(button(f"incident.status.{status}", "1", user=BOB, channel=channel))
    assert (answer.status, answer.body) == (200, "")
    assert bot.incident(1).status == status
    assert (bot.timeline(1)[-1].kind, bot.timeline(1)[-1].actor) == ("status", BOB)
    assert bot.after.responses == [(RESPONSE_URL, [{"text": f"INC-1: now *{status}*.", "response_type": "ephemeral"}])]
    assert sorted(bot.effects()[before:]) == ["card.update", "channel.topic", "timeline.post"]


def test_a_second_click_on_the_same_status_changes_nothing_and_says_so(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    bot.send(button("incident.status.identified", "1", user=BOB, channel=channel))
    with unchanged(bot.db):
        assert bot.send(button("incident.status.identified", "1", user=BOB, channel=channel)).status == 200
    assert "INC-1 is already identified" in bot.after.texts()[-1]


def test_the_resolve_and_reopen_buttons_close_and_reopen_the_incident(bot: DispatchBot) -> None:
    channel = bot.open()
    bot.send(button("incident.close", "1", user=BOB, channel=channel))
    assert bot.incident(1).status == "resolved"
    assert bot.after.texts()[-1].startswith("INC-1: resolved.\nTotal duration *")
    bot.send(button("incident.reopen", "1", user=BOB, channel=channel))
    assert bot.incident(1).status == "investigating"
    assert bot.after.texts()[-1] == "INC-1: reopened: back to investigating."
    assert [entry.kind for entry in bot.timeline(1)][-2:] == ["status", "reopened"]


def test_the_draft_button_drafts_every_language_and_length(bot: DispatchBot) -> None:
    channel = bot.open()
    assert bot.send(button("incident.draft", "1", user=BOB, channel=channel)).status == 200
    assert len(bot.drafts()) == 4
    assert bot.after.texts()[-1].startswith("INC-1: 4 public update drafts posted")


def test_the_add_to_timeline_shortcut_copies_the_message_once_at_the_time_it_was_posted(bot: DispatchBot) -> None:
    channel = bot.open("Checkout fails --at 1h ago")
    posted = time.time() - 600
    message = {**MESSAGE, "ts": f"{posted:.6f}"}
    first = bot.send(message_shortcut("incident.add_to_timeline", message, user=ALICE, channel=channel))
    assert (first.status, first.body) == (200, "")
    copied = [entry for entry in bot.timeline(1) if entry.kind == "message"]
    assert [(entry.text, entry.actor) for entry in copied] == [("rolled back deploy 4411", BOB)]
    assert copied[0].at.timestamp() == pytest.approx(posted, abs=1)
    assert bot.effects()[-1] == "message.acknowledge"
    bot.send(message_shortcut("incident.add_to_timeline", message, user=BOB, channel=channel))
    assert bot.after.texts() == ["Added to the INC-1 timeline.", "That message is already on the timeline."]
    assert len([entry for entry in bot.timeline(1) if entry.kind == "message"]) == 1


def test_the_shortcut_outside_an_incident_channel_says_so_and_stores_nothing(bot: DispatchBot, unchanged: Any) -> None:
    bot.open()
    with unchanged(bot.db):
        answer = bot.send(message_shortcut("incident.add_to_timeline", MESSAGE, user=ALICE, channel=GENERAL))
    assert answer.status == 200
    assert "not an incident channel" in bot.after.texts()[-1]


def test_a_pushpin_queues_the_message_fetch_once_even_when_slack_redelivers_the_event(bot: DispatchBot) -> None:
    channel = bot.open()
    before = len(bot.effects())
    assert bot.send(pushpin(channel, event_id="Ev0PIN1")).status == 200
    assert bot.send(pushpin(channel, event_id="Ev0PIN1", retry=1)).status == 200
    assert bot.send(pushpin(channel, event_id="Ev0PIN1", retry=2)).status == 200
    assert bot.effects()[before:] == ["message.fetch"]
    assert bot.after.notified >= 2


def test_a_pushpin_outside_an_incident_channel_or_another_reaction_is_acknowledged_and_ignored(
    bot: DispatchBot, unchanged: Any
) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        assert bot.send(pushpin(GENERAL, event_id="Ev0PIN2")).status == 200
        assert bot.send(pushpin(channel, reaction="eyes", event_id="Ev0PIN3")).status == 200


def test_the_open_modal_submitted_opens_the_incident_in_the_channel_it_came_from(bot: DispatchBot) -> None:
    values = {"title": text_input("Search is down"), "severity": {"value": {"selected_option": {"value": "1"}}}}
    answer = bot.send(view_submission("incident.open", values, user=ALICE, private_metadata=GENERAL))
    assert (answer.status, answer.body) == (200, "")
    incident = bot.incident(1)
    assert (incident.title, incident.severity, incident.opened_by) == ("Search is down", 1, ALICE)
    opening = ["channel.create", "channel.invite", "channel.topic", "card.post", "timeline.post", "announce"]
    assert sorted(bot.effects()) == sorted([*opening, "reply.channel_ready"])


@pytest.mark.parametrize(
    ("title", "error"),
    [("x" * 151, "151 characters long; the limit is 150"), ("   ", "")],
)
def test_a_bad_modal_title_is_refused_in_the_modal_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, title: str, error: str
) -> None:
    values = {"title": text_input(title), "severity": {"value": {"selected_option": {"value": "2"}}}}
    with unchanged(bot.db):
        answer = bot.send(view_submission("incident.open", values, user=ALICE, private_metadata=GENERAL))
    assert answer.status == 200
    assert answer.json["response_action"] == "errors"
    assert error in answer.json["errors"]["title"] and answer.json["errors"]["title"]


def drafted(bot: DispatchBot) -> tuple[str, int]:
    channel = bot.open()
    bot.command("draft", channel=channel)
    return channel, bot.drafts()[0][0]


def test_publish_marks_the_draft_published_and_queues_the_post_to_the_status_channel(bot: DispatchBot) -> None:
    channel, draft = drafted(bot)
    before = len(bot.effects())
    assert bot.send(button("draft.publish", str(draft), user=BOB, channel=channel)).status == 200
    assert bot.drafts()[0][3] == "published"
    assert bot.after.texts()[-1] == f"Published to <#{STATUS}>."
    assert bot.timeline(1)[-1].kind == "published"
    assert sorted(bot.effects()[before:]) == ["draft.publish", "draft.update", "timeline.post"]


def test_edit_queues_the_edit_modal_and_its_submission_saves_the_new_text(bot: DispatchBot) -> None:
    channel, draft = drafted(bot)
    before = len(bot.effects())
    assert bot.send(button("draft.edit", str(draft), user=BOB, channel=channel)).status == 200
    assert bot.effects()[before:] == ["view.open_draft"]
    submitted = view_submission(
        "draft.edit", {"text": text_input("We fixed it.")}, user=BOB, private_metadata=str(draft)
    )
    assert (bot.send(submitted).status, bot.effects()[-1]) == (200, "draft.update")
    assert bot.draft_text(draft) == "We fixed it." and bot.drafts()[0][3] == "proposed"


def test_an_edit_over_the_short_limit_is_refused_in_the_modal_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any
) -> None:
    _, draft = drafted(bot)
    submitted = view_submission("draft.edit", {"text": text_input("x" * 400)}, user=BOB, private_metadata=str(draft))
    with unchanged(bot.db):
        answer = bot.send(submitted)
    assert answer.json["response_action"] == "errors"
    assert "A short update is at most" in answer.json["errors"]["text"]


def test_discard_marks_the_draft_and_it_can_no_longer_be_published(bot: DispatchBot, unchanged: Any) -> None:
    channel, draft = drafted(bot)
    bot.send(button("draft.discard", str(draft), user=BOB, channel=channel))
    assert bot.drafts()[0][3] == "discarded" and bot.after.texts()[-1] == "Draft discarded."
    with unchanged(bot.db):
        assert bot.send(button("draft.publish", str(draft), user=BOB, channel=channel)).status == 200
    assert "discarded" in bot.after.texts()[-1]


def test_the_open_modal_submitted_with_no_title_at_all_says_so_in_the_modal_and_stores_nothing(
    bot: DispatchBot, unchanged: Any
) -> None:
    values = {"severity": {"value": {"selected_option": {"value": "2"}}}}
    with unchanged(bot.db):
        answer = bot.send(view_submission("incident.open", values, user=ALICE, private_metadata=GENERAL))
    assert answer.json == {
        "response_action": "errors",
        "errors": {"title": "Give the incident a title: what is broken, in a few words."},
    }


def test_a_shortcut_on_a_message_without_its_timestamp_says_slack_sent_the_unexpected_and_stores_nothing(
    bot: DispatchBot, unchanged: Any
) -> None:
    channel = bot.open()
    message = {key: value for key, value in MESSAGE.items() if key != "ts"}
    with unchanged(bot.db):
        answer = bot.send(message_shortcut("incident.add_to_timeline", message, user=ALICE, channel=channel))
    assert answer.status == 200
    assert "Slack sent something this bot did not expect, so nothing was changed" in bot.after.texts()[-1]


def test_a_pushpin_event_without_the_messages_timestamp_is_acknowledged_and_ignored(
    bot: DispatchBot, unchanged: Any
) -> None:
    channel = bot.open()
    item = {"type": "message", "channel": channel}
    with unchanged(bot.db):
        delivered = bot.send(event({"type": "reaction_added", "user": BOB, "reaction": "pushpin", "item": item}))
    assert delivered.status == 200
