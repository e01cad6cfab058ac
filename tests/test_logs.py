"""LOG_FORMAT=json: one JSON object a line, carrying the ids of the work being done."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import logging
from bot.logs import configure_logging, log_context
configure_logging()
log = logging.getLogger("bot.outbox.sender")
log.info("plain line")
with log_context(effect_id=7, incident_id=3, effect_kind="card.post"):
    log.warning("effect %s failed", 7)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("with a traceback")
log.info("after the block")
"""


def run_logging(**env: str) -> list[str]:
    environment = {**os.environ, **env}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=environment, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stderr.splitlines()


def test_json_lines_carry_level_logger_message_and_the_effect_being_sent() -> None:
    lines = [json.loads(line) for line in run_logging(LOG_FORMAT="json")]
    assert [line["message"] for line in lines] == [
        "plain line",
        "effect 7 failed",
        "with a traceback",
        "after the block",
    ]
    assert (
        lines[0]["level"] == "INFO"
        and lines[0]["logger"] == "bot.outbox.sender"
        and lines[0]["time"].endswith("+00:00")
    )
    assert "effect_id" not in lines[0] and "effect_id" not in lines[3]
    assert (lines[1]["effect_id"], lines[1]["incident_id"], lines[1]["effect_kind"]) == (7, 3, "card.post")
    assert "ValueError: boom" in lines[2]["exception"]


def test_the_default_format_is_one_readable_line_per_record() -> None:
    lines = run_logging(LOG_FORMAT="")
    assert len(lines) > 4  # the traceback spans lines
    assert lines[0].endswith("INFO bot.outbox.sender: plain line")
