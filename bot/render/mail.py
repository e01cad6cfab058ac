"""Mails to subscribers (docs/behaviour.md, Subscribers): each written once, as a `Letter` (what it
says, as data), and rendered from that one description to plain text and to HTML, the two parts
of a `multipart/alternative` message (`bot.render.mime`).

The HTML rendering escapes every text it is given: there is no way to put markup into a letter,
so a public title or an update cannot inject any (autoescaped by construction). Links are the
only attributes, and only http(s) ones are written.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.incident import Status
from bot.domain.language import Language, load_language, public_day_and_time

WIDTH = 72  # plain text wrapped for every mail reader


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Quote:
    """The published words, set apart."""

    text: str


@dataclass(frozen=True)
class ButtonLink:
    """A link people act on (a button in HTML)."""

    label: str
    url: str


@dataclass(frozen=True)
class Small:
    """Small print: why this mail came, how to stop it."""

    text: str
    link: ButtonLink | None = None


Block = Paragraph | Quote | ButtonLink | Small


@dataclass(frozen=True)
class Letter:
    language: str
    subject: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Published:
    """What one mail about an update says: the incident's public title and its published words."""

    title: str
    status: Status
    text: str
    language: str  # of `text`
    published_at: datetime
    correction: bool = False


def confirmation(language: Language, *, public_name: str, confirm_url: str, components: Sequence[str] = ()) -> Letter:
    """The one mail an address gets before it is confirmed, in the language it chose, saying what
    confirming subscribes it to: every update, or only those about `components` (their names)."""
    words = _Words(language, public_name)
    named = language.name_of(language.code)
    if components:
        chosen = words("mail.confirm_components", components=", ".join(components), language=named)
    else:
        chosen = words("mail.confirm_everything", language=named)
    return Letter(
        language=language.code,
        subject=words("mail.confirm_subject"),
        heading=words("subscribe.confirm_title"),
        blocks=(
            Paragraph(words("mail.confirm_intro")),
            Paragraph(chosen),
            ButtonLink(words("mail.confirm_action"), confirm_url),
            Paragraph(words("mail.confirm_outro")),
        ),
    )


def update(
    language: Language,
    update: Published,
    *,
    public_name: str,
    zone: ZoneInfo,
    page_url: str,
    unsubscribe_url: str,
) -> Letter:
    """An update (or the correction of one) as a subscriber reading `language` receives it."""
    words = _Words(language, public_name)
    status = language.text(f"page.status.{update.status.value}")
    title = " ".join(update.title.split()) or language.text("page.neutral_title")  # one line, for the subject
    if update.correction:
        subject = words("mail.correction_subject", title=title)
        opening: tuple[Block, ...] = (Paragraph(words("mail.correction_intro")),)
    else:
        subject = words("mail.update_subject", title=title, status=status)
        opening = ()
    told: list[Block] = [*opening, Quote(update.text)]
    if update.language != language.code:
        told.append(Paragraph(words("mail.fallback", language=language.name_of(update.language))))
    told.append(Paragraph(words("mail.posted", time=public_day_and_time(update.published_at, zone, language))))
    return Letter(
        language=language.code,
        subject=subject,
        heading=f"{title}{language.text('language.colon')} {status}",
        blocks=(
            *told,
            ButtonLink(words("mail.page"), page_url),
            Small(words("mail.why"), ButtonLink(words("mail.unsubscribe"), unsubscribe_url)),
        ),
    )


class _Words:
    def __init__(self, language: Language, public_name: str) -> None:
        self.language = language
        self.public_name = public_name

    def __call__(self, key: str, **values: str) -> str:
        return self.language.text(key).format(public_name=self.public_name, **values)


def as_text(letter: Letter) -> str:
    colon = load_language(letter.language).text("language.colon")  # French: "Voir la page d'état :"
    parts = [letter.heading, "=" * min(len(letter.heading), WIDTH)]
    for block in letter.blocks:
        match block:
            case Paragraph(text):
                parts.append(_wrapped(text))
            case Quote(text):
                parts.append("\n".join(_wrapped(line, "> ") for line in text.splitlines() or [""]))
            case ButtonLink(label, url):
                parts.append(f"{label}{colon}\n{url}")
            case Small(text, link):
                parts.append("-- \n" + _wrapped(text) + (f"\n{link.label}{colon} {link.url}" if link else ""))
    return "\n\n".join(parts) + "\n"


def _wrapped(text: str, prefix: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=prefix, subsequent_indent=prefix, break_on_hyphens=False) or prefix


def as_html(letter: Letter) -> str:
    e = html.escape
    body = [f'<h1 style="font-size:20px;margin:0 0 16px">{e(letter.heading)}</h1>']
    for block in letter.blocks:
        match block:
            case Paragraph(text):
                body.append(f'<p style="margin:0 0 16px">{e(text)}</p>')
            case Quote(text):
                lines = "<br>".join(e(line) for line in text.splitlines())
                body.append(
                    '<blockquote style="margin:0 0 16px;padding:8px 16px;border-left:4px solid #888">'
                    f"{lines}</blockquote>"
                )
            case ButtonLink(label, url):
                body.append(f'<p style="margin:0 0 16px">{_link(label, url, button=True)}</p>')
            case Small(text, link):
                after = f" {_link(link.label, link.url)}" if link else ""
                body.append(f'<p style="margin:24px 0 0;font-size:13px;color:#555">{e(text)}{after}</p>')
    return (
        f'<!DOCTYPE html>\n<html lang="{e(letter.language)}">\n<head><meta charset="utf-8">'
        f"<title>{e(letter.subject)}</title></head>\n"
        '<body style="font-family:sans-serif;line-height:1.5;color:#111;max-width:600px;margin:0 auto;padding:16px">\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _link(label: str, url: str, *, button: bool = False) -> str:
    if not url.startswith(("https://", "http://")):  # never a javascript: or data: link
        return html.escape(label)
    style = (
        ' style="display:inline-block;padding:10px 16px;background:#1f4f99;color:#fff;text-decoration:none;'
        'border-radius:4px"'
        if button
        else ""
    )
    return f'<a href="{html.escape(url, quote=True)}"{style}>{html.escape(label)}</a>'
