"""Private incidents through Bolt's App.dispatch (docs/behaviour.md, Private incidents): opened with
`--private` or the modal's box, never announced, hidden from `list` and `timeline` outside its
people and its channel, Publish refused until someone makes it public. Bad input stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from bolt_requests import button, text_input, view_submission
from dispatch_bot import ALICE, BOB, GENERAL, GUEST, DispatchBot
from sqlalchemy import text

OPENING = ["channel.create", "channel.invite", "channel.topic", "card.post", "timeline.post", "reply.channel_ready"]


def open_private(bot: DispatchBot, words: str = "open --private sev1 Payroll data exposed") -> str:
    """A private INC-n opened by alice; its channel set as the sender would; returns the channel."""
    answer = bot.command(words)
    number = int(answer.text.split("*INC-")[1].split("*")[0])
    channel = f"C0PRIV{number}"
    with bot.db.write() as session:
        session.execute(
            text("UPDATE incident SET channel_id = :c, channel_private = :p WHERE number = :n"),
            {"c": channel, "p": True, "n": number},  # the sender makes a private incident's channel private
        )
    return channel


def listed(bot: DispatchBot, words: str = "list", **asked: Any) -> str:
    return bot.command(words, **asked).body


@pytest.mark.parametrize(
    "words", ["open --private sev1 Payroll data exposed", "open sev1 --private Payroll data exposed"]
)
def test_open_private_makes_a_private_incident_that_is_not_announced(bot: DispatchBot, words: str) -> None:
    answer = bot.command(words)
    assert answer.text.startswith(
        "Opened *INC-1* (sev1, private): Payroll data exposed. I am creating its private channel"
    )
    assert "never appears on the status page or feeds" in answer.text
    incident = bot.incident(1)
    assert (incident.private, incident.title, incident.severity) == (True, "Payroll data exposed", 1)
    assert sorted(bot.effects()) == sorted(OPENING)  # no "announce"


def test_the_modal_private_box_opens_a_private_incident(bot: DispatchBot) -> None:
    values = {
        "title": text_input("Payroll data exposed"),
        "severity": {"value": {"selected_option": {"value": "1"}}},
        "private": {"value": {"type": "checkboxes", "selected_options": [{"value": "private"}]}},
    }
    answer = bot.send(view_submission("incident.open", values, user=ALICE, private_metadata=GENERAL))
    assert (answer.status, answer.body) == (200, "")
    assert bot.incident(1).private is True
    assert "announce" not in bot.effects()


def test_the_modal_without_the_box_ticked_opens_a_public_incident(bot: DispatchBot) -> None:
    values = {
        "title": text_input("Search is down"),
        "severity": {"value": {"selected_option": {"value": "2"}}},
        "private": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    bot.send(view_submission("incident.open", values, user=ALICE, private_metadata=GENERAL))
    assert bot.incident(1).private is False and "announce" in bot.effects()


def test_open_private_without_a_title_asks_in_a_modal_with_the_box_ticked(bot: DispatchBot) -> None:
    answer = bot.command("open --private sev3", trigger_id="trigger.9")
    assert answer.status == 200
    with bot.db.engine.connect() as connection:
        (payload,) = connection.execute(text("SELECT payload FROM effect WHERE kind = 'view.open'")).scalars()
    assert '"private": true' in payload and '"severity": 3' in payload


def test_a_private_incident_is_listed_only_to_its_people_and_in_its_channel(bot: DispatchBot) -> None:
    channel = open_private(bot)
    bot.open("Search is slow")
    for words in ("list", "list all"):
        assert "INC-1" in listed(bot, words, user=ALICE)  # the opener
        assert ":lock: private" in listed(bot, words, user=ALICE)
        outside = listed(bot, words, user=BOB)
        assert "INC-1" not in outside and "Payroll" not in outside and "INC-2" in outside
        assert "INC-1" in listed(bot, words, user=BOB, channel=channel)  # asked from inside its channel
    bot.command(f"role comms <@{BOB}>", channel=channel)
    assert "INC-1" in listed(bot, user=BOB)  # a role holder


REFUSED = "INC-1 is private: only its opener and role holders, or anyone in its own channel, can see or change it."


def test_a_private_timeline_is_refused_outside_and_nothing_is_shown(bot: DispatchBot, unchanged: Any) -> None:
    channel = open_private(bot)
    with unchanged(bot.db):
        answer = bot.command("timeline INC-1", user=BOB)
    assert REFUSED in answer.text
    assert "Payroll" not in answer.body
    assert "Payroll" in str(bot.command("timeline", user=BOB, channel=channel).json["blocks"])


@pytest.mark.parametrize(
    "words",
    [
        "note INC-1 I think the export job is to blame",
        "status INC-1 identified",
        "sev INC-1 3",
        "role INC-1 scribe <@U0BOB>",
        "public INC-1",
        "close INC-1 nothing to see",
        "impact INC-1 Payslips are visible to others",
    ],
)
def test_someone_it_does_not_involve_cannot_change_it_from_outside_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, words: str
) -> None:
    open_private(bot)
    with unchanged(bot.db):
        answer = bot.command(words, user=BOB)
    assert REFUSED in answer.text
    assert "Payroll" not in answer.body


def test_a_public_incident_cannot_be_linked_to_a_private_one_by_someone_it_does_not_involve(
    bot: DispatchBot, unchanged: Any
) -> None:
    open_private(bot)
    public_channel = bot.open("Search is slow")
    with unchanged(bot.db):
        answer = bot.command("related INC-1", user=BOB, channel=public_channel)
    assert REFUSED in answer.text and "Payroll" not in answer.body


def test_its_people_change_it_from_anywhere_and_anyone_from_inside_its_channel(bot: DispatchBot) -> None:
    channel = open_private(bot)
    assert "note added" in bot.command("note INC-1 from the opener, in #general", user=ALICE).text
    assert "note added" in bot.command("note from inside its channel", user=BOB, channel=channel).text
    bot.command(f"role comms <@{BOB}>", channel=channel)
    assert "note added" in bot.command("note INC-1 from the comms lead, in #general", user=BOB).text


def test_publish_is_refused_while_private_and_nothing_is_published(bot: DispatchBot, unchanged: Any) -> None:
    channel = open_private(bot)
    bot.command("draft en long", channel=channel)
    draft = str(bot.drafts()[0][0])
    with unchanged(bot.db):
        assert bot.send(button("draft.publish", draft, user=BOB, channel=channel)).status == 200
    assert "INC-1 is private: nothing of it is published." in bot.after.texts()[-1]
    assert "`/incident public INC-1`" in bot.after.texts()[-1]


def test_making_it_public_records_it_and_publish_then_works(bot: DispatchBot) -> None:
    channel = open_private(bot)
    answer = bot.command("public", channel=channel)
    assert answer.text.startswith("INC-1: now *public*: it appears on the status page and feeds from the next update")
    assert (bot.timeline(1)[-1].kind, bot.timeline(1)[-1].text) == ("visibility", "public")
    assert bot.incident(1).private is False
    bot.command("draft en long", channel=channel)
    draft = str(bot.drafts()[0][0])
    bot.send(button("draft.publish", draft, user=BOB, channel=channel))
    assert bot.drafts()[0][3] == "published"


def test_making_a_public_incident_private_hides_it_and_stops_its_announcements(bot: DispatchBot) -> None:
    channel = bot.open()
    answer = bot.command("private", channel=channel)
    assert answer.text.startswith("INC-1: now *private*: off the status page and feeds")
    assert (bot.timeline(1)[-1].kind, bot.timeline(1)[-1].text) == ("visibility", "private")
    before = len(bot.effects())
    bot.command("close", channel=channel)
    assert "announce" not in bot.effects()[before:]
    assert "INC-1" not in listed(bot, "list all", user=BOB)


def test_attack_confirmed_suggests_making_it_private_without_doing_it(bot: DispatchBot) -> None:
    channel = bot.open()
    answer = bot.command("attack confirmed", channel=channel)
    assert "Consider making it private: `/incident private INC-1`" in answer.text
    assert bot.incident(1).private is False
    private = open_private(bot)
    assert "Consider making it private" not in bot.command("attack confirmed", channel=private).text


@pytest.mark.parametrize(
    ("words", "reply"),
    [
        ("public", "INC-1 is already public"),
        ("private INC-2", "INC-2 is already private."),
        ("public INC-9", "There is no INC-9 in this workspace."),
        ("private now please", "Unexpected 'now please': `private` takes only an incident name."),
        ("note --private secret stuff", "`--private` goes only with `open`"),
        ("status INC-1 --private identified", "`--private` goes only with `open`"),
        ("public-title --private Outage", "`--private` goes only with `open`"),
    ],
)
def test_bad_visibility_input_is_refused_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, words: str, reply: str
) -> None:
    channel = bot.open()
    open_private(bot)
    with unchanged(bot.db):
        answer = bot.command(words, channel=channel)
    assert reply in answer.text


@pytest.mark.parametrize("words", ["open --private sev1 Data leak", "private INC-1", "public INC-2"])
def test_a_guest_cannot_open_private_or_change_visibility(bot: DispatchBot, unchanged: Any, words: str) -> None:
    bot.open()
    open_private(bot)
    with unchanged(bot.db):
        answer = bot.command(words, user=GUEST)
    assert answer.text == ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."


def test_open_private_without_anything_else_and_no_trigger_asks_for_a_title(bot: DispatchBot, unchanged: Any) -> None:
    with unchanged(bot.db):
        answer = bot.command("open --private", trigger_id=None)
    assert "Give the incident a title" in answer.text


@pytest.mark.parametrize(
    "first", ["open sev1 Checkout fails for everyone", "open --private sev1 Checkout fails for everyone"]
)
def test_a_public_incident_is_never_told_of_a_similar_private_one(bot: DispatchBot, first: str) -> None:
    bot.command(first)
    bot.command("open sev1 Checkout fails for everyone")
    found = [entry.text for entry in bot.timeline(2) if entry.kind == "related"]
    assert len(found) == (0 if "--private" in first else 1)
