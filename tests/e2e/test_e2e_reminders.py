"""Update reminders end to end, over HTTP against the emulator, on SQLite and PostgreSQL
(docs/behaviour.md, Update promises and reminders).

With the real clock and a cadence of seconds, the scheduler thread wakes at the deadline by
itself; with a manual clock (the buttons), `settle()` runs the round that is due. The last test
runs the Procfile's web process with two gunicorn workers and two `incident-bot worker`
processes, all looking at one overdue deadline as they start: one nudge appears.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from e2e_stack import Stack, shown, wait_until_no_send_is_in_flight
from sqlalchemy import Engine, create_engine, select, text, update
from test_e2e_gunicorn import web_command

from bot.lookup import Where
from bot.sandbox import SIGNING_SECRET, TEAM_ID, ManualClock, Sandbox
from bot.storage.tables import IncidentRow
from slack_emulator import ANNOUNCE, STATUS, SlackEmulator
from slack_emulator.records import Message
from tests.free_ports import free_port


def reminders_in(emulator: SlackEmulator, channel: str) -> list[Message]:
    """The nudges and escalations posted in the channel, oldest first (answered ones too: their
    buttons are gone, their notification text stays)."""
    return [m for m in emulator.messages(channel) if m.user == "U0BOT" and "the public update due by" in m.text]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def replies(stack: Stack) -> list[str]:
    return [str(post.body.get("text", "")) for post in stack.emulator.response_url_posts()]


def test_the_scheduler_nudges_the_comms_lead_at_the_deadline_then_escalates_once_to_the_lead(
    make_stack: Callable[..., Sandbox],
) -> None:
    stack = make_stack(settings={"INCIDENT_REMINDERS": "sev1=2s,sev2=off"})
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("role comms @bob", channel=channel)
    wait_for(lambda: len(reminders_in(stack.emulator, channel)) >= 2, 60, "a nudge and an escalation")
    time.sleep(3)  # a cadence and more: nothing else comes
    texts = [shown(message) for message in reminders_in(stack.emulator, channel)]
    assert len(texts) == 2, texts
    assert texts[0].startswith(":alarm_clock: <@U0BOB> the next public update of *INC-1* was due by *")
    assert texts[1].startswith(":rotating_light: <@U0BOB> <@U0ALICE> *INC-1* still has no public update")


def test_a_published_update_before_the_deadline_means_no_reminder(make_stack: Callable[..., Sandbox]) -> None:
    clock = ManualClock(datetime(2022, 2, 17, 16, 11, tzinfo=UTC))
    stack = make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp))
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    clock.advance(minutes=20)
    stack.user("alice").slash("status identified bad deploy", channel=channel)
    clock.advance(minutes=20)  # 40 minutes after the open, 20 after the status change
    stack.settle()
    assert reminders_in(stack.emulator, channel) == []


@contextmanager
def nudged(make_stack: Callable[..., Sandbox]) -> Iterator[tuple[Stack, ManualClock, str, Message]]:
    """INC-1 (sev1, opened at 21:41 IST, bob in its channel) at 22:16, its 22:15 nudge posted."""
    clock = ManualClock(datetime(2022, 2, 17, 16, 11, tzinfo=UTC))
    stack = make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp))
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.emulator.add_member(channel, "bob")
    clock.advance(minutes=35)
    stack.settle()
    [nudge] = reminders_in(stack.emulator, channel)
    yield stack, clock, channel, nudge


def test_snooze_twice_clicked_snoozes_once_and_the_second_click_says_so(make_stack: Callable[..., Sandbox]) -> None:
    with nudged(make_stack) as (stack, clock, channel, nudge):
        assert shown(nudge).startswith(":alarm_clock: <@U0ALICE> the next public update of *INC-1* was due by *22:15")
        bob = stack.user("bob")
        assert bob.click(channel, nudge.ts, "reminder.snooze.15").status == 200
        assert bob.click(channel, nudge.ts, "reminder.snooze.15").status == 200
        stack.settle()
        said = replies(stack)
        assert said[-2].startswith("INC-1: reminder snoozed for 15 min. The next public update is due by 22:15 IST")
        assert said[-1].startswith(":warning: Nothing changed: that reminder of INC-1 was snoozed by bob at 22:16 IST.")
        lines = [shown(m) for m in stack.emulator.messages(channel) if "snoozed the update reminder" in shown(m)]
        assert lines == ["`22:16 IST` *bob* :zzz: snoozed the update reminder for 15 min (next reminder at 22:31 IST)"]
        clock.advance(minutes=15)
        stack.settle()
        assert len(reminders_in(stack.emulator, channel)) == 2  # the snoozed reminder, once


def test_no_update_needed_resets_the_deadline_and_a_second_click_changes_nothing(
    make_stack: Callable[..., Sandbox],
) -> None:
    with nudged(make_stack) as (stack, _, channel, nudge):
        bob = stack.user("bob")
        bob.click(channel, nudge.ts, "reminder.no_update")
        bob.click(channel, nudge.ts, "reminder.no_update")
        stack.settle()
        assert replies(stack)[-2] == (
            "INC-1: no public update needed now. "
            "The next public update is due by 22:50 IST; next reminder at 22:50 IST."
        )
        assert (
            "that reminder of INC-1 was answered by bob at 22:16 IST: no public update needed then"
            in replies(stack)[-1]
        )
        kinds = [entry.kind for entry in stack.runtime.service.timeline(Where(TEAM_ID, number=1)).entries]
        assert kinds.count("no_update") == 1


def test_a_guest_cannot_snooze_and_nothing_is_stored(make_stack: Callable[..., Sandbox], unchanged: object) -> None:
    with nudged(make_stack) as (stack, _, channel, nudge):
        stack.emulator.add_member(channel, "gina")
        with unchanged(stack.runtime.db):  # type: ignore[operator]
            assert stack.user("gina").click(channel, nudge.ts, "reminder.snooze.30").status == 200
            stack.settle()
        assert "guest" in replies(stack)[-1].lower()


def test_a_snooze_after_the_close_is_refused_and_nothing_is_stored(
    make_stack: Callable[..., Sandbox], unchanged: object
) -> None:
    """Clicked on the reminder as bob's Slack still showed it, before the close replaced its buttons."""
    with nudged(make_stack) as (stack, _, channel, nudge):
        stack.user("alice").slash("close", channel=channel)
        stack.settle()
        with unchanged(stack.runtime.db):  # type: ignore[operator]
            stack.user("bob").click_as_shown(channel, nudge.ts, nudge.blocks, "reminder.snooze.60")
            stack.settle()
        assert replies(stack)[-1] == (
            ":warning: INC-1 is resolved: no public update is due, so there is no reminder to snooze."
        )


