"""The App Home through `App.dispatch`: opening it records the viewer and queues their Home (Slack
untouched before the ack), and its *Declare incident* button opens the open modal."""

from __future__ import annotations

import json
from typing import Any

from bolt_requests import TEAM, event, interaction
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


def home_button(*, user: str) -> Any:
    return interaction(
        {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "dispatch"},
            "user": {"id": user, "team_id": TEAM},
            "trigger_id": "trigger.6",
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {
                "id": "V0HOME",
                "type": "home",
                "callback_id": "",
                "private_metadata": "",
                "state": {"values": {}},
            },
            "actions": [{"type": "button", "action_id": actions.HOME_DECLARE, "block_id": "b", "value": "declare"}],
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
