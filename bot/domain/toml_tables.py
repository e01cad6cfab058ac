"""Files the team writes in TOML and the bot reads at start (the service catalog, the alert rules):
a list of `[[kind]]` tables, each checked apart, every mistake one line naming its table."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from typing import Any


class FileProblems(ValueError):
    """The file cannot be used; `problems` holds one line per mistake, each naming its table."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


Tables = list[dict[str, Any]]


def tables_of(text: str, kind: str, refuse: type[FileProblems] = FileProblems) -> tuple[Tables, list[str]]:
    """The `[[kind]]` tables written in `text`, and the mistakes of the file around them (keys
    other than `kind`); raises `refuse` when the tables cannot be read at all."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise refuse([f"is not valid TOML: {error}"]) from None
    problems = [f"unknown top-level key {key!r}: write each {kind} as [[{kind}]]" for key in document if key != kind]
    tables = document.get(kind, [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise refuse([*problems, f"`{kind}` must be written as [[{kind}]] tables"])
    return tables, problems


def unknown_keys(table: Mapping[str, Any], known: Iterable[str], label: str) -> list[str]:
    """One line per key of `table` that is not `known`."""
    known = tuple(known)
    return [f"{label}: unknown key {key!r} (known: {', '.join(known)})" for key in table if key not in known]
