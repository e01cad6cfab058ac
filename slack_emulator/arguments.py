"""The arguments of one Web API call, and the error a method answers with.

Slack accepts arguments as a query string, a form body or a JSON body; they are merged into one
``Args``. Form and query values are strings, JSON values keep their types; ``blocks``, ``view``
and ``attachments`` sent as JSON strings are decoded by ``Args.json_value``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from slack_emulator.records import JSON

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass
class ApiError(Exception):
    """A Slack error answer: ``{"ok": false, "error": error, **extra}`` with HTTP ``status``."""

    error: str
    extra: JSON = field(default_factory=dict)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> JSON:
        """The JSON body Slack sends for this error."""
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(messages: list[str]) -> ApiError:
    """Slack's answer to malformed arguments, with its ``[ERROR] ...`` messages."""
    return ApiError("invalid_arguments", {"response_metadata": {"messages": messages}})


class Args:
    """Typed access to the merged arguments of one call."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def raw(self, name: str) -> Any:
        """The value as received (None when absent)."""
        return self.values.get(name)

    def text(self, name: str, default: str = "") -> str:
        """The value as a string (``default`` when absent or null)."""
        value = self.values.get(name)
        return default if value is None else str(value)

    def opt_text(self, name: str) -> str | None:
        """The value as a string, None when absent, null or empty."""
        value = self.values.get(name)
        return None if value in (None, "") else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        """The value as a boolean (``true``/``1`` strings or a JSON boolean)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in TRUE_WORDS

    def integer(self, name: str, default: int) -> int:
        """The value as an integer; ``invalid_arguments`` when it is not one."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments([f"[ERROR] invalid `{name}`: expected an integer"]) from None

    def json_value(self, name: str, *, error: str = "invalid_arguments") -> Any:
        """The value decoded from JSON when it arrived as a string (``blocks``, ``view``...)."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ApiError(
                    error, {"response_metadata": {"messages": [f"[ERROR] `{name}` is not valid JSON"]}}
                ) from None
        return value

    def items(self, name: str) -> list[str]:
        """A comma-separated value (or a JSON list) as a list of non-empty strings."""
        value = self.values.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]
