"""`/incident role`: lead, comms and scribe through Bolt's App.dispatch, in-process.

Roles are people, shown by name (never an id, never a ping); every change is one timeline line;
every refusal says why and stores nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from bolt_requests import TEAM
from dispatch_bot import ALICE, BOB, GENERAL, GUEST, DispatchBot, member

from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.view import read_views
from bot.render import blocks
from bot.storage import members, repository

ROBOT, CAROL = "U0ROBOT", "U0CAROL"


def card_fields(bot: DispatchBot) -> list[str]:
    """The fields of INC-1's card as the sender renders it now (read from storage when sent)."""
    with bot.db.read() as session:
        incident_id = repository.get_by_number(session=session, team_id=TEAM, number=1)
    assert incident_id is not None
    [view] = read_views(bot.db, [UpdateCard()], incident_id.id)
    card = blocks.card(view.incident, view.names, bot.settings.zone)
    return [field["text"] for field in card[1]["fields"]]


def timeline_text(bot: DispatchBot, channel: str) -> str:
    return str(bot.command("timeline", channel=channel).json["blocks"])


def test_comms_and_scribe_are_stored_named_in_the_reply_and_invited_to_the_channel(bot: DispatchBot) -> None:
    channel = bot.open()
    before = len(bot.effects())
    answer = bot.command(f"role comms <@{BOB}|bob>", user=ALICE, channel=channel)
    assert answer.text == "INC-1: *bob* is now the comms lead."
    assert sorted(bot.effects()[before:]) == ["card.update", "channel.invite", "timeline.post"]
    answer = bot.command(f"role INC-1 scribe <@{ALICE}>", user=BOB, channel=GENERAL)
    assert answer.text == "INC-1: *alice* is now the scribe."
    incident = bot.incident(1)
    assert (incident.lead, incident.comms, incident.scribe) == (ALICE, BOB, ALICE)
    assert [(entry.kind, entry.actor) for entry in bot.timeline(1)[1:]] == [("role", ALICE), ("role", BOB)]


def test_the_card_shows_every_role_by_name_and_none_when_unset(bot: DispatchBot) -> None:
    channel = bot.open()
    assert card_fields(bot)[2:5] == ["*Lead*\nalice", "*Comms*\nnone", "*Scribe*\nnone"]
    bot.command(f"role comms <@{BOB}>", channel=channel)
    fields = card_fields(bot)
    assert fields[2:5] == ["*Lead*\nalice", "*Comms*\nbob", "*Scribe*\nnone"]
    assert BOB not in str(fields)


def test_each_role_change_is_a_timeline_line_by_name(bot: DispatchBot) -> None:
    channel = bot.open()
    bot.command(f"role comms <@{BOB}>", channel=channel)
    bot.command(f"role scribe <@{BOB}>", channel=channel)
    bot.command("role scribe none", channel=channel)
    text = timeline_text(bot, channel)
    assert "*alice* made *bob* the comms lead" in text
    assert "*alice* made *bob* the scribe" in text
    assert "*alice* cleared the scribe role" in text
    assert BOB not in text and "<@" not in text


def test_clearing_a_role_stores_none_and_queues_no_invitation(bot: DispatchBot) -> None:
    channel = bot.open()
    bot.command(f"role comms <@{BOB}>", channel=channel)
    before = len(bot.effects())
    answer = bot.command("role comms NONE", user=BOB, channel=channel)
    assert answer.text == "INC-1: the comms role is cleared."
    assert bot.incident(1).comms is None
    assert (bot.timeline(1)[-1].kind, bot.timeline(1)[-1].text) == ("role", "comms")
    assert sorted(bot.effects()[before:]) == ["card.update", "timeline.post"]


@pytest.mark.parametrize("words", [f"role lead <@{BOB}>", f"lead <@{BOB}>"])
def test_role_lead_is_the_lead_command_and_updates_the_topic(bot: DispatchBot, words: str) -> None:
    channel = bot.open()
    before = len(bot.effects())
    answer = bot.command(words, channel=channel)
    assert answer.text == "INC-1: *bob* is now the incident lead."
    assert bot.incident(1).lead == BOB
    assert (bot.timeline(1)[-1].kind, bot.timeline(1)[-1].text) == ("lead", BOB)
    assert sorted(bot.effects()[before:]) == ["card.update", "channel.invite", "channel.topic", "timeline.post"]
    assert "made *bob* the incident lead" in timeline_text(bot, channel)


def test_a_role_holder_made_lead_is_not_invited_again(bot: DispatchBot) -> None:
    channel = bot.open()
    bot.command(f"role scribe <@{BOB}>", channel=channel)
    before = len(bot.effects())
    bot.command(f"role lead <@{BOB}>", channel=channel)
    assert "channel.invite" not in bot.effects()[before:]


