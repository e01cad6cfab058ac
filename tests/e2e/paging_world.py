"""The workspace the paging tests page in (tests/e2e/test_e2e_paging.py, test_e2e_escalation.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from e2e_stack import Stack

from bot.sandbox import ManualClock
from slack_emulator import SlackEmulator
from slack_emulator.records import Message

CATALOG = """
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }
oncall = "oncall-web"
escalation = "sre-leads"

[[component]]
id = "api"
name = "Public API"
"""
START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)  # 21:41 IST


def paging_world(
    make_stack: Callable[..., Stack], tmp_path: Path, settings: dict[str, str] | None = None
) -> tuple[Stack, ManualClock, str]:
    """INC-1 (sev1, opened by alice at 21:41 IST) with its channel; @oncall-web is bob, carol, gina
    (a guest) and the bot itself; @sre-leads is dave and alice. `settings`: more of the bot's."""
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    clock = ManualClock(START)
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_user("carol", real_name="Carol Jones")
    emulator.add_user("dave", real_name="Dave Kim")
    emulator.add_usergroup("oncall-web", members=["bob", "carol", "gina", "incident-bot"], name="Web on call")
    emulator.add_usergroup("sre-leads", members=["dave", "alice"], name="SRE leads")
    chosen = {"INCIDENT_CATALOG": str(tmp_path / "catalog.toml"), **(settings or {})}
    stack = make_stack(clock=clock, emulator=emulator, settings=chosen)
    stack.user("alice").slash("open sev1 Checkout fails for <everyone>")
    stack.settle()
    return stack, clock, stack.channel_of(1)


def told_nobody_answered(
    make_stack: Callable[..., Stack], tmp_path: Path, command: str, *, by: str = "alice", rounds: int = 1
) -> tuple[Stack, ManualClock, str]:
    """`paging_world`'s INC-1 where `by` typed `/incident page <command>` and nobody answered for
    `rounds` escalation times (2 for a component: its on-call group, then its escalation group)."""
    stack, clock, channel = paging_world(make_stack, tmp_path)
    stack.user(by).slash(command, channel=channel)
    stack.settle()
    for _ in range(rounds):
        clock.advance(minutes=5)
        stack.settle()
        stack.settle()
    return stack, clock, channel


def dm(stack: Stack, person: str) -> list[Message]:
    """The app's direct messages to `person` (name), oldest first."""
    user = stack.emulator.user(person)
    try:
        return stack.emulator.messages(f"D{user.id}")
    except KeyError:
        return []


def replies(stack: Stack) -> list[str]:
    return [str(post.body.get("text", "")) for post in stack.emulator.response_url_posts()]


def notices(stack: Stack, channel: str) -> list[Message]:
    """The "nobody acknowledged" messages, with their buttons."""
    return [
        m
        for m in stack.emulator.messages(channel)
        if any(b.get("block_id") == "incident.page_unanswered" for b in m.blocks)
    ]


def press_page_again(stack: Stack, channel: str, person: str) -> None:
    """`person` presses *Page again* on the channel's one notice that nobody answered; settled."""
    [notice] = notices(stack, channel)
    stack.user(person).click(channel, notice.ts, "page.again")
    stack.settle()
