"""The App Home through `App.dispatch`: opening it records the viewer and queues their Home (Slack
untouched before the ack), and its *Declare incident* button opens the open modal."""

from __future__ import annotations

import json
from typing import Any

from bolt_requests import TEAM, button, event, interaction
from dispatch_bot import ALICE, BOB, GUEST, DispatchBot
from sqlalchemy import text

from bot.render import actions


def home_opened(user: str, *, tab: str = "home", event_id: str = "Ev0HOME1", retry: int | None = None) -> Any:
    return event(
        {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab}, event_id=event_id, retry=retry
    )


def queued(bot: DispatchBot) -> list[dict[str, Any]]:
    with bot.db.engine.connect() as connection:
        rows = connection.execute(text("SELECT payload FROM effect WHERE kind = 'home.publish' ORDER BY id")).scalars()
        return [json.loads(row) for row in rows]


def viewers(bot: DispatchBot) -> list[str]:
    with bot.db.engine.connect() as connection:
        return [
            str(user) for user in connection.execute(text("SELECT user_id FROM home_viewer ORDER BY user_id")).scalars()
        ]


def test_opening_the_home_is_acknowledged_and_queues_that_persons_home(bot: DispatchBot) -> None:
    answer = bot.send(home_opened(BOB))
    assert (answer.status, answer.body) == (200, "")
    assert viewers(bot) == [BOB]
    assert queued(bot) == [{"team_id": TEAM, "user": BOB}]
    assert bot.after.notified == 1  # the App Home's sender is woken


def test_a_redelivered_opening_queues_nothing_more(bot: DispatchBot) -> None:
    bot.send(home_opened(BOB))
    bot.send(home_opened(BOB, retry=1))
    assert queued(bot) == [{"team_id": TEAM, "user": BOB}]  # one waits already: it shows what is current when sent


def test_a_guest_opening_the_home_gets_one_too(bot: DispatchBot) -> None:
    bot.send(home_opened(GUEST))
    assert queued(bot) == [{"team_id": TEAM, "user": GUEST}]  # what a guest may read (bot/home.py)


def home_button(
    *, user: str, action_id: str = actions.HOME_DECLARE, value: str = "declare", trigger: str | None = "trigger.6"
) -> Any:
    return interaction(
        {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "dispatch"},
            "user": {"id": user, "team_id": TEAM},
            **({"trigger_id": trigger} if trigger else {}),
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {
                "id": "V0HOME",
                "type": "home",
                "callback_id": "",
                "private_metadata": "",
                "state": {"values": {}},
            },
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value}],
        }
    )


def test_the_homes_declare_button_opens_the_open_modal(bot: DispatchBot) -> None:
    answer = bot.send(home_button(user=ALICE))
    assert (answer.status, answer.body) == (200, "")
    assert bot.effects() == ["view.open"]


def test_a_guest_pressing_it_anyway_is_told_in_a_modal_and_nothing_is_opened(bot: DispatchBot) -> None:
    assert bot.send(home_button(user=GUEST)).status == 200
    assert bot.effects() == ["view.notice"]
    assert bot.service.list_incidents(team_id=TEAM, everything=True) == []


def notices(bot: DispatchBot) -> list[tuple[str, dict[str, Any]]]:
    """The outbox's work that tells someone something (a modal, a direct message): kind, payload."""
    with bot.db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, payload FROM effect WHERE kind IN ('view.notice', 'notice.direct') ORDER BY id")
        )
        return [(str(kind), json.loads(payload)) for kind, payload in rows]


def test_a_refused_button_on_the_home_is_told_in_a_modal_and_the_home_published_again(bot: DispatchBot) -> None:
    answer = bot.send(home_button(user=BOB, action_id=actions.ACKNOWLEDGE_PAGE, value="41"))
    assert (answer.status, answer.body) == (200, "")
    assert notices(bot) == [
        ("view.notice", {"trigger_id": "trigger.6", "text": ":warning: That page is not one this bot knows."})
    ]
    assert queued(bot) == [{"team_id": TEAM, "user": BOB}] and viewers(bot) == [BOB]
    assert bot.after.texts() == []  # a Home has no response URL to answer at
    assert bot.effects() == ["view.notice", "home.publish"]  # nothing else: no page, no timeline


def test_without_a_trigger_the_refusal_is_a_direct_message(bot: DispatchBot) -> None:
    assert bot.send(home_button(user=BOB, action_id=actions.ACKNOWLEDGE_PAGE, value="", trigger=None)).status == 200
    told = ":warning: That button carries no page I can read; answer the page's latest message."
    assert notices(bot) == [("notice.direct", {"user": BOB, "text": told})]
    assert queued(bot) == [{"team_id": TEAM, "user": BOB}]


def test_a_button_pressed_in_a_message_is_answered_there_and_publishes_no_home(bot: DispatchBot) -> None:
    assert bot.send(button(actions.ACKNOWLEDGE_PAGE, "41", user=BOB, channel=f"D{BOB}")).status == 200
    assert bot.after.texts() == [":warning: That page is not one this bot knows."]
    assert bot.effects() == [] and viewers(bot) == []
