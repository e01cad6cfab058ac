"""What Slack may send that the bot does not expect, through the real Bolt app in-process: the
person waiting is told plainly (in the modal, or at the response URL), nothing is stored, one
warning names the field, and nothing is logged as an error (docs/behaviour.md, Safety)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from bolt_requests import RESPONSE_URL, button, event, interaction, submitted_view, text_input
from dispatch_bot import ALICE, BOB, DispatchBot

from bot.render import actions, page_picker
from bot.slack.answers import UNEXPECTED
from slack_emulator.validation import check_view

REMOVED = object()
STATES = [("a string", "values"), ("a list", [{"values": {}}]), ("null", None), ("removed", REMOVED)]


def open_modal(bot: DispatchBot) -> dict[str, Any]:
    values = {"title": text_input("Search is down"), "severity": {"value": {"selected_option": {"value": "1"}}}}
    return submitted_view("incident.open", values, user=ALICE, private_metadata="C0GENERAL")


def edit_modal(bot: DispatchBot) -> dict[str, Any]:
    channel = bot.open()
    bot.command("draft en short", channel=channel)
    draft = bot.drafts()[0][0]
    return submitted_view("draft.edit", {"text": text_input("We fixed it.")}, user=BOB, private_metadata=str(draft))


def correction_modal(bot: DispatchBot) -> dict[str, Any]:
    channel = bot.open()
    bot.command("draft en short", channel=channel)
    draft = bot.drafts()[0][0]
    assert bot.send(button("draft.publish", str(draft), user=BOB, channel=channel)).status == 200
    return submitted_view(
        "draft.correct", {"text": text_input("Fixed at 21:50.")}, user=BOB, private_metadata=str(draft)
    )


def page_picker_modal(bot: DispatchBot) -> dict[str, Any]:
    channel = bot.open()
    values = {actions.PAGE_PEOPLE_INPUT: {actions.INPUT: {"type": "multi_users_select", "selected_users": [BOB]}}}
    return submitted_view(actions.PAGE_MODAL, values, user=ALICE, private_metadata=page_picker.metadata(1, channel))


MODALS = {
    actions.OPEN_MODAL: open_modal,
    actions.EDIT_MODAL: edit_modal,
    actions.CORRECT_MODAL: correction_modal,
    actions.PAGE_MODAL: page_picker_modal,
}


def test_every_modal_the_bot_opens_is_submitted_garbled_below() -> None:
    """A new modal (its callback id in bot.render.actions) needs its case in MODALS."""
    assert set(MODALS) == {value for name, value in vars(actions).items() if name.endswith("_MODAL")}


def warnings_and_errors(caplog: pytest.LogCaptureFixture) -> tuple[list[str], list[str]]:
    said = [(record.levelno, record.getMessage()) for record in caplog.records]
    return [text for level, text in said if level == logging.WARNING], [text for level, text in said if level > 30]


@pytest.mark.parametrize("modal", sorted(MODALS))
@pytest.mark.parametrize(("how", "state"), STATES, ids=[how for how, _ in STATES])
def test_a_modal_whose_view_state_slack_garbled_is_answered_in_the_modal_and_nothing_changes(
    bot: DispatchBot, unchanged: Any, caplog: pytest.LogCaptureFixture, modal: str, how: str, state: Any
) -> None:
    payload = MODALS[modal](bot)
    if state is REMOVED:
        del payload["view"]["state"]
    else:
        payload["view"]["state"] = state
    caplog.clear()
    with unchanged(bot.db), caplog.at_level(logging.WARNING):
        answer = bot.send(interaction(payload))
    assert answer.status == 200
    assert answer.json["response_action"] == "update"  # the modal now says what happened
    assert [block["text"]["text"] for block in answer.json["view"]["blocks"]] == [UNEXPECTED]
    check_view(answer.json["view"])  # a view Slack accepts (Block Kit, as slack_sdk validates it)
    warnings, errors = warnings_and_errors(caplog)
    assert warnings == [f"Slack sent a request this bot did not expect: view_submission: view.state {how_said(how)}"]
    assert errors == []


def how_said(how: str) -> str:
    return {
        "a string": "must be a JSON object, not a string",
        "a list": "must be a JSON object, not a list",
        "null": "is missing",
        "removed": "is missing",
    }[how]


def test_a_modal_input_of_an_unexpected_type_is_answered_in_the_modal_naming_the_input(
    bot: DispatchBot, unchanged: Any, caplog: pytest.LogCaptureFixture
) -> None:
    payload = edit_modal(bot)
    payload["view"]["state"]["values"]["text"]["value"]["value"] = ["We fixed it."]
    caplog.clear()
    with unchanged(bot.db), caplog.at_level(logging.WARNING):
        answer = bot.send(interaction(payload))
    assert answer.json["response_action"] == "update"
    warnings, errors = warnings_and_errors(caplog)
    assert warnings == [
        "Slack sent a request this bot did not expect: "
        "view_submission: view.state.values.text.value.value must be a string, not a list"
    ]
    assert errors == []


def test_a_button_whose_value_is_not_text_tells_the_person_at_the_response_url_and_changes_nothing(
    bot: DispatchBot, unchanged: Any, caplog: pytest.LogCaptureFixture
) -> None:
    channel = bot.open()
    pressed = dict(button("incident.status.identified", "1", user=ALICE, channel=channel).body)
    with unchanged(bot.db), caplog.at_level(logging.WARNING):
        answer = bot.send(interaction(pressed | {"actions": [pressed["actions"][0] | {"value": 1}]}))
    assert (answer.status, answer.body) == (200, "")
    assert bot.after.responses[-1][0] == RESPONSE_URL
    assert bot.after.texts()[-1] == f":warning: {UNEXPECTED}"
    assert warnings_and_errors(caplog) == (
        [
            "Slack sent a request this bot did not expect: "
            "block_actions: actions[0].value must be a string, not a number"
        ],
        [],
    )


def test_a_card_button_for_a_status_the_bot_has_no_button_for_says_so_and_changes_nothing(
    bot: DispatchBot, unchanged: Any, caplog: pytest.LogCaptureFixture
) -> None:
    channel = bot.open()
    with unchanged(bot.db), caplog.at_level(logging.WARNING):
        assert bot.send(button("incident.status.fixed", "1", user=ALICE, channel=channel)).status == 200
    assert bot.after.texts()[-1] == f":warning: {UNEXPECTED}"
    warnings, errors = warnings_and_errors(caplog)
    assert warnings == [
        "Slack sent a button this bot did not expect: actions[0].action_id is 'incident.status.fixed', no button "
        "this bot renders"
    ]
    assert errors == []


def test_an_event_field_of_an_unexpected_type_is_refused_with_400_naming_it_and_nothing_changes(
    bot: DispatchBot, unchanged: Any, caplog: pytest.LogCaptureFixture
) -> None:
    channel = bot.open()
    pin = {
        "type": "reaction_added",
        "user": BOB,
        "reaction": "pushpin",
        "item": {"type": "message", "channel": channel},
    }
    with unchanged(bot.db), caplog.at_level(logging.WARNING):
        answer = bot.send(event(pin | {"item": pin["item"] | {"ts": 1700000000.0001}}))
    assert (answer.status, json.loads(answer.body)) == (
        400,
        {"error": "event_callback: event.item.ts must be a string, not a number"},
    )
    assert warnings_and_errors(caplog)[1] == []
