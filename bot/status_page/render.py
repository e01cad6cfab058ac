"""Jinja2 templates shipped in this package, autoescaped (HTML and XML alike), strict about names."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.domain.language import Language
from bot.render.public_links import PAGE, Links
from bot.render.public_views import Moment, PageView, PublicIncident, UpdateView


@dataclass(frozen=True)
class FeedEntry:
    id: str  # urn:uuid:..., the same for this update in every feed and language
    incident: PublicIncident
    update: UpdateView


@dataclass(frozen=True)
class FeedView:
    language: Language
    id: str
    title: str
    public_name: str
    self_link: str  # this feed
    page_link: str  # the page in the feed's language (entries add their incident's anchor)
    updated: Moment
    entries: list[FeedEntry]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("bot.status_page", "templates"),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        auto_reload=False,
    )
    environment.filters["html_source"] = html_source
    return environment


def html_source(text: str) -> str:
    """Plain text as the HTML that shows it (RSS descriptions are HTML); the template escapes it again
    for XML, so a reader shows `<script>` as those characters."""
    return str(html.escape(text, quote=False)).replace("\n", "<br>\n")


@dataclass(frozen=True)
class Notice:
    language: Language
    public_name: str
    title: str
    text: str
    home: str
    back: str
    action: str | None = None  # a one-button form posting here
    button: str = ""


@dataclass(frozen=True)
class NoticeView:
    """The small pages the subscription forms answer with, in the reader's language."""

    language: Language
    public_name: str
    links: Links  # from the form's own location

    def _word(self, key: str) -> str:
        return self.language.text(f"subscribe.{key}").format(public_name=self.public_name)

    def _render(self, notice: Notice) -> bytes:
        return _environment().get_template("notice.html").render(notice=notice).encode()

    def notice(self, title: str, text: str) -> bytes:
        return self._render(
            Notice(
                self.language,
                self.public_name,
                self._word(title),
                self._word(text),
                home=self.links.to(PAGE, self.language.code),
                back=self._word("back"),
            )
        )

    def button(self, kind: str, route: str, token: str) -> bytes:
        """The page a confirmation or unsubscribe link opens: one button that POSTs it."""
        return self._render(
            Notice(
                self.language,
                self.public_name,
                self._word(f"{kind}_title"),
                self._word(kind),
                home=self.links.to(PAGE, self.language.code),
                back=self._word("back"),
                action=f"{self.links.to(route, self.language.code)}&t={quote(token, safe='')}",
                button=self._word(f"{kind}_button"),
            )
        )


def page_html(page: PageView) -> bytes:
    return _environment().get_template("status.html").render(page=page).encode()


def feed_xml(kind: str, feed: FeedView) -> bytes:
    """`kind` is "atom" or "rss"."""
    return _environment().get_template(f"history.{kind}.xml").render(feed=feed).encode()
