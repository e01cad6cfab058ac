"""Every round of every sender looks for its workspace's pause (`bot.outbox.pause.current`).
Finished effects are kept for good, so that look must not read them: with 256,000 of them it
took 28-31 ms a round on SQLite before `ix_effect_pending_kind` (migration 0038)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from bot.outbox import pause
from bot.storage.db import Database


def test_a_senders_look_for_its_pause_reads_pending_pauses_only_never_the_outboxs_history(sqlite_db: Database) -> None:
    # SQLite only: EXPLAIN QUERY PLAN is SQLite's (as tests/storage/test_schema.py's index checks)
    sent: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(sqlite_db.engine, "before_cursor_execute", remember)
    try:
        for team in ("T1", None):  # a sender's own workspace; any workspace's (/healthz)
            sent.clear()
            with sqlite_db.read_each() as session:
                assert pause.current(session=session, team_id=team) is None
            [(statement, parameters)] = [(s, p) for s, p in sent if "effect" in s]
            with sqlite_db.engine.connect() as connection:
                plan = str(connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all())
            assert "ix_effect_pending_kind" in plan, plan
            assert "SCAN effect" not in plan, plan
    finally:
        event.remove(sqlite_db.engine, "before_cursor_execute", remember)
