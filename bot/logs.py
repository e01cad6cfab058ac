"""Logging for the entry points: timestamps, levels, and no chatter from HTTP libraries.

Secrets never reach the logs: we never log tokens, request bodies or settings beyond their
redacted repr, and slack_sdk's debug output (which includes request headers) stays off.
"""

from __future__ import annotations

import logging
import os

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level_problem(text: str | None) -> str | None:
    """Why LOG_LEVEL=`text` is unusable (one line), or None."""
    if not text or text.strip().upper() in LEVELS:
        return None
    return f"LOG_LEVEL={text.strip()!r} is not a level ({', '.join(LEVELS)}); e.g. LOG_LEVEL=INFO"


def configure_logging() -> None:
    text = os.environ.get("LOG_LEVEL", "").strip().upper()
    level = text if text in LEVELS else "INFO"
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("slack_sdk", "slack_bolt", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
