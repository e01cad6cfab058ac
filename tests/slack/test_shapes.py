"""The typed reading of what Slack sends (bot.slack.shapes over bot.reading): real shapes read
into their values; anything else is one `Malformed` naming the field, never another exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request import BoltRequest

from bot.domain import markup
from bot.reading import JsonObject, Malformed
from bot.slack import shapes

CORPUS = sorted((Path(__file__).parent.parent / "slack_payloads").glob("*.json"))
URL = "https://hooks.slack.com/actions/T0/1/abc"
USER = {"id": "U0ALICE", "team_id": "T0"}


def named(stem: str) -> Path:
    return next(path for path in CORPUS if path.stem == stem)


def corpus_body(path: Path) -> dict[str, Any]:
    text = path.read_text().replace("{NOW}", "1700000000").replace("{RESPONSE_URL}", URL)
    for ts in ("MESSAGE_TS", "REPLY_TS", "ALERT_TS", "FILE_TS"):
        text = text.replace("{" + ts + "}", "1700000000.000100")
    case = json.loads(text)
    body = case.get("form") or case.get("payload") or case["json"]
    assert isinstance(body, dict)
    return body


EXPECTED_KINDS = {
    "app_rate_limited": shapes.RateLimited,
    "block_action_from_an_org_wide_app_with_team_null": shapes.ButtonPress,
    "event_reaction_added_on_a_thread_reply": shapes.Reaction,
    "event_the_bot_does_not_act_on": shapes.OtherEvent,
    "shortcut_on_a_file_share": shapes.MessageShortcut,
    "shortcut_on_an_alert_with_attachments_only": shapes.MessageShortcut,
    "slash_command_enterprise_grid": shapes.SlashCommand,
    "slash_command_in_a_direct_message": shapes.SlashCommand,
    "slash_command_in_a_private_channel": shapes.SlashCommand,
    "url_verification": shapes.OtherRequest,
}


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_every_real_shape_reads_as_its_kind(path: Path) -> None:
    assert isinstance(shapes.read(corpus_body(path)), EXPECTED_KINDS[path.stem])


def test_an_org_wide_button_press_takes_the_team_from_the_user() -> None:
    body = corpus_body(named("block_action_from_an_org_wide_app_with_team_null"))
    assert shapes.read(body) == shapes.ButtonPress(
        asked=shapes.Invocation(
            team_id="{TEAM}",
            user_id="{ALICE}",
            channel_id="{INCIDENT_CHANNEL}",
            response_url=URL,
            trigger_id="12466734323.1395872398.ad6c8a3f4b4e1a1f3b2d1a2f6c4e5c7d",
        ),
        action_id="incident.status.monitoring",
        value="1",
    )


def test_an_alert_is_copied_with_its_integration_and_its_attachments_words() -> None:
    read = shapes.read(corpus_body(named("shortcut_on_an_alert_with_attachments_only")))
    assert isinstance(read, shapes.MessageShortcut)
    assert (read.message.author.id, read.message.author.bot_name) == ("B0PAGERDUTY", "PagerDuty")
    assert read.message.words.startswith("[FIRING] Checkout error rate > 5%")


def modal(state: Any) -> dict[str, Any]:
    view = {"type": "modal", "callback_id": "incident.open", "private_metadata": "C0GENERAL", "state": state}
    return {"type": "view_submission", "user": USER, "team": None, "view": view}


def test_a_modal_submission_reads_each_input_by_block_and_null_reads_as_empty() -> None:
    values = {
        "title": {"value": {"type": "plain_text_input", "value": None}},
        "severity": {"value": {"type": "static_select", "selected_option": {"value": "1"}}},
        "private": {"value": {"type": "checkboxes", "selected_options": [{"value": "private"}]}},
        "other": {"another_action": {"type": "plain_text_input", "value": "ignored"}},
    }
    read = shapes.read(modal({"values": values}))
    assert isinstance(read, shapes.ModalSubmission)
    assert read.input("title") == shapes.Input(typed="")
    assert read.input("severity").selected == "1"
    assert read.input("private").ticked == frozenset({"private"})
    assert read.input("other") == read.input("nowhere") == shapes.Input()
    assert (read.asked.team_id, read.asked.channel_id, read.metadata) == ("T0", None, "C0GENERAL")


def test_a_text_inputs_words_are_characters_never_slack_markup() -> None:
    """Slack sends a plain_text_input's value as typed: `<!channel>` is words, `&lt;` four characters."""
    typed = "<!channel> down & <b>bold</b> &lt;x&gt;"
    values = {"title": {"value": {"type": "plain_text_input", "value": typed}}}
    read = shapes.read(modal({"values": values}))
    assert isinstance(read, shapes.ModalSubmission) and read.input("title").typed == typed
    stored = read.input("title").words
    assert markup.for_public(stored) == markup.as_read(stored) == typed
    assert markup.for_slack(stored) == markup.escape(typed)


def press(**changes: Any) -> dict[str, Any]:
    action = {"action_id": "incident.close", "value": "7"}
    return {"type": "block_actions", "user": USER, "actions": [action], "response_url": URL} | changes


def test_an_option_chosen_in_a_select_reads_as_the_press_of_its_value() -> None:
    chosen = {"action_id": "alerts.add", "type": "static_select", "selected_option": {"value": "12:0:7"}}
    read = shapes.read(press(actions=[chosen]))
    assert isinstance(read, shapes.ButtonPress) and (read.action_id, read.value) == ("alerts.add", "12:0:7")