def test_draft_update_on_the_reminder_posts_the_drafts(make_stack: Callable[..., Sandbox]) -> None:
    with nudged(make_stack) as (stack, _, channel, nudge):
        stack.user("bob").click(channel, nudge.ts, "incident.draft")
        stack.settle()
        drafts = [m for m in stack.emulator.messages(channel) if "Public update draft" in shown(m)]
        assert len(drafts) == 4
        assert "Next update by 22:50 IST" in shown(drafts[0])


# --- an answered reminder's buttons give way to what answered it ---------------------------------


def now_reads(stack: Stack, channel: str, ts: str) -> tuple[str, list[str], bool]:
    """The reminder message as it reads now: its words, what its context says, and whether it
    still has buttons."""
    [message] = [m for m in stack.emulator.messages(channel) if m.ts == ts]
    context = [e["text"] for b in message.blocks if b.get("type") == "context" for e in b.get("elements", [])]
    return shown(message), context, any(b.get("type") == "actions" for b in message.blocks)


def test_a_snooze_replaces_the_reminders_buttons_with_who_snoozed_it_and_when(
    make_stack: Callable[..., Sandbox],
) -> None:
    with nudged(make_stack) as (stack, clock, channel, nudge):
        stack.user("bob").click(channel, nudge.ts, "reminder.snooze.15")
        stack.settle()
        words, context, buttons = now_reads(stack, channel, nudge.ts)
        assert not buttons
        assert context == [
            "Answered: `22:16 IST` *bob* :zzz: snoozed the update reminder for 15 min (next reminder at 22:31 IST)"
        ]
        assert words == (
            ":alarm_clock: <@U0ALICE> the next public update of *INC-1* was due by *22:15 IST*, 1 min ago, "
            "and none has been published."
        )
        clock.advance(minutes=15)
        stack.settle()
        second = reminders_in(stack.emulator, channel)[-1]
        assert second.ts != nudge.ts and now_reads(stack, channel, second.ts)[2], "the next reminder asks again"


def test_no_update_needed_replaces_the_reminders_buttons_with_who_said_so_and_when(
    make_stack: Callable[..., Sandbox],
) -> None:
    with nudged(make_stack) as (stack, _, channel, nudge):
        stack.user("bob").click(channel, nudge.ts, "reminder.no_update")
        stack.settle()
        _, context, buttons = now_reads(stack, channel, nudge.ts)
        assert not buttons
        assert context == [
            "Answered: `22:16 IST` *bob* said no public update is needed now: still investigating; "
            "the next one is due by 22:50 IST"
        ]


def publish_english_short(stack: Stack, channel: str, who: str = "alice") -> None:
    stack.user(who).slash("draft en short", channel=channel)
    stack.settle()
    [draft] = [
        m
        for m in stack.emulator.messages(channel)
        if "Public update draft" in shown(m) and m.blocks[-1].get("type") == "actions"
    ]
    stack.user(who).click(channel, draft.ts, "draft.publish")


