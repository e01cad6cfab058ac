"""Slack slow, failing or down: the ack stays fast, and nothing people did is lost."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from e2e_stack import Stack, bot_lines, sections_of, wait_for
from sqlalchemy.exc import OperationalError

from bot.lookup import Where
from bot.outbox import store
from bot.outbox.kinds.post_card import CardPosted
from bot.render.text import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT
from bot.sandbox import SIGNING_SECRET, ManualClock
from slack_emulator import ANNOUNCE, GENERAL, SlackEmulator

INC_1 = Where(team_id="T0EMULATOR", number=1)


def test_the_ack_arrives_in_under_3_seconds_while_every_web_api_call_takes_4(stack: Stack) -> None:
    stack.emulator.set_latency(4.0)
    answers = [stack.user("alice").slash("open sev1 Checkout fails")]
    channel_wait = time.monotonic()
    for text in ("status INC-1 identified", "note INC-1 rolled back", "sev INC-1 2", "close INC-1 fixed"):
        answers.append(stack.user("alice").slash(text))
    for answer in answers:
        assert answer.status == 200
        assert answer.elapsed < 3.0, f"ack took {answer.elapsed:.2f}s"
        assert not answer.json["text"].startswith(":warning:")
    assert time.monotonic() - channel_wait < 10  # nobody waited for Slack
    stack.emulator.set_latency(0.0)
    stack.settle(timeout=120)
    assert any("resolved INC-1: fixed" in line for line in bot_lines(stack, stack.channel_of(1)))


def test_a_rate_limited_call_is_retried_after_retry_after(stack: Stack) -> None:
    stack.emulator.rate_limit_next("conversations.create", retry_after=1)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle(timeout=30)
    created = [call for call in stack.emulator.calls("conversations.create")]
    assert [call.status for call in created] == [429, 200]
    assert created[1].at - created[0].at >= 0.9  # honoured Retry-After
    assert stack.channel_of(1)


def test_a_card_whose_pin_was_rate_limited_is_pinned_on_the_retry_and_posted_once(stack: Stack) -> None:
    """The card's `ts` is written beside its pin (`bot.outbox.steps`), and before the refused pin is
    recorded: the retry finds the card instead of posting a second one."""
    stack.emulator.rate_limit_next("pins.add", retry_after=1)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle(timeout=30)
    channel = stack.channel_of(1)
    pins = stack.emulator.calls("pins.add")
    assert [call.status for call in pins] == [429, 200]
    cards = [
        call
        for call in stack.emulator.calls("chat.postMessage")
        if call.args.get("channel") == channel and str(call.args.get("text", "")).startswith("INC-1 (")
    ]
    assert len(cards) == 1, "one card"
    assert cards[0].response["ts"] == pins[1].args["timestamp"], "and it is the one pinned"


def test_a_card_whose_ts_could_not_be_recorded_is_found_on_the_retry_not_posted_again(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails the write of the card's `ts` once (a restart, a timeout) while Slack
    posted and pinned it: the retry is told the card may be there, finds it by its metadata and
    posts no second one (there were two, both pinned)."""
    remember, failed = CardPosted.remember, []

    def failing_once(self: CardPosted, session: Any, incident_id: int | None) -> None:
        if not failed:
            failed.append(self)
            raise OperationalError("UPDATE incident", {}, Exception("server closed the connection"))
        remember(self, session, incident_id)

    monkeypatch.setattr(CardPosted, "remember", failing_once)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle(timeout=60)
    channel = stack.channel_of(1)
    cards = [
        call
        for call in stack.emulator.calls("chat.postMessage")
        if call.args.get("channel") == channel and str(call.args.get("text", "")).startswith("INC-1 (")
    ]
    assert failed and len(cards) == 1, "one card"
    assert [message.ts for message in stack.emulator.messages(channel) if message.pinned] == [cards[0].response["ts"]]


def test_server_errors_are_retried_until_slack_answers(stack: Stack) -> None:
    stack.emulator.fail_next("chat.postMessage", status=503, times=2)
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle(timeout=30)
    channel = stack.channel_of(1)
    assert any("opened INC-1" in line for line in bot_lines(stack, channel))


def run_worker(emulator: SlackEmulator, database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
        "INCIDENT_TIMEZONE": "Asia/Kolkata",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker", "--poll", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_an_incident_opened_while_slack_is_down_gets_its_channel_after_a_restart_without_duplicates(
    make_stack: Callable[..., Stack], database_url: str
) -> None:
    emulator = SlackEmulator()
    stack = make_stack(emulator=emulator)
    emulator.down()
    answer = stack.user("alice").slash("open sev1 Payments are down")
    assert answer.status == 200 and "Opened *INC-1*" in answer.json["text"]
    time.sleep(1.0)  # the web process tries and fails
    assert emulator.channel_by_name("inc-1-payments-are-down") is None
    stack.runtime.stop()  # the web process dies; the work is in the database
    emulator.up()
    worker = run_worker(emulator, database_url)
    try:
        channel = wait_for(lambda: emulator.channel_by_name("inc-1-payments-are-down"), timeout=30)
        wait_for(lambda: any(m.pinned for m in emulator.messages(channel.id)), timeout=30)
        wait_for(lambda: any("opened INC-1" in line for line in bot_lines(stack, channel.id)), timeout=30)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=10)[0].decode()
    created = [call for call in emulator.calls("conversations.create") if call.ok]
    assert len(created) == 1, output
    assert len([m for m in emulator.messages(channel.id) if m.pinned]) == 1
    with emulator.workspace.lock:
        names = [c.name for c in emulator.workspace.channels.values() if c.name.startswith("inc-1")]
    assert names == ["inc-1-payments-are-down"]