def test_someone_the_bot_does_not_know_yet_can_hold_a_role_and_shows_as_someone(bot: DispatchBot) -> None:
    channel = bot.open()
    answer = bot.command(f"role comms <@{CAROL}>", channel=channel)
    assert answer.text == "INC-1: *someone* is now the comms lead."
    assert bot.incident(1).comms == CAROL
    assert CAROL not in timeline_text(bot, channel)


REFUSALS = [
    # words, the reply (after ":warning: ")
    ("role", "Which role? Use lead, comms or scribe."),
    (f"role boss <@{BOB}>", "'boss' is not a role. Use lead, comms or scribe."),
    ("role comms", "Who should take the comms role? Mention the person"),
    ("role comms bob", "Who should take the comms role? Mention the person"),
    (f"role comms <@{BOB}> <@{ALICE}>", "Mention exactly one person"),
    ("role comms <@U0BOB> --at 10m ago", "`/incident role` does not take --at"),
]


@pytest.mark.parametrize(("words", "reply"), REFUSALS, ids=[words for words, _ in REFUSALS])
def test_a_malformed_role_command_says_what_is_wrong_with_the_usage_and_stores_nothing(
    bot: DispatchBot, unchanged: Any, words: str, reply: str
) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command(words, channel=channel)
    assert answer.text.startswith(f":warning: {reply}")
    assert answer.text.endswith("\n`/incident role [INC-n] &lt;lead|comms|scribe&gt; &lt;@person|none&gt;`")
    assert answer.json["response_type"] == "ephemeral"


def refuse(bot: DispatchBot, unchanged: Any, words: str, *, channel: str) -> str:
    with unchanged(bot.db):
        answer = bot.command(words, user=BOB, channel=channel)
    assert answer.json["response_type"] == "ephemeral"
    return answer.text


def test_the_lead_cannot_be_cleared(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    assert refuse(bot, unchanged, "role lead none", channel=channel) == (
        ":warning: INC-1 always has a lead, so the lead cannot be cleared: "
        "make someone else the lead with `/incident role INC-1 lead @person`."
    )


def test_a_bot_a_guest_or_a_deactivated_account_cannot_hold_a_role(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    with bot.db.write() as session:
        known = [member(ROBOT, is_bot=True), member(CAROL, deleted=True)]
        members.put(session=session, members=known, learned_at=bot.service.clock())
    assert refuse(bot, unchanged, f"role comms <@{ROBOT}>", channel=channel) == (
        ":warning: An app or bot cannot be the comms lead: mention a person."
    )
    assert refuse(bot, unchanged, f"role scribe <@{GUEST}>", channel=channel) == (
        ":warning: A workspace guest cannot be the scribe: mention a member of the team."
    )
    assert refuse(bot, unchanged, f"lead <@{GUEST}>", channel=channel) == (
        ":warning: A workspace guest cannot be the incident lead: mention a member of the team."
    )
    assert refuse(bot, unchanged, f"role lead <@{CAROL}>", channel=channel) == (
        ":warning: That Slack account is deactivated, so it cannot be the incident lead."
    )


def test_setting_the_same_person_again_is_refused(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    bot.command(f"role comms <@{BOB}>", channel=channel)
    assert refuse(bot, unchanged, f"role comms <@{BOB}>", channel=channel) == (
        ":warning: That person is already the comms lead of INC-1."
    )
    assert refuse(bot, unchanged, f"role lead <@{ALICE}>", channel=channel) == (
        ":warning: That person is already the lead of INC-1."
    )


def test_clearing_an_unset_role_is_refused(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    assert refuse(bot, unchanged, "role scribe none", channel=channel) == (
        ":warning: INC-1 has no scribe: there is nothing to clear."
    )


def test_a_role_on_an_unknown_incident_is_refused(bot: DispatchBot, unchanged: Any) -> None:
    bot.open()
    assert refuse(bot, unchanged, f"role INC-9 comms <@{ALICE}>", channel=GENERAL) == (
        ":warning: There is no INC-9 in this workspace."
    )


def test_a_guest_cannot_assign_a_role(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open()
    with unchanged(bot.db):
        answer = bot.command(f"role comms <@{BOB}>", user=GUEST, channel=channel)
    assert answer.text.startswith(":warning: Workspace guests cannot change incidents.")


def test_help_lists_the_role_usage_line(bot: DispatchBot) -> None:
    assert "`/incident role [INC-n] &lt;lead|comms|scribe&gt; &lt;@person|none&gt;`" in bot.command("help").text