def test_a_published_update_replaces_the_buttons_of_every_reminder_that_asked_for_it(
    make_stack: Callable[..., Sandbox],
) -> None:
    with nudged(make_stack) as (stack, clock, channel, nudge):
        clock.advance(minutes=30)  # 22:46: the escalation, one cadence after the nudge
        stack.settle()
        escalation = reminders_in(stack.emulator, channel)[-1]
        assert escalation.ts != nudge.ts and now_reads(stack, channel, escalation.ts)[2]
        publish_english_short(stack, channel, "bob")
        stack.settle()
        for ts in (nudge.ts, escalation.ts):
            _, context, buttons = now_reads(stack, channel, ts)
            assert not buttons
            assert context == ["Answered: `22:46 IST` *bob* :mega: published the English short update"]


def test_a_status_change_replaces_the_reminders_buttons_since_it_moved_the_deadline(
    make_stack: Callable[..., Sandbox],
) -> None:
    """The status change resets the deadline: the nudge no longer asks for what is due, so its
    buttons give way to the change."""
    with nudged(make_stack) as (stack, _, channel, nudge):
        stack.user("bob").slash("status identified Bad deploy of the CDN config", channel=channel)
        stack.settle()
        _, context, buttons = now_reads(stack, channel, nudge.ts)
        assert not buttons
        [answered] = context
        assert answered.startswith("No longer due: `22:16 IST` *bob* ")
        assert "identified" in answered and "Bad deploy of the CDN config" in answered
        assert "no public update is due now" not in answered  # one is due, later


def test_the_close_replaces_the_reminders_buttons(make_stack: Callable[..., Sandbox]) -> None:
    with nudged(make_stack) as (stack, _, channel, nudge):
        stack.user("alice").slash("close Rolled back", channel=channel)
        stack.settle()
        _, context, buttons = now_reads(stack, channel, nudge.ts)
        assert not buttons
        [answered] = context
        assert answered.startswith("No longer due: `22:16 IST` *alice* ") and "resolved" in answered
        assert answered.endswith(" · no public update is due now")


def test_a_note_leaves_the_reminders_buttons(make_stack: Callable[..., Sandbox]) -> None:
    with nudged(make_stack) as (stack, _, channel, nudge):
        stack.user("bob").slash("note Still looking at the CDN", channel=channel)
        stack.settle()
        assert now_reads(stack, channel, nudge.ts)[2], "a note does not move the deadline"


def test_a_reminder_answered_before_slack_could_take_it_is_never_posted(make_stack: Callable[..., Sandbox]) -> None:
    """Slack fails the reminder's post (500); meanwhile the update it would ask for is published:
    when Slack takes work again, no reminder with buttons appears for an update already out."""
    clock = ManualClock(datetime(2022, 2, 17, 16, 11, tzinfo=UTC))
    stack = make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp))
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    clock.advance(minutes=30)  # 22:11: a draft ready, its promise 22:45
    stack.user("alice").slash("draft en short", channel=channel)
    stack.settle()
    [draft] = [m for m in stack.emulator.messages(channel) if "Public update draft" in shown(m)]
    clock.advance(minutes=5)  # 22:16: the 22:15 deadline passed
    stack.emulator.fail_next(status=500, times=1)
    stack.runtime.send_due_reminders()
    wait_for(lambda: any(not call.ok for call in stack.emulator.calls()), 15, "Slack failing the reminder's post")
    wait_until_no_send_is_in_flight(stack)  # the failure recorded before time moves on
    stack.user("alice").click(channel, draft.ts, "draft.publish")
    clock.advance(seconds=30)
    stack.settle(timeout=60)
    assert reminders_in(stack.emulator, channel) == []
    assert any("published the English short update" in shown(m) for m in stack.emulator.messages(channel))


# --- several processes ---------------------------------------------------------------------------


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM effect WHERE state = 'pending'")).scalar_one())


def members_synced(engine: Engine) -> bool:
    """A process has stored the workspace's members (users.list): until then a command is served
    only if Slack says within 1 s who is asking and whom it names (bot.members), which the
    emulator on a loaded machine does not always do."""
    with engine.connect() as connection:
        finished = text("SELECT count(*) FROM member_sync WHERE finished_at IS NOT NULL")
        return int(connection.execute(finished).scalar_one()) > 0


STOP_SECONDS = 30  # more than the Procfile's --graceful-timeout 20, after which gunicorn kills its workers


