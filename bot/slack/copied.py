"""A Slack message as the timeline keeps it: its words and its author, whatever shape it came in.

Alert integrations post attachments or blocks with no `text`; file shares carry files; bots
have a `bot_id` and a `bot_profile` instead of a person. The timeline keeps what a reader of
the channel saw: the text, else the attachments' title, text and fallback, the first lines of
rich-text and section blocks, and the names of shared files. Text is returned in the form the
bot stores (docs/behaviour.md, "People's text", `markup.stored_form`): entities kept, what people
typed as characters; the blocks' plain text and rich-text words, which Slack sends unescaped, are
escaped first so that they read as the characters they are.

`read_message` reads the message through `bot.reading`: a field of an unexpected type is
`Malformed` (with its path), never a crash; block types the bot does not know are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.domain.markup import escape, stored_form
from bot.reading import JsonObject, Malformed

BLOCK_LINES = 3  # first lines kept of each block
TS = re.compile(r"\d{1,10}\.\d{1,6}")  # a message's id and time: seconds since 1970, microseconds
_LISTS = ("rich_text_section", "rich_text_preformatted", "rich_text_quote", "rich_text_list")


@dataclass(frozen=True)
class Author:
    id: str  # a user id, or a bot id for integrations
    bot_name: str | None = None  # how the bot presents itself, when the author is one


@dataclass(frozen=True)
class CopiedMessage:
    ts: str
    author: Author
    words: str  # everything a reader saw, one part a line, in stored form ("" if nothing)


def read_message(value: object, path: str = "message") -> CopiedMessage:
    """A message from `conversations.history` (or any JSON value that should be one)."""
    return message_from(JsonObject(value, path))


def message_from(message: JsonObject) -> CopiedMessage:
    """A message a shortcut's payload or a Web API answer carries."""
    return CopiedMessage(ts=timestamp(message, "ts"), author=_author(message), words=_words(message))


def timestamp(fields: JsonObject, name: str) -> str:
    """A message's `ts` as Slack writes it (`1700000000.000100`)."""
    ts = fields.text(name)
    if not TS.fullmatch(ts):
        raise Malformed(fields.at(name), f"is not a Slack timestamp: {ts[:40]!r}")
    return ts


def _author(message: JsonObject) -> Author:
    profile = message.maybe_object("bot_profile")
    bot_id, user = message.maybe_text("bot_id"), message.maybe_text("user")
    name = (profile.maybe_text("name") if profile else None) or message.maybe_text("username")
    if bot_id and (not user or name):
        return Author(id=bot_id, bot_name=name or "an integration")
    return Author(id=user or bot_id or "")


def _words(message: JsonObject) -> str:
    parts = [(message.maybe_text("text") or "").strip()]
    if not parts[0]:
        parts = [*_attachments(message.objects("attachments")), *_blocks(message.objects("blocks"))]
    parts.extend(_files(message.objects("files")))
    lines = list(dict.fromkeys(stored_form(part) for part in parts if part))  # alerts repeat themselves
    return "\n".join(lines)


def _attachments(attachments: list[JsonObject]) -> Iterator[str]:
    for attachment in attachments:
        title = (attachment.maybe_text("title") or "").strip()
        text = (attachment.maybe_text("text") or attachment.maybe_text("pretext") or "").strip()
        if title or text:
            yield from (part for part in (title, text) if part)
        elif fallback := (attachment.maybe_text("fallback") or "").strip():
            yield fallback


def _blocks(blocks: list[JsonObject]) -> Iterator[str]:
    for block in blocks:
        kind, text = block.maybe_text("type"), ""
        if kind in ("section", "header") and (written := block.maybe_object("text")) is not None:
            text = written.maybe_text("text") or ""
            text = escape(text) if written.maybe_text("type") == "plain_text" else text
        elif kind == "rich_text":
            text = "".join(_rich_text(block.objects("elements")))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            yield "\n".join(lines[:BLOCK_LINES])


def _rich_text(elements: list[JsonObject]) -> Iterator[str]:
    """The visible text of rich-text elements (sections, lists, quotes, preformatted)."""
    for element in elements:
        kind = element.maybe_text("type")
        if kind == "text":
            yield escape(element.maybe_text("text") or "")
        elif kind == "link":
            url, label = escape(element.text("url")), escape(element.maybe_text("text") or "")
            yield f"<{url}|{label}>" if label else f"<{url}>"
        elif kind == "user":
            yield f"<@{element.text('user_id')}>"
        elif kind == "channel":
            yield f"<#{element.text('channel_id')}>"
        elif kind == "emoji":
            yield f":{element.text('name')}:"
        elif element.value.get("elements") is not None:
            yield from _rich_text(element.objects("elements"))
            if kind in _LISTS:
                yield "\n"


def _files(files: list[JsonObject]) -> Iterator[str]:
    names = [name for file in files if (name := file.maybe_text("title") or file.maybe_text("name"))]
    if names:
        yield "shared " + ", ".join(names)
