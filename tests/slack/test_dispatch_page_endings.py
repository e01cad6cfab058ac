"""A button of a page the incident's resolution ended, through the real Bolt app in-process on
SQLite and PostgreSQL (docs/behaviour.md, Paging): the answer says the page ended, in the message
or, from the App Home, in a modal, and nothing is stored, also once the incident is reopened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bolt_requests import button
from dispatch_bot import BOB, DispatchBot
from sqlalchemy import text
from test_dispatch_home import home_button, notices

from bot.render import actions

ENDED = ":warning: This page ended when INC-1 was resolved: it needs no answer."


def ended_page(bot: DispatchBot) -> str:
    """INC-1, bob paged by alice, then the incident closed: the id of bob's page."""
    channel = bot.open()
    assert bot.command(f"page <@{BOB}|bob>", channel=channel).text.startswith("INC-1: paged *bob*.")
    bot.command("close Rolled back", channel=channel)
    with bot.db.engine.connect() as connection:
        page_id, state = connection.execute(text("SELECT id, state FROM page")).one()
    assert state == "ended"
    return str(page_id)


def test_either_button_of_an_ended_page_says_it_ended_and_stores_nothing_also_after_a_reopen(
    bot: DispatchBot, unchanged: Callable[..., Any]
) -> None:
    page_id = ended_page(bot)
    with unchanged(bot.db):
        for action_id in (actions.ACKNOWLEDGE_PAGE, actions.DECLINE_PAGE):
            assert bot.send(button(action_id, page_id, user=BOB, channel=f"D{BOB}")).status == 200
    bot.command("reopen It came back", channel="C0INC1")
    with unchanged(bot.db):
        assert bot.send(button(actions.ACKNOWLEDGE_PAGE, page_id, user=BOB, channel=f"D{BOB}")).status == 200
    assert bot.after.texts()[-3:] == [ENDED] * 3


def test_from_the_home_the_ended_page_is_said_in_a_modal(bot: DispatchBot) -> None:
    page_id = ended_page(bot)
    kinds = bot.effects()
    assert bot.send(home_button(user=BOB, action_id=actions.ACKNOWLEDGE_PAGE, value=page_id)).status == 200
    assert notices(bot) == [("view.notice", {"trigger_id": "trigger.6", "text": ENDED})]
    assert bot.effects() == [*kinds, "view.notice", "home.publish"]  # no timeline line, no page edit
