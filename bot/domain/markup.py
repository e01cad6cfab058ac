"""People's text and Slack's markup in it: one model, rendered for each audience.

Text arrives from Slack with entities in angle brackets (docs/behaviour.md, "People's text"):
`<@U0BOB|bob>` a person, `<#C0GEN|general>` a channel, `<!subteam^S0ONCALL|@oncall>` a user group,
`<!here>` `<!channel>` `<!everyone>` special mentions, `<!date^1645114260^{date_short}|Feb 17>` a
date, `<https://shop.example.com|the shop>` a link, and `:fire:` emoji codes; `&`, `<` and `>`
typed by people arrive as `&amp;`, `&lt;`, `&gt;`, so only an entity Slack made (a mention picked
from the list, a link, what the command's `should_escape` turned into one) holds a bare `<`. The bot
stores text with entities kept as they came and a typed `<` kept as `&lt;` (`stored_form`), so
`parse` reads a typed `<!channel>` back as those characters, never as a mention.
Words that never came through Slack's markup (an alert's summary, a rule's title made of it, what
is typed in a modal's plain-text input: Slack sends that unescaped, `shapes.Input.words`) hold no
entities: `from_words` stores their `<` as `&lt;` (and an `&` that would read so as `&amp;`), which
`parse` reads back as the characters, so `<!channel>` in an alert stays those words and notifies
nobody, and `>` or `&` read as written.

Three renderings, one per audience:
- `for_slack`: mrkdwn for the bot's own messages. Links stay clickable, channels show by name,
  people and groups show as `@Name` in plain text: nothing the bot repeats notifies anyone.
- `for_public`: plain words for drafts, the status page and feeds: link labels (or the bare
  host), names without ids, `#general` without id, no markup, no emoji codes, no `@here`.
- `words`: only the words (channel names are made from them).

Lengths are counted on what the reader sees: `len(for_public(text))`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SPECIAL_MENTIONS = frozenset({"here", "channel", "everyone"})
LINK_SCHEMES = ("http://", "https://", "mailto:")
SOMEONE = "someone"  # a person whose name nobody knows: never their id

_ENTITY = re.compile(r"<([^<>\n]{1,1000})>")
_SLACK_ENTITY = re.compile(r"(<[^<>]*>)")  # in Slack's text a bare `<` only ever opens an entity
_EMOJI = re.compile(r":(?:[a-z][a-z0-9_+'-]{0,59}|\+1|-1):(?::skin-tone-[2-6]:)?")  # never `21:41:05`
_ID = r"[A-Z0-9]{2,40}"
_UNESCAPED = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_ESCAPED_ENTITY = re.compile(r"&(amp|lt|gt);")
_LITERAL = re.compile(r"&(amp|lt);")  # in stored text: a `&` or `<` that is a character, never markup
_LITERAL_AMPERSAND = re.compile(r"&(?=(?:amp|lt);)")
_READS_AS_LITERAL = re.compile(r"(?:amp|lt);")  # what after a `&` would make it read as `&` or `<`


@dataclass(frozen=True)
class Plain:
    text: str  # the characters, as read (`&lt;` stored, `<` here)
    raw: str = field(default="", compare=False)  # as stored, so that nothing is lost


@dataclass(frozen=True)
class User:
    id: str
    label: str  # what Slack put after `|`, often the handle; may be empty
    raw: str = field(default="", compare=False)  # as written, so that nothing is lost


@dataclass(frozen=True)
class Channel:
    id: str
    label: str
    raw: str = field(default="", compare=False)  # as written, so that nothing is lost


@dataclass(frozen=True)
class UserGroup:
    id: str
    label: str  # usually `@handle`
    raw: str = field(default="", compare=False)  # as written, so that nothing is lost


@dataclass(frozen=True)
class Special:
    name: str  # here, channel, everyone
    raw: str = field(default="", compare=False)


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    raw: str = field(default="", compare=False)  # as written, so that nothing is lost


@dataclass(frozen=True)
class Emoji:
    code: str  # without the colons


@dataclass(frozen=True)
class Date:
    fallback: str
    raw: str = field(default="", compare=False)


Piece = Plain | User | Channel | UserGroup | Special | Link | Emoji | Date


# Spaces that keep their words together: French puts them inside « » and before : ; ! ?
NO_BREAK_SPACES = "\u00a0\u202f\u2007"
_BREAKING_RUN = re.compile(rf"[^\S{NO_BREAK_SPACES}]+")


def collapse_spaces(text: str) -> str:
    """Each run of breaking whitespace as one space, none at either end; a no-break space stays
    as typed (« Quelque chose » keeps its spaces, and no line breaks after its «)."""
    return _BREAKING_RUN.sub(" ", text).strip()


def shorten(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """At most `limit` characters, cut at a word boundary when there is one nearby (a title
    declared from a message or an alert, a line of Home, a header)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ellipsis


