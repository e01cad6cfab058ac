"""*Page again* under "nobody acknowledged the page for Home page nor its escalation group" (tester
F2), end to end on both backends with a manual clock: the notice names both groups, so both are
paged again in one new request; nobody is told to answer a newer message that was never sent, and
the new request is not escalated to the same group a second time (docs/behaviour.md, Paging)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from e2e_stack import Stack, bot_lines, card_of, sections_of, shown, wait_for, wait_until_no_send_is_in_flight
from paging_world import CATALOG, START, dm, notices, press_page_again, replies, told_nobody_answered
from test_e2e_escalation import escalations
from test_e2e_home import home_of

from bot.render import actions
from bot.sandbox import ManualClock
from slack_emulator import SlackEmulator


def test_page_again_after_an_escalation_pages_the_escalation_group_again_too(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    stack, clock, channel = told_nobody_answered(make_stack, tmp_path, "page home", rounds=2)
    press_page_again(stack, channel, "bob")
    assert replies(stack)[-1] == (
        "INC-1: paged *carol* (on call for *Home page*, @oncall-web); paged *dave*, *alice* (@sre-leads, its "
        "escalation group). Each got a direct message to acknowledge it, and an invitation to the channel.\n"
        "Not paged: *bob* (the one paging), *gina* (a workspace guest), *incident-bot* (an app)."
    )
    old, new = dm(stack, "dave")
    assert shown(old).endswith(":repeat: Paged again at 21:51 IST: answer the newer message.")
    assert shown(new).startswith(":pager: *bob* paged you for *INC-1*")
    assert "page.acknowledge" in [e.get("action_id") for b in new.blocks for e in b.get("elements", [])]
    lines = [line for message in bot_lines(stack, channel) for line in message.splitlines()]
    assert "`21:51 IST` *bob* :pager: paged *carol*: on call for Home page (@oncall-web)" in lines
    assert "`21:51 IST` *bob* :pager: paged *dave*, *alice*: in @sre-leads" in lines
    assert "*Paged*\n:rotating_light: *Home page*: escalated to @sre-leads, waiting" in sections_of(
        card_of(stack, channel).blocks
    )
    # nobody answers again: the channel is told once more, the escalation group is not paged a third time
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    assert len(notices(stack, channel)) == 2 and len(escalations(stack, channel)) == 1
    assert len(dm(stack, "dave")) == 2
    # dave can answer the newer message
    stack.user("dave").click(new.channel, new.ts, "page.acknowledge")
    stack.settle()
    assert replies(stack)[-1].startswith("INC-1: thank you, you acknowledged it at 21:56 IST.")


def test_the_one_who_presses_page_again_is_not_told_to_answer_a_newer_message(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """alice, of @sre-leads, presses *Page again*: she is not paged by her own press, so her old
    message says it went to others, not "answer the newer message" (which she never gets)."""
    stack, _, channel = told_nobody_answered(make_stack, tmp_path, "page home", by="bob", rounds=2)
    press_page_again(stack, channel, "alice")
    [old] = dm(stack, "alice")
    assert shown(old).endswith(":repeat: Paged again at 21:51 IST, to others this time: this message needs no answer.")
    assert shown(dm(stack, "dave")[0]).endswith(":repeat: Paged again at 21:51 IST: answer the newer message.")


def test_page_again_reaching_only_the_escalation_group_still_tells_the_channel_when_nobody_answers(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """bob presses *Page again* and is the only one of @oncall-web who could be paged (gina is a
    guest, the other an app): only @sre-leads is paged again. That request still runs out and the
    channel is told (it waited forever, with no time set: a reviewer's finding)."""
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    clock = ManualClock(START)
    emulator = SlackEmulator(clock=clock.timestamp)
    emulator.add_user("carol", real_name="Carol Jones")
    emulator.add_user("dave", real_name="Dave Kim")
    emulator.add_usergroup("oncall-web", members=["bob", "gina", "incident-bot"], name="Web on call")
    emulator.add_usergroup("sre-leads", members=["dave", "carol"], name="SRE leads")
    stack = make_stack(clock=clock, emulator=emulator, settings={"INCIDENT_CATALOG": str(tmp_path / "catalog.toml")})
    stack.user("alice").slash("open sev1 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    for _ in range(2):
        clock.advance(minutes=5)
        stack.settle()
        stack.settle()
    press_page_again(stack, channel, "bob")
    assert replies(stack)[-1].startswith("INC-1: paged *dave*, *carol* (@sre-leads, its escalation group).")
    assert "*Paged*\n:rotating_light: *Home page*: escalated to @sre-leads, waiting" in sections_of(
        card_of(stack, channel).blocks
    )
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    assert len(notices(stack, channel)) == 2, "nobody answered the page again: the channel is told"
    assert len(escalations(stack, channel)) == 1, "and @sre-leads is not escalated to a second time"


def failed_updates(stack: Stack) -> int:
    return sum(not call.ok for call in stack.emulator.calls("chat.update"))


def test_an_old_message_edited_after_its_newer_page_was_answered_points_to_no_newer_message(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """Slack fails the edit of bob's old message (and the card's) when *Page again* is pressed; bob
    acknowledges the newer page from his App Home meanwhile. Once the edit goes, nothing is left
    to answer: it must not say "answer the newer message" (it counted any later page before)."""
    stack, clock, channel = told_nobody_answered(make_stack, tmp_path, "page @bob")
    [notice] = notices(stack, channel)
    stack.emulator.fail_next("chat.update", status=500, times=2)
    stack.user("alice").click(channel, notice.ts, "page.again")
    wait_for(lambda: failed_updates(stack) >= 2, timeout=15)
    wait_until_no_send_is_in_flight(stack)
    assert stack.user("bob").open_home().status == 200
    stack.runtime.home_thread.notify()
    wait_for(lambda: stack.emulator.home("bob") and "Acknowledge" in home_of(stack, "bob"), timeout=15)
    assert stack.user("bob").click_in_home(actions.ACKNOWLEDGE_PAGE).status == 200
    wait_until_no_send_is_in_flight(stack)
    clock.advance(seconds=30)
    stack.settle(timeout=30)
    [old] = dm(stack, "bob")  # the newer page, answered before its message went, sends none
    assert shown(old).endswith(":repeat: Paged again at 21:46 IST: this message needs no answer.")


def test_an_old_button_pressed_after_the_newer_page_was_answered_is_told_nothing_waits(
    make_stack: Callable[..., Stack], tmp_path: Path, unchanged: Callable[..., Any]
) -> None:
    """bob's Slack still shows his first message's buttons after he acknowledged the newer page:
    pressing them is told that nothing waits for his answer, not to answer the newer message."""
    stack, _, channel = told_nobody_answered(make_stack, tmp_path, "page @bob")
    [old] = dm(stack, "bob")
    press_page_again(stack, channel, "alice")
    new = dm(stack, "bob")[1]
    stack.user("bob").click(new.channel, new.ts, "page.acknowledge")
    stack.settle()
    with unchanged(stack.runtime.db):
        for action in ("page.acknowledge", "page.decline"):  # never "You already answered" either
            stack.user("bob").click_as_shown(old.channel, old.ts, old.blocks, action)
            stack.settle()
            assert replies(stack)[-1] == ":warning: This page was sent again since: this message needs no answer now."


def test_page_again_with_the_on_call_group_disabled_pages_the_escalation_group_and_says_why(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """@oncall-web was disabled since: *Page again* was refused, although @sre-leads could still be
    paged. Now whoever can be paged is, and the reply says who could not be, and why."""
    stack, _, channel = told_nobody_answered(make_stack, tmp_path, "page home", rounds=2)
    assert stack.emulator.admin.disable_usergroup("oncall-web").status == 200
    press_page_again(stack, channel, "bob")
    assert replies(stack)[-1] == (
        "INC-1: paged *dave*, *alice* (@sre-leads, its escalation group). Each got a direct message to acknowledge "
        "it, and an invitation to the channel.\n@oncall-web could not be paged: disabled in Slack."
    )
    old, new = dm(stack, "dave")
    assert shown(old).endswith(":repeat: Paged again at 21:51 IST: answer the newer message.")
    assert "page.acknowledge" in [e.get("action_id") for b in new.blocks for e in b.get("elements", [])]
    assert "*Paged*\n:rotating_light: *Home page*: escalated to @sre-leads, waiting" in sections_of(
        card_of(stack, channel).blocks
    )
    assert len(dm(stack, "carol")) == 1, "nobody of the disabled group is paged again"


def test_page_again_with_nobody_left_to_page_is_refused_with_why_and_stores_nothing(
    make_stack: Callable[..., Stack], tmp_path: Path, unchanged: Callable[..., Any]
) -> None:
    stack, _, channel = told_nobody_answered(make_stack, tmp_path, "page home", rounds=2)
    for group in ("oncall-web", "sre-leads"):
        assert stack.emulator.admin.disable_usergroup(group).status == 200
    stack.settle()
    [notice] = notices(stack, channel)
    with unchanged(stack.runtime.db):
        stack.user("bob").click(channel, notice.ts, "page.again")
        stack.settle()
    assert replies(stack)[-1] == (
        ":warning: Nobody was paged for INC-1.\n@oncall-web could not be paged: disabled in Slack.\n"
        "@sre-leads could not be paged: disabled in Slack."
    )
    assert len(dm(stack, "dave")) == 1 and len(notices(stack, channel)) == 1


def test_page_again_pressed_by_the_only_one_it_would_page_stores_nothing_and_can_still_be_pressed(
    make_stack: Callable[..., Stack], tmp_path: Path, unchanged: Callable[..., Any]
) -> None:
    """bob presses *Page again* on the notice about his own page: nobody is paged (he is the one
    paging). Before, the page was marked paged again all the same, so the notice's button then
    answered "already paged again: see the newer one", with no newer one."""
    stack, _, channel = told_nobody_answered(make_stack, tmp_path, "page @bob")
    [notice] = notices(stack, channel)
    with unchanged(stack.runtime.db):
        stack.user("bob").click(channel, notice.ts, "page.again")
        stack.settle()
    assert replies(stack)[-1] == ":warning: Nobody was paged for INC-1.\nNot paged: *bob* (the one paging)."
    stack.user("alice").click(channel, notice.ts, "page.again")
    stack.settle()
    assert replies(stack)[-1].startswith("INC-1: paged *bob*. They got a direct message")
    assert len(dm(stack, "bob")) == 2
