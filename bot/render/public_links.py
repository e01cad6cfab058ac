"""Where each public document lives, and the links between them: relative unless the page's public
address is known (INCIDENT_STATUS_URL), never built from the request (behind a proxy that
terminates TLS, the request says `http://` and an internal host).

A document is named by its route (`/status`, `/status/history.atom`, `/api/v2/summary.json`, ...)
and a language. A `Layout` says where it lives from the site's root:

- `SERVED` (the web and status processes): at its route, the language in `?lang=`;
- `Files` (`incident-bot status export`): one file per document, the first language at the plain
  name (`index.html`, `history.atom`), the others beside it (`index.fr.html`, `history.fr.atom`);
  the JSON API in the first language, at Statuspage's paths (`api/v2/summary.json`).

Links inside the HTML page are always relative, so the same page works served, on any static
host, under any path prefix, and opened as a file. Feeds and JSON carry absolute links when the
public address is known (feed readers and Statuspage clients expect them), else relative ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin

PAGE = "/status"


def feed_route(kind: str) -> str:
    """The history feed, "atom" or "rss"."""
    return f"{PAGE}/history.{kind}"


FEEDS = (feed_route("atom"), feed_route("rss"))
# The subscription forms (bot.status_page.forms): served only, never exported as files.
SUBSCRIBE, CONFIRM, UNSUBSCRIBE = f"{PAGE}/subscribe", f"{PAGE}/confirm", f"{PAGE}/unsubscribe"
SUMMARY, STATE, COMPONENTS = "/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json"
INCIDENTS, UNRESOLVED = "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"
API = (SUMMARY, STATE, COMPONENTS, INCIDENTS, UNRESOLVED)
ROUTES = (PAGE, *FEEDS, *API)


class Layout(Protocol):
    @property
    def home(self) -> str:
        """The page a reader opens first, from the site's root."""
        ...

    def address(self, route: str, language: str) -> str:
        """What a link to this document says, from the site's root."""
        ...

    def location(self, route: str, language: str) -> str:
        """Where the document itself lives, from the site's root (what its own links are relative to)."""
        ...


@dataclass(frozen=True)
class Served:
    home: str = "status"

    def address(self, route: str, language: str) -> str:
        return f"{route.removeprefix('/')}?lang={language}"

    def location(self, route: str, language: str) -> str:
        return route.removeprefix("/")


SERVED = Served()


@dataclass(frozen=True)
class Files:
    first: str  # the first configured language: the plain names
    home: str = "index.html"

    def address(self, route: str, language: str) -> str:
        return self.location(route, language)

    def location(self, route: str, language: str) -> str:
        if route in API:
            return route.removeprefix("/")
        name, dot, kind = ("index.html" if route == PAGE else route.rsplit("/", 1)[1]).rpartition(".")
        return f"{name}{dot}{kind}" if language == self.first else f"{name}.{language}{dot}{kind}"

    def documents(self, languages: tuple[str, ...]) -> list[tuple[str, str]]:
        """Every (route, language) the site has: the page and feeds in each language, the API once."""
        return [(route, code) for code in languages for route in (PAGE, *FEEDS)] + [
            (route, self.first) for route in API
        ]


@dataclass(frozen=True)
class Links:
    """Links from one document (`here`) to the others; absolute from `root` when given."""

    layout: Layout
    here: str
    root: str | None = None  # the site's public root, ending in "/"

    def to(self, route: str, language: str) -> str:
        return self._from_root(self.layout.address(route, language))

    @property
    def home(self) -> str:
        return self._from_root(self.layout.home)

    def _from_root(self, target: str) -> str:
        if self.root is not None:
            return self.root + target
        return "../" * self.here.count("/") + target


def site_root(status_url: str | None, layout: Layout) -> str | None:
    """The site's root from the page's public address: `https://example.com/status` -> `https://example.com/`
    when served at `status`, `https://status.example.com/` as itself for files at the root."""
    if status_url is None:
        return None
    return urljoin(status_url, "../" * layout.home.count("/") or "./")