def stored_form(slack_text: str) -> str:
    """Text as Slack sends it -> as the bot stores it: the entities Slack made kept as they came
    (their insides as Slack escaped them, read back by `_entity`), and between them the characters
    people typed stored as `from_words` stores characters: a typed `<` (`&lt;`) stays `&lt;`, so a
    typed `<!channel>` or `<https://x|y>` stays words; `&gt;` is `>`, and `&amp;` is `&` unless
    what follows would read as `&lt;` or `&amp;`."""
    parts = _SLACK_ENTITY.split(slack_text)
    return "".join(part if index % 2 else _typed(part) for index, part in enumerate(parts))


def _typed(slack_text: str) -> str:
    """What a person typed, Slack-escaped, as stored: `&lt;` stays, a character and never markup."""

    def stored(entity: re.Match[str]) -> str:
        if entity[1] == "lt" or (entity[1] == "amp" and _READS_AS_LITERAL.match(slack_text, entity.end())):
            return entity[0]
        return _UNESCAPED[entity[0]]

    return _ESCAPED_ENTITY.sub(stored, slack_text)


def from_words(words: str) -> str:
    """Words that are not Slack's text (an alert's summary, a rule's title made of it) -> as the
    bot stores them: `parse` reads back these very characters, with no entity among them (an
    alert's `<!channel>` is words, never a mention), so every rendering escapes them once."""
    return _LITERAL_AMPERSAND.sub("&amp;", words).replace("<", "&lt;")


def _unescaped(slack_text: str) -> str:
    return _ESCAPED_ENTITY.sub(lambda entity: _UNESCAPED[entity[0]], slack_text)


def _characters(stored: str) -> str:
    """Stored plain text -> the characters it stands for (`from_words` undone)."""
    return _LITERAL.sub(lambda literal: "&" if literal[1] == "amp" else "<", stored)


def parse(text: str) -> list[Piece]:
    """The pieces of stored text, in order; joined back with `source` they give the text again."""
    pieces: list[Piece] = []
    position = 0
    for match in _ENTITY.finditer(text):
        entity = _entity(match[1])
        if entity is None:
            continue
        pieces.extend(_plain_and_emoji(text[position : match.start()]))
        pieces.append(entity)
        position = match.end()
    pieces.extend(_plain_and_emoji(text[position:]))
    return pieces


def _entity(inside: str) -> Piece | None:
    """What `<inside>` stands for, or None when it is just text between angle brackets. Its address
    and label are read unescaped: Slack escapes them as it escapes typed text (`stored_form`)."""
    target, _, label = (_unescaped(part) for part in inside.partition("|"))
    if re.fullmatch(rf"@{_ID}", target):
        return User(id=target[1:], label=label, raw=f"<{inside}>")
    if re.fullmatch(rf"#{_ID}", target):
        return Channel(id=target[1:], label=label, raw=f"<{inside}>")
    if re.fullmatch(rf"!subteam\^{_ID}", target):
        return UserGroup(id=target.removeprefix("!subteam^"), label=label, raw=f"<{inside}>")
    if target.startswith("!") and target[1:] in SPECIAL_MENTIONS:
        return Special(name=target[1:], raw=f"<{inside}>")
    if re.fullmatch(r"!date\^\d+\^[^|]*(\^[^|]*)?", target):
        return Date(fallback=label, raw=f"<{inside}>")
    if target.startswith(LINK_SCHEMES) and not any(c.isspace() for c in target):
        return Link(url=target, label=label, raw=f"<{inside}>")
    return None


def _plain_and_emoji(text: str) -> Iterator[Piece]:
    position = 0
    for match in _EMOJI.finditer(text):
        if match.start() > position:
            yield _plain(text[position : match.start()])
        yield Emoji(code=match[0].strip(":"))
        position = match.end()
    if position < len(text):
        yield _plain(text[position:])


def _plain(stored: str) -> Plain:
    return Plain(_characters(stored), raw=stored)


def source(pieces: list[Piece]) -> str:
    """The stored text the pieces came from (the inverse of `parse`)."""
    return "".join(_source(piece) for piece in pieces)


