"""A Slack message as the timeline keeps it: its words and its author, whatever shape it came in.

Alert integrations post attachments or blocks with no `text`; file shares carry files; bots
have a `bot_id` and a `bot_profile` instead of a person. The timeline keeps what a reader of
the channel saw: the text, else the attachments' title, text and fallback, the first lines of
rich-text and section blocks, and the names of shared files. Text is returned in the form the
bot stores (docs/behaviour.md, "People's text"): Slack's `&lt;` unescaped, entities kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.markup import stored_form

BLOCK_LINES = 3  # first lines kept of each block


@dataclass(frozen=True)
class Author:
    id: str  # a user id, or a bot id for integrations
    bot_name: str | None = None  # how the bot presents itself, when the author is one


def author_of(message: Mapping[str, Any]) -> Author:
    profile = message.get("bot_profile") or {}
    if message.get("bot_id") and (not message.get("user") or profile.get("name") or message.get("username")):
        name = str(profile.get("name") or message.get("username") or "an integration")
        return Author(id=str(message.get("bot_id")), bot_name=name)
    return Author(id=str(message.get("user") or message.get("bot_id") or ""))


def words_of(message: Mapping[str, Any]) -> str:
    """Everything a reader saw in the message, one part a line, in stored form ("" if nothing)."""
    parts = [str(message.get("text") or "").strip()]
    if not parts[0]:
        parts = [*_attachments(message.get("attachments")), *_blocks(message.get("blocks"))]
    parts.extend(_files(message.get("files")))
    lines = list(dict.fromkeys(stored_form(part) for part in parts if part))  # alerts repeat themselves
    return "\n".join(lines)


def _attachments(attachments: Any) -> Iterator[str]:
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict):
            continue
        title = str(attachment.get("title") or "").strip()
        text = str(attachment.get("text") or attachment.get("pretext") or "").strip()
        if title or text:
            yield from (part for part in (title, text) if part)
        elif attachment.get("fallback"):
            yield str(attachment["fallback"]).strip()


def _blocks(blocks: Any) -> Iterator[str]:
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        text = ""
        if block.get("type") in ("section", "header") and isinstance(block.get("text"), dict):
            text = str(block["text"].get("text") or "")
        elif block.get("type") == "rich_text":
            text = "".join(_rich_text(block.get("elements")))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            yield "\n".join(lines[:BLOCK_LINES])


def _rich_text(elements: Any) -> Iterator[str]:
    """The visible text of rich-text elements (sections, lists, quotes, preformatted)."""
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind == "text":
            yield str(element.get("text") or "")
        elif kind == "link":
            url, label = str(element.get("url") or ""), str(element.get("text") or "")
            yield f"<{url}|{label}>" if label else f"<{url}>"
        elif kind == "user":
            yield f"<@{element.get('user_id')}>"
        elif kind == "channel":
            yield f"<#{element.get('channel_id')}>"
        elif kind == "emoji":
            yield f":{element.get('name')}:"
        elif "elements" in element:
            yield from _rich_text(element["elements"])
            if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote", "rich_text_list"):
                yield "\n"


def _files(files: Any) -> Iterator[str]:
    names = [str(f.get("title") or f.get("name") or "") for f in (files if isinstance(files, list) else [])]
    names = [name for name in names if name and isinstance(name, str)]
    if names:
        yield "shared " + ", ".join(names)
