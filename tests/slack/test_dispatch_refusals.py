"""Refusals through Bolt's App.dispatch: guests, malformed commands, unknown incidents, forged
requests. Each says why (or answers 401) and stores nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from bolt_requests import TEAM, button, event, message_shortcut, slash, text_input, view_submission
from dispatch_bot import ALICE, BOB, GENERAL, GUEST, STRANGER, DispatchBot

GUESTS_REFUSED = ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."

INCIDENT_CHANGES = [
    "status monitoring fix deployed",
    "close",
    "note restarted the workers",
    "impact Payments fail",
    "public-title Checkout errors",
    "sev 1",
    f"lead <@{GUEST}>",
    "attack suspected",
    "draft",
]


@pytest.mark.parametrize("words", ["open sev1 Everything is down", *INCIDENT_CHANGES])
def test_a_guest_is_refused_every_change_and_nothing_is_stored(bot: DispatchBot, unchanged: Any, words: str) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command(words, user=GUEST, channel=channel)
    assert answer.text == GUESTS_REFUSED


@pytest.mark.parametrize("words", ["timeline", "timeline INC-1", "list", "list all", "stats 90d", "subscribers"])
def test_a_guest_reads_nothing_by_default_and_nothing_is_stored(bot: DispatchBot, unchanged: Any, words: str) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command(words, user=GUEST, channel=channel)
    assert answer.json == {
        "response_type": "ephemeral",
        "text": ":warning: Workspace guests cannot read incidents here. Ask a member of the team.",
    }


@pytest.mark.parametrize(
    "action_id", ["incident.status.identified", "incident.close", "incident.draft", "incident.assess.no-evidence"]
)
def test_a_guest_pressing_a_card_button_is_told_why_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, action_id: str
) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        assert bot.send(button(action_id, "1", user=GUEST, channel=channel)).status == 200
    assert bot.after.texts() == [GUESTS_REFUSED]


def test_a_guest_cannot_publish_or_discard_a_draft_or_copy_or_pin_a_message(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    bot.command("draft", channel=channel)
    draft = str(bot.drafts()[0][0])
    message = {"type": "message", "user": BOB, "text": "db failover done", "ts": f"{time.time():.6f}"}
    pin = {"type": "reaction_added", "user": GUEST, "reaction": "pushpin"}
    with unchanged(bot.db):
        assert bot.send(button("draft.publish", draft, user=GUEST, channel=channel)).status == 200
        assert bot.send(button("draft.discard", draft, user=GUEST, channel=channel)).status == 200
        assert (
            bot.send(message_shortcut("incident.add_to_timeline", message, user=GUEST, channel=channel)).status == 200
        )
        item = {"type": "message", "channel": channel, "ts": message["ts"]}
        assert bot.send(event({**pin, "item": item}, event_id="Ev0GUESTPIN")).status == 200
    assert bot.after.texts() == [GUESTS_REFUSED] * 3


def test_a_guest_submitting_the_open_modal_sees_the_refusal_in_it(bot: DispatchBot, unchanged: Any) -> None:
    values = {"title": text_input("Search is down"), "severity": {"value": {"selected_option": {"value": "1"}}}}
    with unchanged(bot.db):
        answer = bot.send(view_submission("incident.open", values, user=GUEST, private_metadata=GENERAL))
    assert answer.json["response_action"] == "errors"
    assert "Workspace guests cannot change incidents" in answer.json["errors"]["title"]


def test_a_deactivated_account_is_refused(bot: DispatchBot, unchanged: Any) -> None:
    deactivated = {"id": BOB, "team_id": TEAM, "name": "bob", "deleted": True, "profile": {"display_name": "bob"}}
    assert bot.send(event({"type": "user_change", "user": deactivated}, event_id="Ev0DEACT")).status == 200
    with unchanged(bot.db):
        answer = bot.command("open Everything is down", user=BOB)
    assert answer.text == ":warning: This Slack account is deactivated, so it cannot change incidents."


@pytest.mark.parametrize(
    ("words", "reply"),
    [
        ("status", "Which status? Use investigating, identified, monitoring or resolved."),
        ("sev 9", "'9' is not a severity: severities go from sev1 (the most severe) to sev4."),
        ("open sev9 Search down", "'sev9' is not a severity"),
        ("lead nobody", "Who should lead? Mention the person"),
        ("note", "What should the note say?"),
        ("public-title", "What should the public read?"),
        ("public-title :fire:", "The public title is empty"),
        (f"public-title {'x' * 151}", "The public title is 151 characters long; the limit is 150."),
        ("attack maybe", "'maybe' is not an assessment."),
        ("draft klingon", "'klingon' is neither a language code"),
        ("frobnicate now", "Unknown subcommand 'frobnicate'."),
        ("stauts monitoring", "Did you mean `status`?"),
    ],
)
def test_a_malformed_command_says_what_is_wrong_shows_the_usage_and_stores_nothing(
    bot: DispatchBot, unchanged: Any, words: str, reply: str
) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command(words, user=BOB, channel=channel)
    assert answer.text.startswith(":warning: ") and reply in answer.text
    assert "`/incident " in answer.text
    assert answer.json["response_type"] == "ephemeral"


def test_a_draft_in_a_language_without_wording_says_which_exist_and_stores_nothing(
    bot: DispatchBot, unchanged: Any
) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command("draft es", user=BOB, channel=channel)
    assert answer.text == (
        ":warning: There is no wording in 'es' yet; available: en, fr.\n"
        "`/incident draft [INC-n] [en|fr|...] [short|long]`"
    )


def test_an_unreadable_at_time_says_which_forms_work_and_stores_nothing(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command("status monitoring fix deployed --at yesterday-ish", user=BOB, channel=channel)
    assert answer.text.startswith(":warning: 'yesterday-ish' is not a time I can read. Use HH:MM")


@pytest.mark.parametrize("words", ["status INC-9 monitoring", "note INC-9 hello", "close INC-9", "timeline INC-9"])
def test_an_unknown_incident_is_named_in_the_refusal_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, words: str
) -> None:
    bot.open()
    with unchanged(bot.db):
        assert bot.command(words, user=BOB).text == ":warning: There is no INC-9 in this workspace."


def test_a_change_outside_an_incident_channel_without_inc_n_says_how_to_name_it(
    bot: DispatchBot, unchanged: Any
) -> None:
    bot.open()
    with unchanged(bot.db):
        answer = bot.command("note restarted the workers", user=BOB, channel=GENERAL)
    assert answer.text.startswith(":warning: This is not an incident channel: name the incident")


# Typed in #general without INC-n: the refusal's example is the command typed, written with an
# INC-n (tester F10: every one of them showed `/incident note INC-7 <text>`).
NO_INCIDENT_HERE = [
    (f"page <@{BOB}>", "`/incident page INC-7 &lt;@person|@group|component&gt; ...`."),
    (
        "affects home major",
        "`/incident affects INC-7 &lt;component&gt; &lt;operational|degraded|partial|major&gt; [--at TIME]`.",
    ),
    (
        "status monitoring fixed",
        "`/incident status INC-7 &lt;investigating|identified|monitoring|resolved&gt; [message] [--at TIME]`.",
    ),
    ("sev 1", "`/incident sev INC-7 &lt;1-4&gt;`."),
    ("retro", "`/incident retro INC-7`."),
    ("followup check the disks", "`/incident followup INC-7 &lt;text&gt; [@owner] [due YYYY-MM-DD]`."),
    ("note restarted the workers", "`/incident note INC-7 &lt;text&gt; [--at TIME]`."),
]


@pytest.mark.parametrize(("words", "example"), NO_INCIDENT_HERE, ids=[w.split()[0] for w, _ in NO_INCIDENT_HERE])
def test_a_command_outside_an_incident_channel_without_inc_n_shows_itself_with_an_inc_n(
    bot: DispatchBot, unchanged: Any, words: str, example: str
) -> None:
    bot.open()
    with unchanged(bot.db):
        answer = bot.command(words, user=BOB, channel=GENERAL)
    assert answer.text == (
        f":warning: This is not an incident channel: name the incident right after the subcommand, e.g. {example}"
    )


def test_a_card_button_for_an_unknown_incident_is_refused_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any
) -> None:
    bot.open()
    with unchanged(bot.db):
        assert bot.send(button("incident.close", "9", user=BOB, channel=GENERAL)).status == 200
    assert bot.after.texts() == [":warning: There is no INC-9 in this workspace."]


# Typed by alice in #general with INC-1 open: what each says is wrong. A few of them also run end
# to end over HTTP against the emulator (tests/e2e/test_e2e_safety.py).
MALFORMED = [
    ("frobnicate", "frobnicate"),
    ("open sev9 Database down", "sev9"),
    ("status INC-1", "Which status?"),
    ("status INC-1 fixed", "fixed"),
    ("note INC-1", "note"),
    ("note INC-1 " + "x" * 3001, "the limit is 3000"),
    ("open " + "t" * 151, "the limit is 150"),
    ("sev INC-1 7", "7"),
    ("lead INC-1 bob", "Mention the person"),
    ("attack INC-1 maybe", "maybe"),
    ("impact INC-1 --at 10:00 users see errors", "--at"),
    ("note INC-1 checked logs --at", "--at"),
    ("note INC-1 checked logs --at 25:99", "25:99 is not a time of day"),
    ("note INC-1 checked logs --at 2022-02-30 10:00", "February 2022 has 28 days"),
    ("note INC-1 checked logs --at 10:00 Mars/Olympus", "Unknown time zone"),
    ("note INC-1 checked logs --at 2099-01-01 10:00", "in the future"),
    ("note INC-1 checked logs --at 2020-01-01 10:00", "before INC-1 started"),
    ("note INC-99 hello", "There is no INC-99"),
    ("note hello from general", "not an incident channel"),
    ("draft INC-1 xx", "no wording in 'xx'"),
]


@pytest.mark.parametrize(("words", "expected"), MALFORMED, ids=[m[0][:40] for m in MALFORMED])
def test_a_malformed_command_from_elsewhere_gets_what_is_wrong_and_nothing_is_stored_or_sent(
    bot: DispatchBot, unchanged: Any, words: str, expected: str
) -> None:
    bot.open()
    with unchanged(bot.db):
        answer = bot.command(words, user=ALICE, channel=GENERAL)
    reply = answer.text
    assert reply.startswith(":warning:")
    assert expected in reply.replace("&lt;", "<").replace("&gt;", ">")
    assert bot.after.responses == []  # no follow-up to send after the ack
    assert bot.slack.calls == [], "nothing was sent to Slack"


def test_usage_lines_are_shown_with_the_error(bot: DispatchBot) -> None:
    reply = bot.command("status INC-1").text
    assert "/incident status [INC-n] &lt;investigating|identified|monitoring|resolved&gt;" in reply


@pytest.mark.parametrize("kind", ["slash command", "button", "event"])
def test_a_request_with_a_bad_signature_gets_401_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, kind: str
) -> None:
    channel = bot.open()
    forged = {
        "slash command": lambda: slash("close", user=BOB, channel=channel, secret="not-the-secret"),
        "button": lambda: button("incident.close", "1", user=BOB, channel=channel),
        "event": lambda: event({"type": "reaction_added", "user": BOB, "reaction": "pushpin", "item": {}}),
    }[kind]()
    if kind != "slash command":  # signed right, then tampered with
        forged.headers["x-slack-signature"] = ["v0=" + "0" * 64]
    notified = bot.after.notified
    with unchanged(bot.db):
        assert bot.send(forged).status == 401
    assert bot.after.notified == notified and bot.after.responses == []


def test_someone_unknown_costs_one_users_info_call_and_is_told_slack_could_not_say(
    bot: DispatchBot, unchanged: Any
) -> None:
    """The tripwire at work: the only path that may call Slack before the ack is the lookup of
    someone the bot has never heard of, and that call is what the tripwire sees."""
    with unchanged(bot.db):
        answer = bot.command("open Everything is down", user=STRANGER)
    assert answer.text.startswith(":warning: I could not check your Slack account: I have not seen it before")
    assert len(bot.slack.calls) == 1 and bot.slack.calls[0].startswith("POST /api/users.info")
    bot.slack.calls.clear()


def test_a_known_member_opens_an_incident_without_slack_being_asked_anything(bot: DispatchBot) -> None:
    assert bot.command("open sev1 Everything is down", user=ALICE).text.startswith(
        "Opened *INC-1* (sev1): Everything is down."
    )
    assert [incident.title for incident in bot.service.list_incidents(team_id=TEAM, everything=True)] == [
        "Everything is down"
    ]
    assert bot.slack.calls == []
