"""A database that also holds another workspace's incidents (a demo run against it, a second
install): the bot serving this workspace sends none of that work with its token, and its own
incidents go through, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from e2e_stack import wait_for
from sqlmodel import col, select

from bot.sandbox import Sandbox
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA


def test_another_workspaces_pending_work_in_the_database_is_never_sent(
    make_stack: Callable[..., Sandbox], database_url: str
) -> None:
    other = Database(database_url)
    other.upgrade()
    IncidentService(other, zone=KOLKATA).open(team_id="T0ANOTHER", actor="U0ZED", title="Their own outage")
    other.dispose()
    stack = make_stack()  # serves the emulator's workspace, T0EMULATOR (auth.test's team)
    assert "Opened *INC-1*" in stack.user("alice").slash("open sev2 Search is slow").json["text"]
    wait_for(lambda: stack.emulator.channel_by_name("inc-1-search-is-slow"), timeout=30)
    stack.runtime.send_due_reminders()
    stack.runtime.sender_thread.notify()
    assert stack.emulator.channel_by_name("inc-1-their-own-outage") is None
    assert all("Their own outage" not in str(call.args) for call in stack.emulator.calls())
    with stack.runtime.db.read() as session:
        theirs = session.exec(select(EffectRow).where(col(EffectRow.team_id) == "T0ANOTHER")).all()
    assert theirs and {(row.state, row.attempts, row.claimed_by) for row in theirs} == {("pending", 0, None)}