def test_a_channel_created_just_before_a_crash_is_adopted_not_duplicated(stack: Stack) -> None:
    """conversations.create succeeded but the bot died before recording it: it finds its own channel."""
    stack.emulator.workspace.create_channel("inc-1-payments-are-down", creator="U0BOT")
    stack.user("alice").slash("open sev1 Payments are down")
    stack.settle()
    assert stack.channel_of(1) == stack.emulator.channel_by_name("inc-1-payments-are-down").id  # type: ignore[union-attr]
    assert stack.emulator.channel_by_name("inc-1-payments-are-down-2") is None


def test_inc_1_of_another_workspace_never_takes_inc_1s_channel_and_waits_for_its_own_token(
    make_stack: Callable[..., Stack], caplog: pytest.LogCaptureFixture
) -> None:
    """Incident numbers are per workspace, channel names are not: a signed command from another
    workspace (team_id) opening its INC-1 later must not adopt this workspace's INC-1 channel; and
    this process, whose token serves only its own workspace, never sends the other one's work."""
    clock = ManualClock(datetime(2022, 2, 17, 16, 11, tzinfo=UTC))
    stack = make_stack(clock=clock, emulator=SlackEmulator(clock=clock.timestamp))
    stack.user("alice").slash("open sev1 Payments are down")
    stack.settle()
    clock.advance(minutes=5)
    form = {"command": "/incident", "text": "open sev2 Payments are down", "team_id": "T0SECOND"}
    form |= {"user_id": stack.emulator.user("alice").id, "channel_id": GENERAL}
    with caplog.at_level(logging.WARNING):
        assert stack.emulator.send(urlencode(form), "application/x-www-form-urlencoded").status == 200
        stack.settle()
    ours = stack.runtime.service.get(INC_1)
    theirs = stack.runtime.service.get(Where(team_id="T0SECOND", number=1))
    assert stack.emulator.channel(ours.channel_id).name == "inc-1-payments-are-down"
    assert theirs.channel_id is None, "another workspace's channel is made with that workspace's token"
    assert stack.emulator.channel_by_name("inc-1-payments-are-down-2") is None
    with stack.runtime.db.read() as session:
        assert store.pending_count(session=session, team_id="T0SECOND") > 0
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_70_entry_timeline_is_split_within_slacks_limits(stack: Stack) -> None:
    stack.user("alice").slash("open sev1 Checkout fails")
    service = stack.runtime.service
    for index in range(69):
        service.note(INC_1, actor="U0ALICE", text=f"step {index:02d} " + "checked the logs again; " * 120)
    answer = stack.user("alice").slash("timeline INC-1")
    stack.settle()
    assert answer.status == 200 and not answer.body, "every page goes the same way, so they arrive in order"
    pages = [post.body for post in stack.emulator.response_url_posts() if "blocks" in post.body]
    assert len(pages) >= 2, "a long timeline takes several messages"
    shown = ""
    for page in pages:
        assert len(page["blocks"]) <= MESSAGE_BLOCK_LIMIT
        for text in sections_of(page["blocks"]):
            assert len(text) <= SECTION_LIMIT
            shown += text + "\n"
    positions = [shown.index(f"step {index:02d} ") for index in range(69)]
    assert positions == sorted(positions), "every entry, in order"
    assert "opened INC-1" in shown


def test_a_failure_after_the_ack_does_not_spoil_the_answer(stack: Stack) -> None:
    """With process_before_response, an exception after ack() used to turn the reply into an error."""

    def broken(*_: object) -> None:
        raise RuntimeError("responder exploded")

    stack.runtime.responder.respond = broken  # type: ignore[method-assign]
    stack.runtime.sender_thread.notify = broken  # type: ignore[method-assign]
    answer = stack.user("alice").slash("open sev1 Checkout fails")
    assert answer.status == 200
    assert "Opened *INC-1*" in answer.json["text"]
    timeline = stack.user("alice").slash("timeline INC-1")
    assert timeline.status == 200 and "opened INC-1" in str(timeline.json["blocks"])


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        ("serve", "SLACK_BOT_TOKEN"),
        ("serve", "SLACK_SIGNING_SECRET"),
        ("socket", "SLACK_APP_TOKEN"),
        ("worker", "SLACK_BOT_TOKEN"),
    ],
)
def test_start_up_refuses_to_run_naming_the_missing_setting(command: str, missing: str, tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_APP_TOKEN": "xapp-1",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    del env[missing]
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert f"{missing} is required and not set" in result.stderr
    assert not (tmp_path / "x.db").exists(), "nothing was started"  # SQLite only: a file shows a start