class Processes:
    """The Procfile's web process (two gunicorn workers) and two `incident-bot worker`s on one
    database, healthy and the workspace's members synced."""

    def __init__(self, emulator: SlackEmulator, database_url: str, folder: Path, engine: Engine) -> None:
        self.port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))},
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": database_url,
            "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
            "INCIDENT_STATUS_CHANNEL": STATUS,
            "INCIDENT_TIMEZONE": "Asia/Kolkata",
        }
        self.logs = [(folder / f"process-{n}.log").open("w") for n in range(3)]
        commands = [
            web_command(self.port, workers=2),
            [sys.executable, "-m", "bot.cli", "worker"],
            [sys.executable, "-m", "bot.cli", "worker"],
        ]
        self.started = [
            subprocess.Popen(command, env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
            for command, log in zip(commands, self.logs, strict=True)
        ]
        self.url = f"http://127.0.0.1:{self.port}"
        try:  # healthy: the database answers and Slack accepted the token (bot.health)
            wait_for(self._healthy, 60, "the web process answering /healthz")
            wait_for(lambda: members_synced(engine), 60, "the members synced")
        except BaseException:
            self.stop()  # never left running: they would write into the next test's database
            raise
        emulator.connect_app(f"{self.url}/slack/events", SIGNING_SECRET)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:  # noqa: S310 - loopback
                return bool(answer.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM to each, as a platform stops them; any still running after STOP_SECONDS is
        killed (never left writing into the next test's database) and the test fails."""
        for process in self.started:
            process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        lingering = []
        for process in self.started:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                lingering.append(process.args)
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()
        assert not lingering, f"still running {STOP_SECONDS} s after SIGTERM: {lingering}"


def test_two_web_workers_and_two_workers_starting_after_a_downtime_send_the_overdue_nudge_once(
    database_url: str, tmp_path: Path
) -> None:
    emulator = SlackEmulator()
    emulator.add_bot_to(ANNOUNCE)
    emulator.add_bot_to(STATUS)
    engine = create_engine(database_url)
    try:
        channel = _open_with_bob_as_comms_then_stop(emulator, database_url, tmp_path, engine)
        # Everything stopped; meanwhile the deadline passed 10 minutes ago (the bot was down).
        overdue = datetime.now(UTC) - timedelta(minutes=10)
        with engine.begin() as connection:
            connection.execute(update(IncidentRow).values(update_due=overdue, remind_at=overdue))  # as the bot stores
        running = Processes(emulator, database_url, tmp_path, engine)
        try:
            wait_for(lambda: len(reminders_in(emulator, channel)) >= 1, 30, "the overdue nudge")
            time.sleep(5)  # every process has made its first round by now, and the outbox is drained
        finally:
            running.stop()
        nudges = [shown(m) for m in reminders_in(emulator, channel)]
        assert len(nudges) == 1, nudges
        assert nudges[0].startswith(":alarm_clock: <@U0BOB> the next public update of *INC-1* was due by *")
        assert ", 10 min ago" in nudges[0]
        with engine.connect() as connection:
            queued = connection.execute(text("SELECT count(*) FROM effect WHERE kind = 'reminder.post'")).scalar_one()
        assert queued == 1
    finally:
        engine.dispose()
        emulator.close()


def channel_with_card(emulator: SlackEmulator, engine: Engine) -> str | None:
    """INC-1's channel once its card is pinned there and the bot has recorded the channel. A
    command typed in it before that is answered "This is not an incident channel", and the card
    is pinned before the channel's creation is recorded (the card is sent the moment Slack made
    the channel: bot.outbox.ahead), so the pin alone does not say it is recorded."""
    found = emulator.channel_by_name("inc-1-checkout-fails")
    if found is None or not any(m.pinned for m in emulator.messages(found.id)):
        return None
    with engine.connect() as connection:
        recorded = connection.execute(select(IncidentRow.channel_id)).scalars().all()  # type: ignore[call-overload]
    return found.id if found.id in recorded else None


def _open_with_bob_as_comms_then_stop(emulator: SlackEmulator, database_url: str, folder: Path, engine: Engine) -> str:
    """INC-1 opened through the running processes, bob its comms lead; the processes stopped
    once nothing is in flight (work a stopped process had claimed would wait for its lease)."""
    running = Processes(emulator, database_url, folder, engine)
    try:
        emulator.as_user("alice").slash("open sev1 Checkout fails")
        wait_for(lambda: channel_with_card(emulator, engine) is not None, 30, "the channel, recorded, and its card")
        found = channel_with_card(emulator, engine)
        assert found is not None
        answered = emulator.as_user("alice").slash("role comms @bob", channel=found)
        assert answered.status == 200 and "*bob* is now the comms lead" in answered.json["text"], answered.json
        wait_for(lambda: any("comms lead" in shown(m) for m in emulator.messages(found)), 30, "the role line")
        wait_for(lambda: pending(engine) == 0, 30, "the outbox emptied")
        return found
    finally:
        running.stop()
