"""Declaring an incident from a message and from the lightning menu, through `App.dispatch`: the
modal is recorded for after the ack (Slack untouched), prefilled from the message, and once
submitted the incident's timeline starts with that message."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from bolt_requests import RESPONSE_URL, TEAM, interaction, message_shortcut, text_input, view_submission
from dispatch_bot import ALICE, BOB, GENERAL, GUEST, DispatchBot
from sqlalchemy import text

from bot.domain.incident import EntryKind
from bot.render import actions
from bot.slack.answers import UNEXPECTED

SEV1 = {"value": {"selected_option": {"value": "1"}}}


def said(words: str, *, ts: float | None = None, **more: Any) -> dict[str, Any]:
    """A message bob posted in #general `ts` (default: ten minutes ago)."""
    posted = time.time() - 600 if ts is None else ts
    return {"type": "message", "user": BOB, "text": words, "ts": f"{posted:.6f}", **more}


def modal_recorded(bot: DispatchBot, kind: str = "view.open") -> dict[str, Any]:
    """The newest modal the outbox holds for after the ack, as its row's payload says."""
    with bot.db.engine.connect() as connection:
        payload = connection.execute(
            text("SELECT payload FROM effect WHERE kind = :k ORDER BY id DESC LIMIT 1"), {"k": kind}
        ).scalar_one()
    found: dict[str, Any] = json.loads(payload)
    return found


def declared(bot: DispatchBot, message: dict[str, Any], *, user: str = ALICE) -> dict[str, Any]:
    """Run *Declare incident from message* on `message` in #general; the modal recorded."""
    answer = bot.send(message_shortcut(actions.DECLARE_FROM_MESSAGE, message, user=user, channel=GENERAL))
    assert (answer.status, answer.body) == (200, "")
    return modal_recorded(bot)


def submit(bot: DispatchBot, metadata: str, title: str = "Checkout throws 500s") -> Any:
    values = {"title": text_input(title), "severity": SEV1}
    return bot.send(view_submission(actions.OPEN_MODAL, values, user=ALICE, private_metadata=metadata))


def test_declaring_from_a_message_prefills_its_words_and_the_timeline_starts_with_it(bot: DispatchBot) -> None:
    message = said("checkout is throwing 500s since the deploy")
    modal = declared(bot, message)
    assert modal["modal"]["title"] == "checkout is throwing 500s since the deploy"
    assert modal["modal"]["from_message"] is True
    assert modal["modal"]["message_channel"] == GENERAL  # whether it is private: asked when sent, after the ack
    assert bot.after.responses == []  # nothing to say: the modal is the answer

    answer = submit(bot, modal["modal"]["private_metadata"], "Checkout throws 500s")
    assert (answer.status, answer.body) == (200, "")
    incident = bot.incident(1)
    assert incident.title == "Checkout throws 500s" and incident.severity == 1
    first, opened = bot.timeline(1)[:2]
    assert (first.kind, first.actor, first.text) == (
        EntryKind.MESSAGE,
        BOB,
        "checkout is throwing 500s since the deploy",
    )
    assert first.source == f"{GENERAL}/{message['ts']}"
    assert first.at.timestamp() == pytest.approx(float(message["ts"]), abs=0.001)
    assert opened.kind is EntryKind.OPENED
    assert incident.impact_started_at == first.at  # the message was the first sign of it
    effects = bot.effects()
    assert effects.index("message.link") < effects.index("timeline.post")  # the link is known before its line goes
    assert effects[-1] == "reply.channel_ready"


def test_the_title_reads_the_markup_as_the_timeline_does_on_one_line(bot: DispatchBot) -> None:
    words = f"<@{ALICE}> checkout\n<https://grafana.example.com/d/1|dashboard> red <!here> :fire: &lt;b&gt;"
    modal = declared(bot, said(words))
    assert modal["modal"]["title"] == "@alice checkout dashboard red @here :fire: <b>"


