"""`incident-bot outbox` and `outbox retry`, through the console entry point, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot import health
from bot.outbox.backoff import Backoff
from bot.outbox.failures import GiveUp, Hold
from bot.outbox.sender import EffectSender
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import OPENING, FakeSlack

Unchanged = Callable[[Database], AbstractContextManager[None]]


@pytest.fixture
def cli(run_cli: Callable[..., int]) -> Callable[..., int]:
    return lambda *argv: run_cli("outbox", *argv)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))


@pytest.fixture
def slack() -> FakeSlack:
    return FakeSlack()


@pytest.fixture
def sender(db: Database, slack: FakeSlack, clock: ManualClock) -> EffectSender:
    return EffectSender(db, slack, clock=clock, workspace=lambda: "T1", backoff=Backoff(random=lambda: 1.0))


@pytest.fixture
def troubled(db: Database, slack: FakeSlack, sender: EffectSender, clock: ManualClock) -> dict[str, int]:
    """INC-1's channel given up (deleted), INC-2's work held (token revoked): the ids of both."""
    service = IncidentService(db, zone=KOLKATA, clock=clock)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    slack.failures.append(GiveUp("slack error channel_not_found"))
    sender.drain()
    service.open(team_id="T1", actor="U1", title="Search is slow")
    slack.failing = lambda: Hold("token_revoked")
    sender.drain()
    with db.read() as session:
        rows = session.exec(select(EffectRow).where(col(EffectRow.state).in_(("dead", "held")))).all()
    return {row.state: int(row.id or 0) for row in rows}


def rows_of(output: str) -> dict[str, list[str]]:
    """The table's rows by ID, split on runs of two or more spaces."""
    import re

    lines = [line for line in output.splitlines() if re.match(r"^\s*\d+\s{2,}", line)]
    return {cells[0]: cells for cells in (re.split(r"\s{2,}", line.strip()) for line in lines)}


def test_the_outbox_lists_pending_held_and_given_up_work_with_the_reason(
    cli: Callable[..., int], troubled: dict[str, int], capsys: pytest.CaptureFixture[str], clock: ManualClock
) -> None:
    assert cli() == 0
    output = capsys.readouterr().out
    since = clock().astimezone(KOLKATA)
    assert output.startswith(f"Slack auth failing since {since:%Y-%m-%d %H:%M} IST: token_revoked.")
    assert "ID  STATE" in output and "LAST ERROR" in output
    rows = rows_of(output)
    dead, held = rows[str(troubled["dead"])], rows[str(troubled["held"])]
    assert dead[1:6] == ["given up", "channel.create", "INC-1", "1", "5m"]
    assert dead[-1] == "slack error channel_not_found"
    assert held[1:6] == ["held", "channel.create", "INC-2", "1", "5m"]
    assert held[-2:] == ["after the auth check", "token_revoked"]
    pending = [row for row in rows.values() if row[1] == "pending"]
    assert [row[2] for row in pending] == OPENING[1:]
    assert all(row[3] == "INC-2" for row in pending)
    assert "6 pending, 1 held, 1 given up." in output


def test_the_outbox_says_when_nothing_is_waiting(
    cli: Callable[..., int], db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli() == 0
    assert capsys.readouterr().out == "No Slack work waiting: everything was sent.\n"


def test_retry_sends_one_given_up_effect_again(
    cli: Callable[..., int],
    troubled: dict[str, int],
    db: Database,
    slack: FakeSlack,
    sender: EffectSender,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli("retry", str(troubled["dead"])) == 0
    assert capsys.readouterr().out == f"{troubled['dead']} (channel.create, INC-1) will be sent again now.\n"
    slack.failing = None
    clock.set(datetime.now(UTC) + timedelta(seconds=1))  # the sender's clock catches up with the CLI's
    sender.drain()  # the pause's check is due at once: a person asked
    assert slack.sent_for(1) == [*OPENING[1:], OPENING[0]]  # the rest went on when it was given up
    assert slack.sent_for(2) == OPENING
    assert health.problem(db, KOLKATA) is None


def test_retry_all_sends_held_and_given_up_work_and_ends_the_pause(
    cli: Callable[..., int],
    troubled: dict[str, int],
    db: Database,
    slack: FakeSlack,
    sender: EffectSender,
    clock: ManualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli("retry", "--all") == 0
    assert capsys.readouterr().out == "2 effects will be sent again now\n"
    slack.failing = None
    clock.set(datetime.now(UTC) + timedelta(seconds=1))
    sender.drain()
    assert slack.sent_for(2) == OPENING
    assert slack.sent_for(1)[-1] is OPENING[0]
    assert health.problem(db, KOLKATA) is None
    assert cli() == 0
    assert "No Slack work waiting" in capsys.readouterr().out


def test_retry_all_with_nothing_held_or_given_up_changes_nothing(
    cli: Callable[..., int], db: Database, capsys: pytest.CaptureFixture[str], unchanged: Unchanged
) -> None:
    with unchanged(db):
        assert cli("retry", "--all") == 0
    assert capsys.readouterr().out == "Nothing held or given up: nothing to retry.\n"


def test_retry_of_a_pending_or_sent_effect_is_refused(
    cli: Callable[..., int],
    troubled: dict[str, int],
    db: Database,
    capsys: pytest.CaptureFixture[str],
    unchanged: Unchanged,
) -> None:
    sent, pending = troubled["dead"] + 1, troubled["held"] + 1
    with unchanged(db):
        assert cli("retry", str(sent)) == 1  # not in a state that allows it
        assert cli("retry", str(pending)) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        f"{sent} (channel.invite, INC-1) was sent already: nothing to retry.",
        f"{pending} (channel.invite, INC-2) is pending already (next try now).",
    ]


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["retry", "abc"], 1, "No Slack work has the ID 'abc': IDs are the first column of `incident-bot outbox`."),
        (["retry", "9999"], 1, "No Slack work has the ID '9999': IDs are the first column of `incident-bot outbox`."),
        (["retry", "-5"], 1, "No Slack work has the ID '-5': IDs are the first column of `incident-bot outbox`."),
        (["retry"], 2, "usage: incident-bot outbox retry ID | --all"),
        (["retry", "3", "--all"], 2, "usage: incident-bot outbox retry ID | --all"),
    ],
)
def test_a_bad_retry_says_so_in_one_line_and_changes_nothing(
    argv: list[str],
    status: int,
    message: str,
    cli: Callable[..., int],
    troubled: dict[str, int],
    db: Database,
    capsys: pytest.CaptureFixture[str],
    unchanged: Unchanged,
) -> None:
    with unchanged(db):
        assert cli(*argv) == status  # 1: no such work; 2: the command is written wrong
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert captured.out == ""
