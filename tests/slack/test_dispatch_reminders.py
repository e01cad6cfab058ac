"""A reminder's buttons through Bolt's App.dispatch, in-process (docs/behaviour.md, Update promises
and reminders): the buttons the delivery renders are the ones the listeners answer; a second click
changes nothing and says so; guests, resolved incidents and damaged values are refused, nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bolt_requests import RESPONSE_URL, TEAM, button
from dispatch_bot import ALICE, BOB, GUEST, DispatchBot

from bot.domain.reminders import ReminderKind
from bot.lookup import Where
from bot.reminders import ReminderService
from bot.render.reminder_blocks import reminder_message
from bot.storage import repository


def nudge(bot: DispatchBot, *, after: timedelta = timedelta(hours=2)) -> int:
    """Let the scheduler send INC-1's reminder as if `after` had passed; its buttons' version."""
    later = datetime.now(UTC) + after
    scheduler = ReminderService(bot.db, zone=bot.settings.zone, clock=lambda: later, cadences=bot.settings.reminders)
    assert scheduler.send_due(team_id=TEAM) == 1
    with bot.db.read() as session:
        stored = repository.get_by_number(session=session, team_id=TEAM, number=1)
    assert stored is not None
    return stored.reminder_version


def buttons(bot: DispatchBot, version: int) -> dict[str, str]:
    """The reminder's buttons as the delivery renders them: label -> (action id, value)."""
    incident = bot.service.get(Where(TEAM, number=1))
    now = datetime.now(UTC)
    _, blocks = reminder_message(
        incident,
        kind=ReminderKind.NUDGE,
        due=now,
        noticed_at=now,
        late=timedelta(0),
        version=version,
        zone=bot.settings.zone,
    )
    return {element["text"]["text"]: (element["action_id"], element["value"]) for element in blocks[1]["elements"]}


def click(bot: DispatchBot, action: tuple[str, str], *, user: str = BOB, channel: str) -> str:
    answer = bot.send(button(*action, user=user, channel=channel))
    assert (answer.status, answer.body) == (200, "")
    assert bot.after.responses[-1][0] == RESPONSE_URL
    return bot.after.texts()[-1]


def test_the_reminder_offers_draft_snoozes_and_no_update_needed(bot: DispatchBot) -> None:
    bot.open(severity=1)
    labels = list(buttons(bot, nudge(bot)))
    assert labels == [
        "Draft update",
        "Snooze 15 min",
        "Snooze 30 min",
        "Snooze 1 h",
        "Still investigating: no update needed now",
    ]


def test_draft_update_on_a_reminder_drafts_as_the_card_button_does(bot: DispatchBot) -> None:
    channel = bot.open(severity=1)
    version = nudge(bot)
    click(bot, buttons(bot, version)["Draft update"], channel=channel)
    assert len(bot.drafts()) == 4
    assert bot.after.texts()[-1].startswith("INC-1: 4 public update drafts posted")


@pytest.mark.parametrize(
    ("label", "minutes", "said"),
    [("Snooze 15 min", 15, "15 min"), ("Snooze 30 min", 30, "30 min"), ("Snooze 1 h", 60, "1h")],
)
def test_a_snooze_is_stored_on_the_timeline_and_answered(bot: DispatchBot, label: str, minutes: int, said: str) -> None:
    channel = bot.open(severity=1)
    version = nudge(bot)
    reply = click(bot, buttons(bot, version)[label], channel=channel)
    assert reply.startswith(f"INC-1: reminder snoozed for {said}. The next public update is due by ")
    [entry] = [entry for entry in bot.timeline(1) if entry.kind == "snoozed"]
    assert (entry.actor, entry.text.split(" ")[0]) == (BOB, str(minutes * 60))
    assert bot.effects()[-2:] == ["timeline.post", "reminder.update"]  # its line; the reminder says who snoozed


def test_a_second_click_changes_nothing_and_says_so(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open(severity=1)
    snooze = buttons(bot, nudge(bot))["Snooze 30 min"]
    click(bot, snooze, channel=channel)
    with unchanged(bot.db):
        reply = click(bot, snooze, user=ALICE, channel=channel)
    assert reply.startswith(":warning: Nothing changed: that reminder of INC-1 was snoozed by ")
    assert "next reminder at" in reply


def test_no_update_needed_resets_the_deadline_and_a_second_click_changes_nothing(
    bot: DispatchBot, unchanged: Any
) -> None:
    channel = bot.open(severity=1)
    waive = buttons(bot, nudge(bot))["Still investigating: no update needed now"]
    reply = click(bot, waive, channel=channel)
    assert reply.startswith("INC-1: no public update needed now. The next public update is due by ")
    assert [entry.kind for entry in bot.timeline(1)][-1] == "no_update"
    with unchanged(bot.db):
        assert "that reminder of INC-1 was answered by " in click(bot, waive, channel=channel)


def test_a_guest_cannot_snooze(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open(severity=1)
    snooze = buttons(bot, nudge(bot))["Snooze 15 min"]
    with unchanged(bot.db):
        reply = click(bot, snooze, user=GUEST, channel=channel)
    assert "guest" in reply.lower()


def test_a_snooze_on_a_resolved_incident_is_refused_and_nothing_is_stored(bot: DispatchBot, unchanged: Any) -> None:
    channel = bot.open(severity=1)
    snooze = buttons(bot, nudge(bot))["Snooze 1 h"]
    bot.command("close", channel=channel)
    with unchanged(bot.db):
        reply = click(bot, snooze, channel=channel)
    assert reply == (":warning: INC-1 is resolved: no public update is due, so there is no reminder to snooze.")


@pytest.mark.parametrize(
    ("action_id", "value", "said"),
    [
        ("reminder.snooze.15", "INC-1", "carries no reminder I can read"),
        ("reminder.snooze.15", "", "carries no reminder I can read"),
        ("reminder.snooze.45", "1:1", "not one the reminder offers"),
        ("reminder.snooze.15", "99:1", "There is no INC-99"),
    ],
)
def test_a_damaged_or_forged_reminder_button_is_refused_and_nothing_is_stored(
    bot: DispatchBot, unchanged: Any, action_id: str, value: str, said: str
) -> None:
    channel = bot.open(severity=1)
    nudge(bot)
    with unchanged(bot.db):
        reply = click(bot, (action_id, value), channel=channel)
    assert said in reply
