"""`StatusSite`: the public routes as a WSGI app: each answer rendered from one indexed query
once per change of the public version and kept until the next (cache.py), cached by ETag.

Answers GET and HEAD only (the caller routes nothing else here): 200 with `ETag` (a hash of the
body), `Last-Modified` (the latest change the public can read: an update or correction shown, or
something that left the page; with nothing public ever, when a page was first served) and
`Cache-Control` for a CDN in front (CACHE_CONTROL); 304 when `If-None-Match` matches (or, without
it, `If-Modified-Since` is not older); a route written with a trailing slash (`/status/`) is
301 to it; 404 for any other path; 503 when the database cannot
answer. Links follow its `Layout` (bot.render.public_links): served here, or written as files by `export.py`.
Never a Slack call, never a secret.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.domain.affects import ComponentImpact
from bot.domain.availability import day_start, period_start
from bot.domain.catalog import Component
from bot.domain.language import Language, load_language
from bot.domain.public import (
    RECENT_LIMIT,
    RESOLVED_SHOWN_FOR,
    Headline,
    ListedIncident,
    last_changed,
    leaves_page,
    overall,
    public_id,
    public_ids,
    update_id,
)
from bot.render import statuspage
from bot.render.public_components import ComponentsView, components_view
from bot.render.public_links import (
    API,
    COMPONENTS,
    FEEDS,
    INCIDENTS,
    PAGE,
    ROUTES,
    SERVED,
    STATE,
    SUBSCRIBE,
    SUMMARY,
    Layout,
    Links,
    site_root,
)
from bot.render.public_views import (
    Moments,
    PageView,
    PublicIncident,
    SubscribeForm,
    incident_view,
    moment,
    newest_first,
)
from bot.status_page import render
from bot.status_page.cache import Answer, AnswerCache
from bot.status_page.forms import FORMS, Forms
from bot.status_page.negotiate import choose_language
from bot.storage import history, public
from bot.storage.db import Database
from bot.subscribers import SubscriberService

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
JSON = "application/json"
WITH_COMPONENTS = (PAGE, *API)  # what shows the components' states
# While a component is affected, the page's bar and uptime move by themselves: rendered again after this.
WHILE_AFFECTED = timedelta(minutes=1)
# A CDN or reverse proxy in front may keep an answer 30 s, serve it 60 s more while it asks again,
# and keep serving it for a day while this process is down or failing (RFC 5861).
CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"


class StatusSite:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime],
        layout: Layout = SERVED,
        subscriptions: SubscriberService | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.layout = layout
        self.root = site_root(settings.status_url, layout)  # None: feeds and JSON link relatively
        self.namespace = settings.public_name
        self.cache = AnswerCache()
        # The subscription forms, served only (a static export could not answer them).
        self.forms = None
        if subscriptions is not None and settings.subscriptions and layout is SERVED:
            self.forms = Forms(subscriptions, settings, Links(layout, here=layout.location(SUBSCRIBE, "")))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        language = load_language(
            choose_language(
                (query.get("lang") or [None])[0], environ.get("HTTP_ACCEPT_LANGUAGE"), self.settings.languages
            )
        )
        if path in FORMS and self.forms is not None:
            return self.forms(environ, start_response, language)
        read = environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        if read and path.endswith("/") and path.rstrip("/") in (*ROUTES, *FORMS):  # `/status/`: the page moved
            return _moved(start_response, environ, path.rstrip("/"))
        if path not in ROUTES or not read:
            return _plain(start_response, "404 Not Found", b"not found\n")
        try:
            answer = self.answer(path, language)
        except SQLAlchemyError as error:
            log.warning("status page: the database did not answer (%s)", type(error).__name__)
            return _plain(start_response, "503 Service Unavailable", b"the status page is unavailable, try again\n")
        etag = answer.etag
        headers = [
            ("ETag", etag),
            ("Cache-Control", CACHE_CONTROL),
            ("Vary", "Accept-Language"),
        ]
        if answer.modified is not None:
            headers.append(("Last-Modified", format_datetime(answer.modified.astimezone(UTC), usegmt=True)))
        if _not_modified(environ, etag, answer.modified):
            start_response("304 Not Modified", headers)
            return []
        headers += [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
        start_response("200 OK", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [answer.body]

    def answer(self, path: str, language: Language) -> Answer:
        """The answer kept for this version of the public data, else rendered now (see cache.py)."""
        key = (path, language.code)
        with self.db.glance() as connection:
            version = public.version(session=connection)
        kept = self.cache.get(key, version, self.clock())
        if kept is not None:
            return kept
        with self.cache.rendering:
            kept = self.cache.get(key, version, self.clock())  # rendered meanwhile by another thread
            if kept is None:
                kept = self.rendered(path, language)
                self.cache.put(key, version, kept)
            return kept

    def rendered(self, path: str, language: Language) -> Answer:
        """Read (after the version was read) and render: a few indexed queries."""
        now = self.clock()
        left = None  # when the page last lost an incident to the 90-day window
        impacts: list[ComponentImpact] = []
        with self.db.read() as session:
            if path == PAGE:
                listed = public.page(session=session, resolved_since=now - RESOLVED_SHOWN_FOR)
                resolved, changed = public.left_and_changed(session=session, resolved_before=now - RESOLVED_SHOWN_FOR)
                left = resolved + RESOLVED_SHOWN_FOR if resolved is not None else None
            else:
                if path in (INCIDENTS, *FEEDS):
                    listed = public.recent(session=session, limit=RECENT_LIMIT)
                else:
                    listed = public.unresolved(session=session)
                changed = public.changed_at(session=session)
            if self.components and path in WITH_COMPONENTS:
                since = period_start(now, self.settings.zone)
                impacts = history.in_period(session=session, since=since, until=now)
            # Never backwards: something that left the page (made private, or 90 days old), or a
            # new public title, changed it too.
            modified = _latest(last_changed(listed), changed, left)
        if modified is None:  # nothing public ever: dated from when a page was first served
            with self.db.write() as session:
                modified = public.first_served(session=session, now=now)
        added = history.first_appeared(self.db, self.public_ids, now) if self.components and path in API else {}
        links = Links(self.layout, here=self.layout.location(path, language.code), root=self.root)
        if path in FEEDS:
            kind = path.rsplit(".", 1)[1]
            feed = self.feed(path, listed, language, links, modified)
            return Answer(render.feed_xml(kind, feed), f"application/{kind}+xml; charset=utf-8", modified)
        shown = components_view(
            self.components, impacts, language=language, zone=self.settings.zone, now=now, bars=path == PAGE
        )
        if path == PAGE:
            page = self.page(listed, language, Links(self.layout, here=links.here), shown)  # relative: works anywhere
            return Answer(render.page_html(page), HTML, modified, until=self._until(listed, impacts, now))
        document = self.document(path, listed, language, links, modified, shown, added)
        return Answer(_json(document), JSON, modified)

    @cached_property
    def components(self) -> tuple[Component, ...]:
        """The catalog's public components, in its order (the settings are the site's for good)."""
        return self.settings.catalog.public()

    @cached_property
    def public_ids(self) -> frozenset[str]:
        return public_ids(self.components)

    def _until(self, listed: list[ListedIncident], impacts: list[ComponentImpact], now: datetime) -> datetime | None:
        """When the page changes by itself: an incident leaves the 90-day window; with components,
        a new day begins (midnight in INCIDENT_TIMEZONE), and every minute while one is affected."""
        moments = [leaves_page(listed)]
        if self.components:
            moments.append(day_start(now.astimezone(self.settings.zone).date() + timedelta(days=1), self.settings.zone))
            if any(impact.ended_at is None for impact in impacts):
                moments.append(now + WHILE_AFFECTED)
        return min((moment for moment in moments if moment is not None), default=None)

    def headline(self, listed: list[ListedIncident], shown: ComponentsView) -> Headline:
        states = [component.state for component in shown.components]
        return overall(states, listed, self.public_ids)

    def page(self, listed: list[ListedIncident], language: Language, links: Links, shown: ComponentsView) -> PageView:
        moments = Moments(self.settings.zone, language)
        views = [self._view(incident, language, moments=moments) for incident in newest_first(listed)]
        return PageView(
            language=language,
            public_name=self.settings.public_name,
            indicator=self.headline(listed, shown).indicator,
            open=[view for view in views if view.status.is_open],
            past=[view for view in views if not view.status.is_open],
            languages=[load_language(code) for code in self.settings.languages],
            zone=self.settings.zone,
            links=links,
            subscribe=self._form(language, links),
            components=shown if shown.groups else None,
        )

    def _form(self, language: Language, links: Links) -> SubscribeForm | None:
        if self.forms is None:
            return None
        offered = [(component.id, component.name(language.code)) for component in self.settings.catalog.public()]
        return SubscribeForm(language, action=links.to(SUBSCRIBE, language.code), components=offered)

    def feed(
        self, path: str, listed: list[ListedIncident], language: Language, links: Links, modified: datetime
    ) -> render.FeedView:
        moments = Moments(self.settings.zone, language)
        views = [self._view(incident, language, feed=True, moments=moments) for incident in listed]
        entries = [
            render.FeedEntry(
                id=f"urn:uuid:{update_id(self.namespace, view.listed, update.key)}", incident=view, update=update
            )
            for view in views
            for update in view.updates
        ]
        entries.sort(key=lambda entry: (entry.update.key.published_at, entry.id), reverse=True)
        name = self.settings.public_name
        return render.FeedView(
            language=language,
            id=f"urn:uuid:{public_id(self.namespace, 'feed', language.code)}",
            title=language.text("page.history").format(public_name=name),
            public_name=name,
            self_link=links.to(path, language.code),
            page_link=links.to(PAGE, language.code),
            updated=moment(modified, self.settings.zone, language),
            entries=entries,
        )

    def document(
        self,
        path: str,
        listed: list[ListedIncident],
        language: Language,
        links: Links,
        modified: datetime,
        shown: ComponentsView,
        added: Mapping[str, datetime],
    ) -> dict[str, Any]:
        url = self.settings.status_url or links.home  # the page's public address, as configured
        head = statuspage.page(
            namespace=self.namespace,
            name=self.settings.public_name,
            url=url,
            zone=self.settings.zone.key,
            updated=modified,
        )
        state = statuspage.status(self.headline(listed, shown))
        if path == STATE:
            return {"page": head, "status": state}
        components = statuspage.components(shown, namespace=self.namespace, added=added)
        if path == COMPONENTS:
            return {"page": head, "components": components}
        by_id = {document["id"]: document for document in components}
        moments = Moments(self.settings.zone, language)
        incidents = [
            statuspage.incident(self._view(incident, language, moments=moments), namespace=self.namespace,
                                page_url=url, components_now=by_id)
            for incident in newest_first(listed)
        ]  # fmt: skip
        if path == SUMMARY:
            return {
                "page": head,
                "components": components,
                "incidents": incidents,
                "scheduled_maintenances": [],
                "status": state,
            }
        return {"page": head, "incidents": incidents}

    def _view(
        self, incident: ListedIncident, language: Language, *, feed: bool = False, moments: Moments | None = None
    ) -> PublicIncident:
        return incident_view(
            incident,
            language,
            self.settings.languages,
            self.settings.zone,
            namespace=self.namespace,
            feed=feed,
            components=self.components,
            public=self.public_ids,
            moments=moments,
        )


def _json(document: dict[str, Any]) -> bytes:
    """JSON safe to embed anywhere: `<`, `>` and `&` as \\u escapes."""
    text = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def _latest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


def _not_modified(environ: WSGIEnvironment, etag: str, modified: datetime | None) -> bool:
    matches = environ.get("HTTP_IF_NONE_MATCH")
    if matches is not None:
        tags = {tag.strip().removeprefix("W/") for tag in matches.split(",")}
        return "*" in tags or etag in tags
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since is None or modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        return False
    return modified.replace(microsecond=0) <= when


def _moved(start_response: StartResponse, environ: WSGIEnvironment, path: str) -> list[bytes]:
    """301 to `path` (a route written with a trailing slash), its query kept, under the app's mount."""
    query = environ.get("QUERY_STRING", "")
    where = environ.get("SCRIPT_NAME", "") + path + (f"?{query}" if query else "")
    start_response("301 Moved Permanently", [("Location", where), ("Content-Length", "0")])
    return []


def _plain(start_response: StartResponse, status: str, body: bytes) -> list[bytes]:
    """An error: never kept by a cache in front (which serves its stale page meanwhile)."""
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, [*headers, ("Cache-Control", "no-store")])
    return [body]
