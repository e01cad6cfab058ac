"""*Page again* under "nobody acknowledged the page for Home page nor its escalation group" (tester
F2), end to end on both backends with a manual clock: the notice names both groups, so both are
paged again in one new request; nobody is told to answer a newer message that was never sent, and
the new request is not escalated to the same group a second time (docs/behaviour.md, Paging)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from e2e_stack import Stack, bot_lines, card_of, sections_of, shown
from paging_world import dm, notices, paging_world, replies
from test_e2e_escalation import escalations


def test_page_again_after_an_escalation_pages_the_escalation_group_again_too(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    stack, clock, channel = paging_world(make_stack, tmp_path)
    stack.user("alice").slash("page home", channel=channel)
    stack.settle()
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    clock.advance(minutes=5)
    stack.settle()
    stack.settle()
    [notice] = notices(stack, channel)
    stack.user("bob").click(channel, notice.ts, "page.again")
    stack.settle()
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
