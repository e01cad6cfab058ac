"""Logging for the entry points: timestamps, levels, and no chatter from HTTP libraries.

Secrets never reach the logs: we never log tokens, request bodies or settings beyond their
redacted repr, and slack_sdk's debug output (which includes request headers) stays off.
"""

from __future__ import annotations

import logging
import os


def configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("slack_sdk", "slack_bolt", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