def test_a_long_message_is_cut_in_the_title_and_carried_whole_up_to_slacks_metadata_limit(bot: DispatchBot) -> None:
    words = "checkout " * 600  # 5,400 characters
    modal = declared(bot, said(words))
    title, metadata = modal["modal"]["title"], modal["modal"]["private_metadata"]
    assert len(title) <= 150 and title.endswith("…")
    assert len(metadata) <= 3000 and json.loads(metadata)["message"]["text"].endswith("…")
    submit(bot, metadata)
    assert bot.timeline(1)[0].text.startswith("checkout checkout") and bot.timeline(1)[0].text.endswith("…")


def test_a_message_older_than_twelve_hours_is_copied_but_the_incident_starts_now(bot: DispatchBot) -> None:
    modal = declared(bot, said("disk almost full on db-2", ts=time.time() - 13 * 3600))
    before = time.time()
    submit(bot, modal["modal"]["private_metadata"])
    incident = bot.incident(1)
    assert incident.impact_started_at.timestamp() >= before - 1
    first = bot.timeline(1)[0]
    assert (first.kind, first.text) == (EntryKind.MESSAGE, "disk almost full on db-2")


def test_an_integrations_message_is_copied_under_its_name(bot: DispatchBot) -> None:
    alert = {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B0GRAFANA",
        "username": "Grafana",
        "ts": f"{time.time() - 60:.6f}",
        "attachments": [{"title": "[FIRING] Checkout 5xx > 5%", "text": "checkout-api"}],
    }
    modal = declared(bot, alert)
    assert modal["modal"]["title"] == "[FIRING] Checkout 5xx > 5% checkout-api"
    submit(bot, modal["modal"]["private_metadata"])
    first = bot.timeline(1)[0]
    assert (first.actor, first.text) == ("B0GRAFANA", "[FIRING] Checkout 5xx > 5%\ncheckout-api")
    assert bot.service.names_for(bot.incident(1), [first])["B0GRAFANA"] == "Grafana"


def test_a_guest_is_refused_at_the_shortcuts_response_url_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any
) -> None:
    with unchanged(bot.db):
        answer = bot.send(message_shortcut(actions.DECLARE_FROM_MESSAGE, said("down"), user=GUEST, channel=GENERAL))
    assert (answer.status, answer.body) == (200, "")
    assert bot.after.responses[-1][0] == RESPONSE_URL
    assert bot.after.texts() == [
        ":warning: Workspace guests cannot change incidents. Ask a member of the team to do it."
    ]


def test_a_modal_whose_message_metadata_came_back_garbled_is_answered_in_the_modal_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any
) -> None:
    with unchanged(bot.db):
        answer = submit(bot, '{"channel": "C0GENERAL", "message": {"channel": "C0GENERAL", "ts": "soon"}}')
    assert answer.json == {"response_action": "errors", "errors": {"title": UNEXPECTED}}


def global_shortcut(*, user: str) -> Any:
    return interaction(
        {
            "type": "shortcut",
            "callback_id": actions.DECLARE,
            "team": {"id": TEAM, "domain": "dispatch"},
            "user": {"id": user, "team_id": TEAM},
            "trigger_id": "trigger.5",
            "action_ts": "1700000001.000200",
        }
    )


def test_the_lightning_menus_declare_incident_records_the_empty_open_modal(bot: DispatchBot) -> None:
    answer = bot.send(global_shortcut(user=BOB))
    assert (answer.status, answer.body) == (200, "")
    modal = modal_recorded(bot)
    assert modal == {"modal": {"private_metadata": "", "severity": 2}, "trigger_id": "trigger.5"}
    submit(bot, "")
    assert bot.incident(1).lead == ALICE and bot.effects()[-1] == "reply.channel_ready"


def test_a_guest_using_the_lightning_menu_is_told_in_a_modal_and_no_incident_is_stored(bot: DispatchBot) -> None:
    answer = bot.send(global_shortcut(user=GUEST))
    assert (answer.status, answer.body) == (200, "")
    assert bot.effects() == ["view.notice"]  # the only answer that reaches someone with no response URL
    notice = modal_recorded(bot, "view.notice")
    assert notice["text"] == "Workspace guests cannot change incidents. Ask a member of the team to do it."
    assert bot.service.list_incidents(team_id=TEAM, everything=True) == []
