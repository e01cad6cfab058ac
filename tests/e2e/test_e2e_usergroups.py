"""The user groups pages reach, over HTTP against the emulator, on SQLite and PostgreSQL: known from
the start-up sync, and changed the moment an admin (or an on-call schedule) changes them."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.usergroups import KnownGroup
from bot.sandbox import Sandbox
from bot.storage import usergroups
from slack_emulator import SlackEmulator


def stored(stack: Sandbox, handle: str) -> KnownGroup | None:
    with stack.runtime.db.read() as session:
        return usergroups.by_handle(session=session, handle=handle)


def test_groups_are_known_from_the_start_and_follow_their_changes_at_once(
    make_stack: Callable[..., Sandbox],
) -> None:
    emulator = SlackEmulator()
    web = emulator.add_usergroup("oncall-web", members=["bob"], name="Web on call")
    stack = make_stack(emulator=emulator)
    assert stored(stack, "oncall-web") == KnownGroup(web, "oncall-web", "Web on call", ("U0BOB",))
    assert emulator.admin.set_usergroup_members("oncall-web", ["alice", "gina"]).status == 200
    group = stored(stack, "oncall-web")
    assert group is not None and group.members == ("U0ALICE", "U0GINA")
    assert emulator.admin.create_usergroup("sre-leads", members=["alice"]).status == 200
    leads = stored(stack, "sre-leads")
    assert leads is not None and leads.members == ("U0ALICE",)
    emulator.admin.disable_usergroup("oncall-web")
    found = stored(stack, "oncall-web")
    assert found is not None and found.disabled  # stored before the event was acknowledged
