"""Logging for the entry points: timestamps, levels, and no chatter from HTTP libraries.

`LOG_FORMAT=json` writes one JSON object a line (time in UTC, level, logger, message, and the
incident and effect ids of the work being done when there are any: see `log_context`), for log
pipelines; the default is one readable line.

Secrets never reach the logs: we never log tokens, request bodies or settings beyond their
redacted repr, and slack_sdk's debug output (which includes request headers) stays off.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_context: ContextVar[dict[str, object]] = ContextVar("incident_bot_log_context", default={})  # noqa: B039

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Every line logged inside the block carries `fields` (JSON format), e.g. the effect being sent."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, context ids, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level_problem(text: str | None) -> str | None:
    """Why LOG_LEVEL=`text` is unusable (one line), or None."""
    if not text or text.strip().upper() in LEVELS:
        return None
    return f"LOG_LEVEL={text.strip()!r} is not a level ({', '.join(LEVELS)}); e.g. LOG_LEVEL=INFO"


FORMATS = ("text", "json")


def log_format_problem(text: str | None) -> str | None:
    """Why LOG_FORMAT=`text` is unusable (one line), or None."""
    if not text or text.strip().lower() in FORMATS:
        return None
    return f"LOG_FORMAT={text.strip()!r} is not a format (text or json); e.g. LOG_FORMAT=json"


def configure_logging() -> None:
    text = os.environ.get("LOG_LEVEL", "").strip().upper()
    level = text if text in LEVELS else "INFO"
    handler = logging.StreamHandler()
    json_lines = os.environ.get("LOG_FORMAT", "text").strip().lower() == "json"
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in ("slack_sdk", "slack_bolt", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
