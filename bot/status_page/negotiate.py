"""The reader's language: `?lang=` when offered, else the best `Accept-Language` match, else the first."""

from __future__ import annotations

from collections.abc import Sequence


def choose_language(asked: str | None, accept_language: str | None, offered: Sequence[str]) -> str:
    if asked and asked.strip().lower() in offered:
        return asked.strip().lower()
    for tag in _preferred(accept_language or ""):
        if tag == "*":
            return offered[0]
        for candidate in (tag, tag.split("-")[0]):
            if candidate in offered:
                return candidate
    return offered[0]


def _preferred(header: str) -> list[str]:
    """Language tags by decreasing quality (q=0 means "not this"), ties in the order given."""
    weighted = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]
