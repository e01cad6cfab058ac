"""`/incident affects` through Bolt's App.dispatch (docs/behaviour.md, Components): the reply, what
is stored, and every bad input refused with its reply and nothing stored."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from bolt_requests import interaction, submitted_view, text_input, view_submission
from dispatch_bot import ALICE, CATALOG, GUEST, DispatchBot
from sqlalchemy import text

from bot.render import open_modal
from bot.slack.answers import UNEXPECTED
from slack_emulator.validation import check_view


def impacts(bot: DispatchBot) -> list[tuple[str, str, bool]]:
    """(component, state, still holding) of every impact, oldest first."""
    with bot.db.engine.connect() as connection:
        rows = connection.execute(text("SELECT component_id, state, ended_at FROM component_impact ORDER BY id"))
        return [(str(row[0]), str(row[1]), row[2] is None) for row in rows]


def test_affects_names_the_component_its_state_and_since_when(bot: DispatchBot) -> None:
    channel = bot.open()
    answer = bot.command("affects Home Page major", channel=channel)
    assert answer.text.startswith("INC-1: Home page: *major outage* since ")
    assert answer.text.endswith("The status page shows it from the incident's first published update on.")
    assert impacts(bot) == [("home", "major_outage", True)]
    assert bot.effects()[-2:] == ["timeline.post", "card.update"], "a line on the timeline and the card updated"


def test_affects_from_elsewhere_takes_the_incident_name_and_statuspage_s_own_words(bot: DispatchBot) -> None:
    bot.open()
    answer = bot.command("affects INC-1 api partial_outage")
    assert answer.text.startswith("INC-1: Public API: *partial outage* since ")
    bot.command("affects inc-1 API degraded")
    bot.command("affects INC-1 public api operational")
    assert impacts(bot) == [("api", "partial_outage", False), ("api", "degraded_performance", False)]


def test_an_internal_component_or_a_private_incident_is_said_never_to_reach_the_page(bot: DispatchBot) -> None:
    channel = bot.open()
    answer = bot.command("affects billing-db major", channel=channel)
    assert answer.text.endswith("It is an internal component: the status page never shows it.")
    bot.command("private", channel=channel)
    answer = bot.command("affects home partial", channel=channel)
    assert answer.text.endswith("The incident is private, so the status page never shows it.")


def test_a_change_is_backdated_like_a_note(bot: DispatchBot) -> None:
    bot.command("open sev1 Home page broken --at 10m ago")
    answer = bot.command("affects INC-1 home major --at 5m ago")
    [entry] = [entry for entry in bot.timeline(1) if entry.kind == "components"]
    assert entry.recorded_at - entry.at == timedelta(minutes=5)
    assert f"{entry.at:%H:%M} UTC." in answer.text  # with its date just after midnight


def test_a_user_typed_name_is_escaped_in_the_refusal(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command("affects <!channel> major", channel=channel)
    assert "<!channel>" not in answer.text and "There is no component “@channel”" in answer.text


USAGE = "`/incident affects [INC-n] &lt;component&gt; &lt;operational|degraded|partial|major&gt; [--at TIME]`"


@pytest.mark.parametrize(
    ("words", "reply", "with_usage"),
    [
        ("affects", "Which component, and how badly? e.g. `/incident affects home major`", True),
        ("affects home", "How badly is “home” affected? End with operational, degraded, partial or major", True),
        (
            "affects Home page down",
            "“down” is not a state: end with operational, degraded, partial or major, "
            "e.g. `/incident affects Home page major`.",
            True,
        ),
        ("affects home broken", "“broken” is not a state: end with", True),
        ("affects Home page", "How badly is “Home page” affected? End with", True),
        (
            "affects home major extra words",
            "Put the state last, with nothing after it (not “extra words”): `/incident affects home major`.",
            True,
        ),
        ("affects home partial --private", "(not “--private”): `/incident affects home partial`.", True),
        (
            "affects hom broken",
            "“broken” is not a state, and there is no component “hom broken” nor “hom”: name "
            "a component, then end with operational, degraded, partial or major, e.g. `/incident affects home major`",
            True,
        ),
        ("affects major", "Which component is major? Name it first: `/incident affects home major`.", True),
        ("affects hom major", "There is no component “hom”. Did you mean Home page (`home`)?", True),
        ("affects <@U0BOB|bob> major", "There is no component “@bob”. The catalog has", True),  # as they read it
        ("affects home <@U0BOB|bob>", "“@bob” is not a state: end with", True),
        ("affects <@U0BOB|bob> <!channel>", "there is no component “@bob @channel” nor “@bob”", True),
        ("affects kubernetes major", "The catalog has Home page (`home`), Public API (`api`), Billing database", True),
        ("affects home partial --at", "Give a time after --at", True),
        ("affects home major", "INC-1 already affects Home page: major outage.", False),
        ("affects api operational", "INC-1 does not affect Public API: there is nothing to set back", False),
        ("affects INC-9 home major", "There is no INC-9 in this workspace.", False),
        ("affects home partial --at 1h ago", "is before INC-1 started", False),
        ("affects home partial --at tomorrow", "tomorrow", False),
    ],
)
def test_bad_affects_input_is_refused_with_its_reply_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, words: str, reply: str, with_usage: bool
) -> None:
    channel = bot.open()
    bot.command("affects home major", channel=channel)
    with unchanged(bot.db):
        answer = bot.command(words, channel=channel)
    assert answer.text.startswith(":warning:")
    assert reply in answer.text
    assert (USAGE in answer.text) is with_usage


def test_outside_an_incident_channel_affects_needs_the_incident(bot: DispatchBot, unchanged: Any) -> None:
    bot.open()
    with unchanged(bot.db):
        answer = bot.command("affects home major")
    assert "This is not an incident channel" in answer.text


def test_a_resolved_incident_refuses_and_says_how_to_reopen(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    bot.command("close", channel=channel)
    with unchanged(bot.db):
        answer = bot.command("affects home major", channel=channel)
    assert "INC-1 is resolved: what it affects changed back to operational then." in answer.text
    assert "`/incident reopen INC-1`" in answer.text


def test_a_guest_cannot_change_what_an_incident_affects(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command("affects home major", user=GUEST, channel=channel)
    assert answer.text == ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."


def test_closing_returns_the_components_and_the_help_lists_affects(bot: DispatchBot) -> None:
    channel = bot.open()
    bot.command("affects home major", channel=channel)
    bot.command("close", channel=channel)
    assert impacts(bot) == [("home", "major_outage", False)]
    assert "`/incident affects [INC-n] &lt;component&gt;" in bot.command("help").text


# --- the open modal offers the catalog -----------------------------------------------------------


def modal_values(*components: str, state: str | None = None, title: str = "Home page broken") -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": text_input(title),
        "severity": {"value": {"selected_option": {"value": "2"}}},
        "components": {
            "value": {"type": "multi_static_select", "selected_options": [{"value": c} for c in components]}
        },
    }
    if state is not None:
        values["component_state"] = {"value": {"type": "static_select", "selected_option": {"value": state}}}
    return values


def test_the_open_modal_offers_every_component_grouped_and_how_badly_and_slack_accepts_it() -> None:
    modal = open_modal.open_modal(components=CATALOG.components, language="fr")
    check_view(modal)
    chosen, how = [block for block in modal["blocks"] if block["block_id"] in ("components", "component_state")]
    groups = chosen["element"]["option_groups"]
    assert [(g["label"]["text"], [o["text"]["text"] for o in g["options"]]) for g in groups] == [
        ("Web", ["Page d'accueil", "Public API"]),
        ("Other", ["Billing database (internal)"]),
    ]
    assert [o["value"] for g in groups for o in g["options"]] == ["home", "api", "billing-db"]
    assert chosen["optional"] and how["optional"]
    assert [o["value"] for o in how["element"]["options"]] == ["degraded_performance", "partial_outage", "major_outage"]
    assert how["element"]["initial_option"]["value"] == "partial_outage"
    assert [block["block_id"] for block in open_modal.open_modal()["blocks"]] == ["title", "severity", "private"]


def test_components_chosen_in_the_open_modal_are_affected_from_the_start(bot: DispatchBot) -> None:
    values = modal_values("home", "billing-db", state="major_outage")
    answer = bot.send(view_submission("incident.open", values, user=ALICE, private_metadata="C0GENERAL"))
    assert (answer.status, answer.body) == (200, "")
    assert impacts(bot) == [("home", "major_outage", True), ("billing-db", "major_outage", True)]
    opened, affected = bot.timeline(1)[:2]
    assert affected.kind == "components" and affected.at == opened.at, "from the impact's start"


def test_components_chosen_without_saying_how_badly_are_a_partial_outage(bot: DispatchBot) -> None:
    answer = bot.send(view_submission("incident.open", modal_values("api"), user=ALICE, private_metadata="C0GENERAL"))
    assert (answer.status, answer.body) == (200, "")
    assert impacts(bot) == [("api", "partial_outage", True)]


@pytest.mark.parametrize(
    ("chosen", "state", "error"),
    [
        (("home", "search"), None, "The catalog has no component `search` any more: close this and open the modal"),
        (("home",), "operational", "Choose how badly they are affected: degraded performance, partial or major"),
        (("home",), "down", "Choose how badly they are affected"),
    ],
)
def test_a_component_the_catalog_no_longer_has_or_a_state_not_offered_is_refused_in_the_modal_storing_nothing(
    bot: DispatchBot, unchanged: Any, chosen: tuple[str, ...], state: str | None, error: str
) -> None:
    with unchanged(bot.db):
        answer = bot.send(
            view_submission(
                "incident.open", modal_values(*chosen, state=state), user=ALICE, private_metadata="C0GENERAL"
            )
        )
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"]["components"].startswith(error)


def test_components_slack_sent_garbled_are_answered_in_the_modal_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any
) -> None:
    payload = submitted_view("incident.open", modal_values("home"), user=ALICE, private_metadata="C0GENERAL")
    payload["view"]["state"]["values"]["components"]["value"]["selected_options"] = "home"
    with unchanged(bot.db):
        answer = bot.send(interaction(payload))
    assert answer.json["response_action"] == "update"
    assert [block["text"]["text"] for block in answer.json["view"]["blocks"]] == [UNEXPECTED]


def suggestion(**fields: Any) -> dict[str, Any]:
    """A `block_suggestion`: the person typed in a modal's menu of external options."""
    return {
        "type": "block_suggestion",
        "team": {"id": "T0DISPATCH", "domain": "dispatch"},
        "user": {"id": ALICE, "team_id": "T0DISPATCH"},
        "api_app_id": "A0DISPATCH",
        "container": {"type": "view", "view_id": "V0OPEN"},
        "action_id": "value",
        "block_id": "components",
        "value": "api",
    } | fields


def test_the_menu_s_typeahead_answers_the_components_matching_what_was_typed(bot: DispatchBot) -> None:
    answer = bot.send(interaction(suggestion(value="PUBLIC")))
    assert answer.status == 200
    assert json.loads(answer.body) == {
        "option_groups": [
            {"label": {"type": "plain_text", "text": "Web", "emoji": True},
             "options": [{"text": {"type": "plain_text", "text": "Public API", "emoji": True}, "value": "api"}]}
        ]
    }  # fmt: skip
    assert json.loads(bot.send(interaction(suggestion(block_id="elsewhere"))).body) == {"options": []}


def test_a_typeahead_request_without_its_action_is_refused_with_400_and_nothing_changes(
    bot: DispatchBot, unchanged: Any
) -> None:
    garbled = suggestion()
    del garbled["action_id"]
    with unchanged(bot.db):
        answer = bot.send(interaction(garbled))
    assert (answer.status, json.loads(answer.body)) == (400, {"error": "block_suggestion: action_id is missing"})