# (body, the refusal, whether someone waiting can be told)
REFUSED = [
    (
        press(actions=[{"action_id": "alerts.add", "selected_option": {"text": "INC-7"}}]),
        "block_actions: actions[0].selected_option.value is missing",
        True,
    ),
    ({"type": "event_callback", "event": {"type": "x"}}, "event_callback: team_id is missing", False),
    ({"type": 7}, "type must be a string, not a number", False),
    ({"text": "hi"}, "has neither a type (an interaction or an event) nor a command (a slash command)", False),
    (press(user={"name": "alice"}), "block_actions: user.id is missing", False),
    (press(actions=[{"value": "7"}]), "block_actions: actions[0].action_id is missing", False),
    (press(response_url="ftp://x"), "block_actions: response_url is not an http(s) URL", False),
    (press(actions=[{"action_id": "incident.close", "value": 7}]), "block_actions: actions[0].value must be", True),
    (
        press(actions=[{"action_id": "incident.close", "value": 7}], response_url=None),
        "block_actions: actions[0].value must be a string, not a number",
        False,  # no response URL: nobody can be told
    ),
    (modal("x"), "view_submission: view.state must be a JSON object, not a string", True),
    (modal({"values": {"title": "x"}}), "view_submission: view.state.values.title must be a JSON object", True),
    (
        modal({"values": {"title": {"value": {"selected_options": [{"text": "Private"}]}}}}),
        "view_submission: view.state.values.title.value.selected_options[0].value is missing",
        True,
    ),
    (
        {"type": "view_submission", "user": USER, "view": {"callback_id": "x", "type": "workflow_step"}},
        "view_submission: workflow_step is missing",  # Bolt reads it before any listener
        False,
    ),
    (
        {"type": "message_action", "user": USER, "callback_id": "c", "response_url": URL, "message": {"ts": 1}},
        "message_action: message.ts must be a string, not a number",
        True,
    ),
    (
        {"type": "message_action", "user": USER, "callback_id": "c", "response_url": URL, "message": {"ts": "²"}},
        "message_action: message.ts is not a Slack timestamp: '²'",  # found by a thorough search
        True,
    ),
    (  # found by a thorough search: Bolt reads the first authorization before any listener
        {
            "type": "event_callback",
            "team_id": "T0",
            "event_id": "Ev1",
            "event": {"type": "x"},
            "authorizations": [None],
        },
        "event_callback: authorizations[0] must be a JSON object, not null",
        False,
    ),
    (
        press(enterprise=5),  # Bolt reads it too, so nobody can be told
        "block_actions: enterprise must be an id or a JSON object, not a number",
        False,
    ),
    (
        {"type": "event_callback", "team_id": "T0", "event_id": "Ev1", "event": {"type": "team_join", "user": "U1"}},
        "event_callback: event.user must be a JSON object, not a string",
        False,
    ),
    (
        {"type": "event_callback", "team_id": "T0", "event_id": "Ev1"}
        | {"event": {"type": "user_change", "user": USER | {"is_restricted": "false"}}},
        "event_callback: event.user.is_restricted must be true or false, not a string",
        False,
    ),
]


@pytest.mark.parametrize(("body", "reason", "told"), REFUSED, ids=[reason[:60] for _, reason, _ in REFUSED])
def test_an_unreadable_request_is_one_malformed_naming_the_field(body: dict[str, Any], reason: str, told: bool) -> None:
    with pytest.raises(Malformed) as refused:
        shapes.read(body)
    assert shapes.described(body, refused.value).startswith(reason)
    assert (shapes.waiting(body) is not None) == told


def test_an_optional_field_reads_null_and_missing_alike_and_refuses_any_other_type() -> None:
    fields = JsonObject({"a": None, "b": "x", "c": 3}, "top")
    assert fields.maybe_text("a") is fields.maybe_text("missing") is None
    assert fields.maybe_object("a") is None and fields.objects("a") == [] and fields.flag("a") is False
    with pytest.raises(Malformed, match=r"^top\.c must be a string, not a number$"):
        fields.maybe_text("c")
    with pytest.raises(Malformed, match=r"^top\.b must be true or false, not a string$"):
        fields.flag("b")
    with pytest.raises(Malformed, match=r"^top\.a is missing$"):
        fields.object("a")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def places(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        found += places(item, (*prefix, key))
    return found


REAL_BODIES = [corpus_body(path) for path in CORPUS] + [press(), modal({"values": {}})]


def as_sent(body: dict[str, Any]) -> BoltRequest:
    """The body as Bolt receives it: a form's fields, an interaction's payload, or JSON."""
    if "type" not in body:
        return BoltRequest(body=urlencode(body), headers={"content-type": ["application/x-www-form-urlencoded"]})
    if body["type"] in ("url_verification", "event_callback", "app_rate_limited"):
        return BoltRequest(body=json.dumps(body), headers={"content-type": ["application/json"]})
    payload = urlencode({"payload": json.dumps(body)})
    return BoltRequest(body=payload, headers={"content-type": ["application/x-www-form-urlencoded"]})


@given(st.data())
def test_any_value_anywhere_in_a_real_body_reads_or_is_malformed_and_what_goes_on_bolt_reads(
    data: st.DataObject,
) -> None:
    """A body is read into its value, or refused with one Malformed (never another exception);
    and one that goes on to Bolt (read, or someone to tell) is one Bolt builds its request from."""
    original = data.draw(st.sampled_from(REAL_BODIES))
    body = json.loads(json.dumps(original))
    path = data.draw(st.sampled_from(places(body)))
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    values = JSON_VALUES if "type" in original else st.text(max_size=5)  # a form holds strings only
    parent[path[-1]] = data.draw(values)
    try:
        shapes.read(body)
    except Malformed:
        if shapes.waiting(body) is None:
            return  # a 400 before Bolt
    as_sent(body)
