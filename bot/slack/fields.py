"""Reading what Slack sent, field by field: each field with its type, or one `Malformed` error
naming the field's path (`view.state.values`, `actions[0].action_id`) and what was wrong.

Slack documents its payloads but changes them, and the bot must never answer a surprising one
with a 5xx: `bot.slack.shapes` reads every request through `Fields`, so no listener indexes a
raw dictionary. A missing optional field and JSON `null` read the same: the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Waiting:
    """Someone waiting for the answer to a request that turned out unreadable, and how to tell them."""

    response_url: str | None = None  # an ephemeral message there (a button, a shortcut)
    modal: bool = False  # a modal's submission: answered in the modal itself


class Malformed(Exception):
    """A request, or part of one, this bot cannot read: `path` is where, `problem` what.

    `bot.slack.shapes.read` fills in `kind` (the request's type) and `waiting` once it knows who
    asked and how they can be answered; `waiting` None: nobody can be told (a 400)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem
        self.kind = "request"
        self.waiting: Waiting | None = None

    def reason(self) -> str:
        """One line for the log and the 400: the request's type (once known), the path, the problem."""
        return str(self) if self.kind == "request" else f"{self.kind}: {self}"


def kind_of(value: object) -> str:
    """How a JSON value is named in a refusal: `a string`, `a list`, `null`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class Fields:
    """One JSON object, read one field at a time; `path` names it in every refusal."""

    def __init__(self, value: object, path: str = "") -> None:
        if not isinstance(value, Mapping):
            raise Malformed(path, f"expected an object, got {kind_of(value)}")
        self.value: Mapping[str, Any] = value
        self.path = path

    def at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        """Whether the field is there and not null."""
        return self.value.get(name) is not None

    def text(self, name: str) -> str:
        """A string that must be there and not empty (an id, a type)."""
        found = self.value.get(name)
        if found is None:
            raise Malformed(self.at(name), "missing")
        if not isinstance(found, str):
            raise Malformed(self.at(name), f"expected a string, got {kind_of(found)}")
        if not found:
            raise Malformed(self.at(name), "empty")
        return found

    def maybe_text(self, name: str) -> str | None:
        """A string, or None when it is missing or null."""
        found = self.value.get(name)
        if found is not None and not isinstance(found, str):
            raise Malformed(self.at(name), f"expected a string, got {kind_of(found)}")
        return found

    def optional_text(self, name: str) -> str:
        """A string, "" when it is missing or null."""
        return self.maybe_text(name) or ""

    def flag(self, name: str) -> bool:
        """A boolean, False when it is missing or null."""
        found = self.value.get(name)
        if found is not None and not isinstance(found, bool):
            raise Malformed(self.at(name), f"expected a boolean, got {kind_of(found)}")
        return bool(found)

    def maybe_integer(self, name: str) -> int | None:
        found = self.value.get(name)
        if found is not None and (isinstance(found, bool) or not isinstance(found, int)):
            raise Malformed(self.at(name), f"expected a whole number, got {kind_of(found)}")
        return found

    def object(self, name: str) -> Fields:
        """A nested object that must be there."""
        if self.value.get(name) is None:
            raise Malformed(self.at(name), "missing")
        return Fields(self.value[name], self.at(name))

    def maybe_object(self, name: str) -> Fields | None:
        """A nested object, or None when it is missing or null."""
        found = self.value.get(name)
        return None if found is None else Fields(found, self.at(name))

    def objects(self, name: str, *, required: bool = False) -> list[Fields]:
        """A list of objects ([] when missing or null, unless `required`: then at least one)."""
        found = self.value.get(name)
        if found is None and not required:
            return []
        if not isinstance(found, list):
            raise Malformed(self.at(name), "missing" if found is None else f"expected a list, got {kind_of(found)}")
        if required and not found:
            raise Malformed(self.at(name), "empty")
        return [Fields(item, f"{self.at(name)}[{index}]") for index, item in enumerate(found)]

    def entries(self) -> list[tuple[str, Fields]]:
        """Every field of this object, each read as an object itself (Slack's maps keyed by id)."""
        return [(str(key), Fields(item, self.at(str(key)))) for key, item in self.value.items()]
