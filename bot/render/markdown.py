"""Markdown that shows what was typed: people's text (Slack markup) with links clickable, people
by name and everything else escaped, so a title `<script>` reads as `<script>`, not as HTML."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import markup

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_BLOCK_START = re.compile(r"^(\d+)?(?=[-+#>=.)])")


def escape(text: str) -> str:
    """Plain text that CommonMark shows as typed, on one line: characters with a meaning inside
    a line are escaped (`-`, `#`, `1.` only mean something at a line's start: see `line_start`)."""
    flat = re.sub(r"\s+", " ", text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def line_start(escaped: str) -> str:
    """Escaped text that starts a line (a quote's body): a leading `-`, `#` or `1.` stays text."""
    return _BLOCK_START.sub(lambda found: (found.group(1) or "") + "\\", escaped.strip(), count=1)


def rich(text: str, names: Mapping[str, str]) -> str:
    """People's text (Slack markup) as Markdown: links clickable, people by name, the rest escaped."""
    parts = []
    for piece in markup.parse(text):
        match piece:
            case markup.Link(url, label) if url.startswith(markup.LINK_SCHEMES):
                parts.append(link(label or url, url))
            case markup.Emoji(code):
                parts.append(escape(f":{code}:"))
            case markup.Special(name):
                parts.append(escape(f"@{name}"))
            case markup.Plain(plain):
                parts.append(escape(plain))
            case _:
                parts.append(escape(markup.for_public(markup.source([piece]), names)))
    return " ".join("".join(parts).split())


def link(label: str, url: str) -> str:
    """`[label](<url>)`: the label escaped, the address kept whole (no `<`, `>` or space ends it)."""
    return f"[{escape(label)}](<{url.replace('<', '%3C').replace('>', '%3E').replace(' ', '%20')}>)"


def name_of(user_id: str | None, names: Mapping[str, str]) -> str:
    if user_id is None:
        return "none"
    return escape(names.get(user_id) or markup.SOMEONE)


def both_times(value: datetime, zone: ZoneInfo) -> str:
    """`2022-02-17 21:41 IST (16:11 UTC)`."""
    local = value.astimezone(zone)
    utc = value.astimezone(ZoneInfo("UTC"))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({utc:%H:%M} UTC)"
