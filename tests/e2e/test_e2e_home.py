"""The App Home end to end on both backends (docs/behaviour.md, The App Home): what each person
sees once the bot published it, kept current as incidents change, and published once Slack is
back after an outage, without holding up an incident channel's own updates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from alert_posts import alerting_stack, enqueue, from_alertmanager
from e2e_stack import Stack, bot_lines, wait_for, wait_until_no_send_is_in_flight

from bot.render import actions
from bot.sandbox import ManualClock
from slack_emulator import SlackEmulator
from tests.alert_samples import event


def home_of(stack: Stack, person: str) -> str:
    """The person's App Home as they read it: every text of every block, one a line."""
    view = stack.emulator.home(person)
    assert view is not None, f"no App Home was published for {person}"
    found: list[str] = []
    for block in view.body["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
            found.append(element["text"]["text"] if element["type"] == "button" else element["text"])
    return "\n".join(found)


def opened_home(stack: Stack, person: str) -> str:
    assert stack.user(person).open_home().status == 200
    stack.settle()
    return home_of(stack, person)


def test_a_lead_sees_their_incident_and_the_due_update_and_the_home_follows_changes(stack: Stack) -> None:
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    home = opened_home(stack, "alice")
    assert "What needs you now\nDeclare incident\nYour incidents" in home
    assert f"*INC-1* <#{stack.channel_of(1)}> · Checkout fails" in home
    assert "sev1 · investigating · open " in home and "· _lead_" in home
    assert ":hourglass_flowing_sand: next public update due in " in home and " IST)" in home  # alice's zone

    opened_home(stack, "bob")
    stack.user("alice").slash("status INC-1 identified The config push")
    stack.settle()
    assert "sev1 · identified · open " in home_of(stack, "alice")  # published again, as bob's was
    assert "*INC-1*" in home_of(stack, "bob") and "· identified ·" in home_of(stack, "bob")
    assert "Other open incidents" in home_of(stack, "bob") and " CET" in home_of(stack, "bob")  # bob is in Paris


def test_a_private_incident_is_on_its_peoples_homes_only(stack: Stack) -> None:
    stack.user("alice").slash("open --private sev1 Card numbers in the logs")
    stack.user("alice").slash("open sev3 Search is slow")
    stack.settle()
    alice, bob = opened_home(stack, "alice"), opened_home(stack, "bob")
    assert "Card numbers in the logs" in alice and "Search is slow" in alice
    assert "Card numbers in the logs" not in bob and "Search is slow" in bob


def test_a_guest_sees_only_what_guests_may_read(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    stack.user("alice").slash("open sev2 Search is slow")
    stack.settle()
    gina = opened_home(stack, "gina")  # guests read nothing by default (INCIDENT_GUESTS_READ)
    assert gina == "What needs you now\nWorkspace guests cannot read incidents here. Ask a member of the team."

    reading = make_stack(settings={"INCIDENT_GUESTS_READ": "true"})
    reading.user("alice").slash("open --private sev1 Card numbers in the logs")
    reading.user("alice").slash("open sev2 Search is slow")
    reading.settle()
    gina = opened_home(reading, "gina")
    assert "Workspace guests can read the open incidents here, but cannot declare or change them." in gina
    assert "Declare incident" not in gina
    assert "Search is slow" in gina and "Card numbers in the logs" not in gina


def test_a_french_locale_member_reads_french_labels_in_their_time(make_stack: Callable[..., Stack]) -> None:
    emulator = SlackEmulator()
    emulator.add_user("claire", real_name="Claire Dubois", locale="fr-FR", tz="Europe/Paris")
    stack = make_stack(emulator=emulator)  # the member sync learns her locale (users.list, include_locale)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.user("alice").slash("role INC-1 comms @claire")
    stack.settle()
    claire = opened_home(stack, "claire")
    assert "Ce qui vous attend\nDéclarer un incident\nVos incidents" in claire
    assert "sev1 · en cours d'analyse · ouvert depuis " in claire and "_communication_" in claire
    assert re.search(r"prochaine mise à jour publique dans \d+ min, à \d\d\u00a0h\u00a0\d\d \(UTC\+1\)", claire)
    assert re.search(r"Mis à jour à \d\d\u00a0h\u00a0\d\d \(UTC\+1\)$", claire), (
        "as French drafts and mails write times"
    )


def test_the_homes_button_declares_an_incident(stack: Stack) -> None:
    opened_home(stack, "alice")
    assert stack.user("alice").click_in_home(actions.HOME_DECLARE).status == 200
    stack.settle()
    (view,) = stack.emulator.views("alice", open_only=True)
    stack.user("alice").submit_view(view.id, {"title": "Search is down"})
    stack.settle()
    assert "Search is down" in home_of(stack, "alice")  # the new incident shows on her Home


def test_a_page_waits_on_the_home_and_is_acknowledged_from_it(stack: Stack) -> None:
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    opened_home(stack, "bob")
    stack.user("alice").slash("page INC-1 @bob")
    stack.settle()
    bob = home_of(stack, "bob")
    assert "Pages waiting for you" in bob and "sev1 · paged by *alice* " in bob and "Acknowledge" in bob
    assert stack.user("bob").click_in_home(actions.ACKNOWLEDGE_PAGE).status == 200
    stack.settle()
    assert "Nobody is paging you." in home_of(stack, "bob")
    assert any("acknowledged" in line for line in bot_lines(stack, stack.channel_of(1)))


def test_an_alert_group_waits_on_the_home_with_its_buttons_and_is_declared_from_it(
    make_stack: Callable[..., Stack],
) -> None:
    stack = alerting_stack(make_stack)
    opened_home(stack, "bob")
    assert from_alertmanager(stack.url, "alertmanager_firing").status == 200
    stack.settle()
    bob = home_of(stack, "bob")
    assert "Alerts waiting for triage" in bob and "5xx rate above 5% on web" in bob and "Dismiss" in bob
    assert stack.user("bob").click_in_home(actions.DECLARE_ALERTS).status == 200
    stack.settle()
    bob = home_of(stack, "bob")
    assert "No alert is waiting for triage." in bob
    assert "*INC-1*" in bob  # declared: bob opened it, so it is his


def test_alert_groups_the_home_leaves_out_are_counted_in_the_alert_channel(make_stack: Callable[..., Stack]) -> None:
    """`/incident list` lists incidents, never alerts (tester F8): the Home counts the rest where they wait."""
    stack = alerting_stack(make_stack)
    for n in range(1, 14):
        assert enqueue(stack.url, event("pagerduty_trigger_openapi", dedup_key=f"bulk-{n}")).status == 202
    stack.settle()
    bob = opened_home(stack, "bob")
    assert f"…and 3 more waiting in <#{stack.settings.alert_channel}>." in bob.splitlines()
    assert "/incident list" not in bob


def select_of(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    (found,) = [
        element for block in blocks for element in block.get("elements", []) if element.get("action_id") == action_id
    ]
    return found


def test_an_alert_group_is_added_to_an_open_incident_from_the_home_as_from_its_message(
    make_stack: Callable[..., Stack],
) -> None:
    stack = alerting_stack(make_stack)
    stack.user("alice").slash("open sev2 Checkout is slow")
    stack.user("alice").slash("open --private sev1 Card numbers in the logs")  # never offered: private
    stack.settle()
    opened_home(stack, "bob")
    assert from_alertmanager(stack.url, "alertmanager_firing").status == 200
    stack.settle()
    offered = select_of(stack.emulator.home("bob").body["blocks"], actions.ADD_ALERTS)  # type: ignore[union-attr]
    alert_channel = stack.settings.alert_channel or ""
    [message] = [each for each in stack.emulator.messages(alert_channel) if each.blocks]
    in_message = select_of(message.blocks, actions.ADD_ALERTS)
    assert [option["text"]["text"] for option in offered["options"]] == ["INC-1 Checkout is slow"]
    assert offered["options"] == in_message["options"]  # the same choices, the same values
    assert offered["placeholder"]["text"] == "Add to incident"

    assert stack.user("bob").choose_in_home(actions.ADD_ALERTS, offered["options"][0]["value"]).status == 200
    stack.settle()
    bob = home_of(stack, "bob")
    assert "No alert is waiting for triage." in bob
    assert any("attached the alerts" in line for line in bot_lines(stack, stack.channel_of(1)))
    [message] = [each for each in stack.emulator.messages(alert_channel) if each.blocks]
    assert "Added to INC-1 by bob at" in str(message.blocks)
    assert stack.emulator.views("bob", open_only=True) == []  # nothing refused


def test_a_home_opened_while_slack_is_down_is_published_once_slack_is_back(make_stack: Callable[..., Stack]) -> None:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    stack = make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp))
    stack.emulator.down()
    assert stack.user("bob").open_home().status == 200  # acknowledged without Slack
    wait_for(lambda: stack.emulator.calls("views.publish"), timeout=15)  # tried, and refused
    wait_until_no_send_is_in_flight(stack)  # and the refusal recorded before time moves on
    assert stack.emulator.home("bob") is None
    stack.emulator.up()
    clock.advance(seconds=30)  # the retry's wait, at most 30 s
    stack.settle(timeout=30)
    assert "What needs you now" in home_of(stack, "bob")


def test_homes_waiting_on_slack_never_hold_up_an_incident_channels_updates(stack: Stack) -> None:
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    homes = stack.emulator.hold("views.publish")  # Slack answers no Home until the channel's line is posted
    people = ("alice", "bob", "gina", "ursula", "dana")
    stack.emulator.add_user("dana")
    for person in people:
        assert stack.user(person).open_home().status == 200
    try:
        assert homes.wait_arrived(), "a Home is going out, and waits for Slack"
        stack.user("alice").slash("status INC-1 identified The config push", channel=channel)

        def posted() -> Any:
            return any("set the status to *identified*" in line for line in bot_lines(stack, channel))

        wait_for(posted, timeout=30)  # a bound for a failure only: held up by the Homes, it never comes
        assert stack.emulator.calls("views.publish") == [], "posted while every Home still waited for Slack"
    finally:
        homes.release()
    stack.settle(timeout=30)
    assert all("*INC-1*" in home_of(stack, person) for person in ("alice", "bob", "dana"))  # gina, ursula: guests


def publishes(stack: Stack, person: str) -> int:
    """How many times the bot published `person`'s Home."""
    user_id = stack.emulator.user(person).id
    return sum(call.args.get("user_id") == user_id for call in stack.emulator.calls("views.publish"))


def test_a_change_on_one_persons_home_publishes_that_home_only(make_stack: Callable[..., Stack]) -> None:
    clock = ManualClock(datetime(2022, 2, 17, 16, 11, tzinfo=UTC))  # still: ages and due times stay as they are
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_user("dana", real_name="Dana Scott")
    stack = make_stack(clock=clock, emulator=emulator, home_every=timedelta(0))
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    for person in ("bob", "dana"):
        opened_home(stack, person)
    before = {person: publishes(stack, person) for person in ("bob", "dana")}
    assert before == {"bob": 1, "dana": 1}

    stack.user("alice").slash("followup INC-1 Alert on the 5xx rate @bob")  # on bob's Home only
    stack.settle()
    assert "Alert on the 5xx rate" in home_of(stack, "bob") and publishes(stack, "bob") == 2
    assert publishes(stack, "dana") == 1  # her Home would show what it shows: not published again
    assert "*INC-1*" in home_of(stack, "dana")

    stack.user("alice").slash("status INC-1 identified The config push")  # on both Homes
    stack.settle()
    assert (publishes(stack, "bob"), publishes(stack, "dana")) == (3, 2)
    assert "· identified ·" in home_of(stack, "dana")

    opened_home(stack, "dana")  # opened: published, though it shows the same
    assert publishes(stack, "dana") == 3


def test_pages_the_home_leaves_out_are_counted_where_they_wait_in_each_reader_s_language(
    make_stack: Callable[..., Stack],
) -> None:
    """`/incident list` lists incidents, never pages: the Home counts the pages it leaves out (it
    shows the 10 oldest) where each waits for its answer, its direct message."""
    emulator = SlackEmulator()
    emulator.add_user("claire", real_name="Claire Dubois", locale="fr-FR")
    stack = make_stack(emulator=emulator, settings={"INCIDENT_LANGUAGES": "en,fr"})
    for number in range(1, 13):
        stack.user("alice").slash(f"open sev2 Broken thing {number}")
        stack.user("alice").slash(f"page INC-{number} @bob @claire")
    stack.settle()
    bob = opened_home(stack, "bob")
    assert "…and 2 more waiting for your answer, each in its direct message from this app (its *Messages* tab)." in (
        bob.splitlines()
    )
    assert "/incident list" not in bob
    claire = opened_home(stack, "claire")
    assert (
        "…et 2 de plus qui attendent votre réponse, chacun dans son message direct de cette app (son onglet "
        "*Messages*)." in claire.splitlines()
    )
    assert "/incident list" not in claire
