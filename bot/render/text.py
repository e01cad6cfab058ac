"""Slack's text rules: escaping user text and keeping messages inside Slack's limits.

Escaping is the one defence that stops a title like `<!channel> down` from pinging a whole
channel: every piece of user text passes through `escape` before it reaches Slack.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bot.domain.markup import escape, shorten

SECTION_LIMIT = 3000  # characters of mrkdwn in one section
MESSAGE_BLOCK_LIMIT = 50  # blocks in one message
HEADER_LIMIT = 150  # characters of plain text in a header
TOPIC_LIMIT = 250  # characters in a channel topic
FALLBACK_LIMIT = 3000  # the notification text we send with blocks


def escape_within(text: str, limit: int) -> str:
    """`text` escaped and, if need be, shortened at a word so that the escaped form fits `limit`."""
    budget = limit
    escaped = escape(text)
    while len(escaped) > limit:
        budget -= max(1, len(escaped) - limit)
        escaped = escape(shorten(text, budget))
    return escaped


def _safe_cut(text: str, limit: int) -> int:
    """Where to cut escaped `text` at or before `limit`: at a line break or space, never in `&lt;`."""
    for separator in ("\n", " "):
        position = text.rfind(separator, limit // 2, limit)
        if position > 0:
            return position
    amp = text.rfind("&", max(0, limit - 4), limit)  # entities are at most 5 characters: `&amp;`
    if amp > 0 and text.find(";", amp) >= limit:
        return amp
    return limit


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of already-escaped mrkdwn, each at most `limit` characters."""
    pieces = []
    while len(text) > limit:
        cut = _safe_cut(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def pack_lines(lines: Iterable[str], limit: int = SECTION_LIMIT) -> list[str]:
    """Join escaped lines into as few section texts as fit, splitting any line that is too long."""
    sections: list[str] = []
    current = ""
    for line in lines:
        for piece in split_text(line, limit):
            if current and len(current) + 1 + len(piece) > limit:
                sections.append(current)
                current = ""
            current = f"{current}\n{piece}" if current else piece
    if current:
        sections.append(current)
    return sections


def whole_lines(lines: Iterable[tuple[int, str]]) -> list[tuple[list[int], list[str]]]:
    """Escaped lines, each with the id of what it reports, packed into as few messages as fit:
    (ids, section texts) per message, at most `MESSAGE_BLOCK_LIMIT` sections of at most
    `SECTION_LIMIT` characters, in order, and never a line cut between two messages."""
    packed: list[tuple[list[int], list[str]]] = []
    ids: list[int] = []
    texts: list[str] = []
    for line_id, line in lines:
        grown = texts[:-1] + pack_lines([texts[-1], line]) if texts else pack_lines([line])
        if len(grown) > MESSAGE_BLOCK_LIMIT and ids:
            packed.append((ids, texts))
            ids, grown = [], pack_lines([line])
        ids.append(line_id)
        texts = grown
    if ids:
        packed.append((ids, texts))
    return packed


def link(url: str, label: str) -> str:
    """`<url|label>`: a link to a sender's address, the label escaped and the address kept whole as
    Slack reads it (a `|` or `>` in it cannot end it early or add a label)."""
    safe = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace("&", "&amp;")
    return f"<{safe}|{escape(label)}>"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections(lines: Iterable[str]) -> list[dict[str, Any]]:
    return [section(text) for text in pack_lines(lines)]


def messages(blocks: Sequence[dict[str, Any]], limit: int = MESSAGE_BLOCK_LIMIT) -> Iterator[list[dict[str, Any]]]:
    """Consecutive runs of at most `limit` blocks: one message each."""
    for start in range(0, len(blocks), limit):
        yield list(blocks[start : start + limit])