def _source(piece: Piece) -> str:
    match piece:
        case Plain(text, raw):
            return raw or from_words(text)
        case Emoji(code):
            return f":{code}:"
        case _:
            return piece.raw or _written(piece)


def _written(piece: User | Channel | UserGroup | Special | Link | Date) -> str:
    """How an entity built in code (not parsed) is written."""
    match piece:
        case User(id, label):
            return f"<@{id}|{label}>" if label else f"<@{id}>"
        case Channel(id, label):
            return f"<#{id}|{label}>" if label else f"<#{id}>"
        case UserGroup(id, label):
            return f"<!subteam^{id}|{label}>" if label else f"<!subteam^{id}>"
        case Special(name):
            return f"<!{name}>"
        case Link(url, label):
            return f"<{url}|{label}>" if label else f"<{url}>"
    return piece.fallback


def escape(text: str) -> str:
    """Slack's three control characters, escaped as Slack asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def for_slack(text: str, names: Mapping[str, str] | None = None) -> str:
    """Safe mrkdwn: clickable links and channels, people and groups by name, no notification."""
    names = names or {}
    return "".join(_slack(piece, names) for piece in parse(text))


def _slack(piece: Piece, names: Mapping[str, str]) -> str:
    match piece:
        case Plain(text):
            return escape(text)
        case Channel(id, _):
            return f"<#{id}>"  # Slack shows the channel's current name; a channel never notifies
        case Link(url, label):
            return f"<{escape(url)}|{escape(label or _bare(url))}>"
        case Emoji(code):
            return f":{code}:"
        case Special(name):
            return f"@{name}"  # as words: the bot's copy notifies nobody
        case _:
            return escape(_public(piece, names))


def for_public(text: str, names: Mapping[str, str] | None = None) -> str:
    """Plain words: what a reader of the status page or a social post should see."""
    names = names or {}
    shown = "".join(_public(piece, names) for piece in parse(text))
    return re.sub(r"[ \t]{2,}", " ", shown).strip()


def _public(piece: Piece, names: Mapping[str, str]) -> str:
    match piece:
        case Plain(text):
            return text
        case User(id, label):
            return "@" + (names.get(id) or label.lstrip("@") or SOMEONE)
        case Channel(id, label):
            return "#" + (names.get(id) or label.lstrip("#") or "channel")
        case UserGroup(id, label):
            return "@" + (names.get(id) or label.lstrip("@") or "team")
        case Special():
            return ""  # `@here` addresses people in Slack, nobody reading the status page
        case Link(url, label):
            return label or _bare(url)
        case Emoji():
            return ""
        case Date(fallback):
            return fallback
    raise AssertionError(piece)


def as_read(text: str, names: Mapping[str, str] | None = None) -> str:
    """What a reader of the timeline sees, as plain text (a text input's prefill): people, groups
    and channels by name, links by label (or bare host), `@here` and emoji codes as written."""
    return "".join(_read(piece, names or {}) for piece in parse(text))


def _read(piece: Piece, names: Mapping[str, str]) -> str:
    match piece:
        case Special(name):
            return f"@{name}"
        case Emoji(code):
            return f":{code}:"
        case _:
            return _public(piece, names)


def _bare(url: str) -> str:
    """`https://shop.example.com/checkout?x=1` -> `shop.example.com`; `mailto:a@b.c` -> `a@b.c`."""
    if url.startswith("mailto:"):
        return url.removeprefix("mailto:").split("?")[0]
    return urlsplit(url).hostname or url


def visible_length(text: str) -> int:
    """How many characters a reader sees in Slack: a link as its label, a person as `@name`, an
    emoji as one glyph (the limits on titles and notes count this, not the markup)."""
    return sum(_visible(piece) for piece in parse(text))


def _visible(piece: Piece) -> int:
    match piece:
        case Emoji():
            return 1
        case Special(name):
            return len(name) + 1
        case _:
            return len(_public(piece, {}))


def user_ids(text: str) -> set[str]:
    """The people mentioned in `text` (whose names the renderings want)."""
    if "<@" not in text:  # a mention is `<@U...>` as stored: most text has none, and is not parsed
        return set()
    return {piece.id for piece in parse(text) if isinstance(piece, User)}


def words(text: str, names: Mapping[str, str] | None = None) -> str:
    """Only the words of what a reader sees (`@`, `#` and punctuation are left to the caller)."""
    return " ".join(re.findall(r"\w+", for_public(text, names)))
