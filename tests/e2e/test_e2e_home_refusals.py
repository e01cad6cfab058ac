"""A button of the App Home refused, end to end on both backends (docs/behaviour.md, The App Home):
the Home has no channel to answer in, so the person is told in a modal, nothing is stored but
that answer, and their Home is published again to show how things stand.

A Home is out of date for up to 10 s (one publish a person every 10 s): these tests keep the
bot's clock still, so a Home waits for its next publish until the clock moves on."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from alert_posts import ALERT_SETTINGS, from_alertmanager
from e2e_stack import Stack, shown, wait_for
from paging_world import START, dm, paging_world
from sqlalchemy import text
from test_e2e_home import home_of

from bot.render import actions
from bot.sandbox import ManualClock
from bot.storage import home
from slack_emulator import SlackEmulator, payloads
from tests.conftest import database_state

EVERY = timedelta(seconds=10)  # as deployed: at most one publish a person every 10 s
ANSWERS = ("effect", "home_viewer", "home_refresh")  # where the answer to a refused click is kept


def stored(stack: Stack) -> dict[str, list[tuple[object, ...]]]:
    """Every row the bot keeps, but its Slack work and the Home's own bookkeeping."""
    return {table: rows for table, rows in database_state(stack.runtime.db).items() if table not in ANSWERS}


def quiet(stack: Stack) -> None:
    """Wait until the bot has sent all but the Homes' publishes and taken every refresh request
    (publishes held back by the still clock stay waiting)."""

    def done() -> bool:
        stack.runtime.sender_thread.notify()
        stack.runtime.home_thread.notify()
        with stack.runtime.db.read() as session:
            left = session.execute(
                text("SELECT count(*) FROM effect WHERE state = 'pending' AND kind != 'home.publish'")
            )
            return home.refresh_requests(session=session) == 0 and left.scalar_one() == 0

    wait_for(done, timeout=10)


def work_after(stack: Stack, last: int) -> list[str]:
    """The kinds of Slack work recorded after effect `last`."""
    with stack.runtime.db.engine.connect() as connection:
        found = connection.execute(text("SELECT kind FROM effect WHERE id > :last ORDER BY id"), {"last": last})
        return [str(kind) for kind in found.scalars()]


def last_work(stack: Stack) -> int:
    with stack.runtime.db.engine.connect() as connection:
        return int(connection.execute(text("SELECT max(id) FROM effect")).scalar_one())


def told(stack: Stack, person: str) -> list[str]:
    """The text of each modal the bot opened for `person`."""
    return [view.body["blocks"][0]["text"]["text"] for view in stack.emulator.views(person, open_only=True)]


def test_acknowledging_a_page_someone_else_took_says_who_in_a_modal_and_the_home_catches_up(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    stack, clock, channel = paging_world(lambda **options: make_stack(home_every=EVERY, **options), tmp_path)
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    for person in ("bob", "carol"):
        assert stack.user(person).open_home().status == 200
    stack.settle()
    assert "Acknowledge" in home_of(stack, "bob") and "Acknowledge" in home_of(stack, "carol")

    clock.advance(seconds=1)  # carol takes it in her direct message; bob's Home shows the page 9 s more
    [carols] = dm(stack, "carol")
    assert stack.user("carol").click(carols.channel, carols.ts, actions.ACKNOWLEDGE_PAGE).status == 200
    quiet(stack)
    assert "Acknowledge" in home_of(stack, "bob")
    before, last = stored(stack), last_work(stack)
    assert stack.user("bob").click_in_home(actions.ACKNOWLEDGE_PAGE).status == 200
    wait_for(lambda: told(stack, "bob"), timeout=10)
    assert told(stack, "bob") == [":warning: carol acknowledged it at 21:41 IST: nothing more to do."]
    assert stored(stack) == before  # no page, timeline line or role changed
    assert work_after(stack, last) == ["view.notice"]  # his Home's publish waits already: not queued twice

    clock.advance(seconds=10)
    stack.settle()
    assert "Nobody is paging you." in home_of(stack, "bob")
    assert told(stack, "carol") == []


def test_dismissing_an_alert_group_already_declared_says_so_and_the_home_catches_up(
    make_stack: Callable[..., Stack],
) -> None:
    clock = ManualClock(START)
    emulator = SlackEmulator(clock=clock.timestamp)
    alerts = emulator.create_channel("alerts", members=["alice", "bob", "gina"])
    settings = {**ALERT_SETTINGS, "INCIDENT_ALERT_CHANNEL": alerts}
    stack = make_stack(clock=clock, emulator=emulator, settings=settings, home_every=EVERY)
    assert from_alertmanager(stack.url, "alertmanager_firing").status == 200
    stack.settle()
    assert stack.user("bob").open_home().status == 200
    stack.settle()
    assert "Dismiss" in home_of(stack, "bob")

    clock.advance(seconds=1)  # alice declares it in the alert channel; bob's Home still offers it
    [message] = [each for each in emulator.messages(alerts) if each.blocks]
    assert stack.user("alice").click(alerts, message.ts, actions.DECLARE_ALERTS).status == 200
    quiet(stack)
    assert "Dismiss" in home_of(stack, "bob")
    before, last = stored(stack), last_work(stack)
    assert stack.user("bob").click_in_home(actions.DISMISS_ALERTS).status == 200
    wait_for(lambda: told(stack, "bob"), timeout=10)
    assert told(stack, "bob") == [
        ":warning: Nothing changed: these alerts were already declared as INC-1 by alice at 21:41 IST."
    ]
    assert stored(stack) == before  # the group stays declared, no second decision recorded
    assert work_after(stack, last) == ["view.notice"]

    clock.advance(seconds=10)
    stack.settle()
    bob = home_of(stack, "bob")
    assert "No alert is waiting for triage." in bob and "*INC-1*" in bob


def test_without_a_trigger_to_open_a_modal_with_the_refusal_is_a_direct_message(stack: Stack) -> None:
    assert stack.user("bob").open_home().status == 200
    stack.settle()
    emulator, bob = stack.emulator, stack.emulator.user("bob")
    published = emulator.home("bob")
    assert published is not None
    button = {"type": "button", "action_id": actions.ACKNOWLEDGE_PAGE, "block_id": "b", "value": "999"}
    payload = payloads.block_actions(
        emulator.workspace,
        user=bob,
        container={"type": "view", "view_id": published.id},
        action={**button, "action_ts": "1.0"},
        trigger_id="",
        response_url=None,
        view=published.to_slack(),
    )
    del payload["trigger_id"]  # Slack sends one with every click; without it no modal can open
    before, last = stored(stack), last_work(stack)
    answer = emulator.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert answer.status == 200
    stack.settle()
    assert [shown(message) for message in dm(stack, "bob")] == [":warning: That page is not one this bot knows."]
    assert stored(stack) == before and work_after(stack, last) == ["notice.direct", "home.publish"]
    assert emulator.views("bob", open_only=True) == []
