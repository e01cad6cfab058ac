"""Reading a sender's JSON field by field: each field with its type, or one `Malformed` naming
the field's path (`alerts[2].labels.severity`, `view.state.values`) and what is wrong.

Everything that arrives from outside is read this way before anything acts on it: Slack's
requests and events (`bot.slack.shapes`), alert notifications (`bot.intake`), the Slack users
and messages the Web API describes. Nothing indexes a raw dictionary, so a surprising shape is
one `Malformed` (a 400, or a plain answer to the person waiting), never a crash."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


class Malformed(ValueError):
    """Malformed input: `path` is the field, `problem` what is wrong with it."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path} {problem}" if path else problem)
        self.path = path
        self.problem = problem


def unstorable(value: object, path: str = "") -> Malformed | None:
    """The first text in parsed JSON (a key or a string, depth first) that no database can store: a
    NUL character (PostgreSQL refuses it in text) or half of a surrogate pair (`"\\ud800"`, which
    is not UTF-8 at all); None when every text can be stored."""
    if isinstance(value, str):
        return _unstorable_text(value, path or "the body")
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := unstorable(item, f"{path}[{index}]"):
                return found
    if isinstance(value, Mapping):
        for key, item in value.items():
            at = f"{path}.{key}" if path else str(key)
            if found := _unstorable_text(str(key), f"{path or 'the body'} has a key that") or unstorable(item, at):
                return found
    return None


def _unstorable_text(text: str, path: str) -> Malformed | None:
    if "\x00" in text:
        return Malformed(path, "contains a NUL character (\\u0000), which cannot be stored")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return Malformed(path, "contains half of a surrogate pair (\\ud800-\\udfff), which is not text")
    return None


def kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


class JsonObject:
    """One JSON object of a request; `path` names it in every refusal. A field that is missing
    and one that is `null` read the same."""

    def __init__(self, value: object, path: str = "") -> None:
        if not isinstance(value, Mapping):
            raise Malformed(path or "the body", f"must be a JSON object, not {kind_of(value)}")
        self.value: Mapping[str, Any] = value
        self.path = path

    def at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def text(self, name: str, *, limit: int | None = None) -> str:
        """A string that must be there and not empty."""
        found = self.maybe_text(name, limit=limit)
        if not found:
            raise Malformed(self.at(name), "is missing" if found is None else "is empty")
        return found

    def maybe_text(self, name: str, *, limit: int | None = None) -> str | None:
        found = self.value.get(name)
        if found is not None and not isinstance(found, str):
            raise Malformed(self.at(name), f"must be a string, not {kind_of(found)}")
        if found is not None and limit is not None and len(found) > limit:
            raise Malformed(self.at(name), f"is longer than {limit} characters")
        return found

    def fitting_text(self, name: str, limit: int) -> str | None:
        """A string that is nice to have: None when missing, empty or longer than `limit`."""
        found = self.maybe_text(name)
        return found if found and len(found) <= limit else None

    def number(self, name: str) -> int:
        """A whole number, 0 when missing."""
        found = self.value.get(name)
        if found is None:
            return 0
        if isinstance(found, bool) or not isinstance(found, int) or found < 0:
            raise Malformed(self.at(name), f"must be a whole number, not {kind_of(found)}")
        return found

    def labels(self, name: str) -> dict[str, str]:
        """An object of strings (labels, annotations), {} when missing."""
        found = self.value.get(name)
        if found is None:
            return {}
        inner = JsonObject(found, self.at(name))
        for key, value in inner.value.items():
            if not isinstance(value, str):
                raise Malformed(inner.at(str(key)), f"must be a string, not {kind_of(value)}")
        return {str(key): value for key, value in inner.value.items()}

    def flag(self, name: str) -> bool:
        """A boolean, False when missing."""
        found = self.value.get(name)
        if found is not None and not isinstance(found, bool):
            raise Malformed(self.at(name), f"must be true or false, not {kind_of(found)}")
        return bool(found)

    def strings(self, name: str) -> list[str]:
        """A list of strings (ids), [] when missing."""
        found = self.value.get(name)
        if found is None:
            return []
        if not isinstance(found, list):
            raise Malformed(self.at(name), f"must be a list, not {kind_of(found)}")
        for index, item in enumerate(found):
            if not isinstance(item, str):
                raise Malformed(f"{self.at(name)}[{index}]", f"must be a string, not {kind_of(item)}")
        return list(found)

    def count(self, name: str) -> int | None:
        """A count Slack sends as a number or as digits in a string (`user_count`); None when missing."""
        found = self.value.get(name)
        if found is None:
            return None
        if isinstance(found, str) and found.isascii() and found.isdigit():
            return int(found)
        return self.number(name)

    def entries(self) -> list[tuple[str, JsonObject]]:
        """Every field, each an object itself (a map keyed by ids, such as a modal's inputs)."""
        return [(str(key), JsonObject(item, self.at(str(key)))) for key, item in self.value.items()]

    def objects(self, name: str, *, required: bool = False) -> list[JsonObject]:
        """A list of objects ([] when missing, unless `required`)."""
        found = self.value.get(name)
        if found is None and not required:
            return []
        if not isinstance(found, list):
            raise Malformed(self.at(name), "is missing" if found is None else f"must be a list, not {kind_of(found)}")
        return [JsonObject(item, f"{self.at(name)}[{index}]") for index, item in enumerate(found)]

    def object(self, name: str) -> JsonObject:
        """A nested object that must be there."""
        if self.value.get(name) is None:
            raise Malformed(self.at(name), "is missing")
        return JsonObject(self.value[name], self.at(name))

    def maybe_object(self, name: str) -> JsonObject | None:
        found = self.value.get(name)
        return None if found is None else JsonObject(found, self.at(name))

    def epoch_time(self, name: str) -> datetime | None:
        """A Unix time in whole seconds (UTC); None when missing or 0. Beyond what a datetime holds
        (the year 9999) it is malformed, not a crash where it is shown."""
        seconds = self.number(name)
        if not seconds:
            return None
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise Malformed(self.at(name), f"is not a time: {seconds} seconds after 1970") from None

    def time(self, name: str) -> datetime | None:
        """An RFC 3339 time with its offset; None when missing, empty, or Go's zero time
        (`0001-01-01T00:00:00Z`, what Alertmanager sends as the end of a firing alert)."""
        found = self.maybe_text(name)
        if not found:
            return None
        try:
            moment = datetime.fromisoformat(found)
        except ValueError:
            raise Malformed(self.at(name), f"is not an RFC 3339 time: {found[:40]!r}") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise Malformed(self.at(name), "has no time zone offset (write Z or +00:00)")
        return None if moment.year == 1 else moment
