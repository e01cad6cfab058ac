"""The status page's forms (docs/behaviour.md, Subscribers): `POST /status/subscribe`, and the pages
the mails link to, `/status/confirm` and `/status/unsubscribe`.

Plain HTML, no JavaScript, no cookies. A link opened (GET) changes nothing: it shows a page with
one button, because mail scanners open links; the button POSTs. `POST /status/unsubscribe` is
also RFC 8058's one-click unsubscribe (`List-Unsubscribe=One-Click`, from the mail reader itself):
answered 200 at once, never a redirect. Every answer is `Cache-Control: no-store`.

The answer to a subscription is the same whatever the address's state; a malformed one, or a
choice the form does not offer, is 400 naming the field; a body over `FORM_MAX` is 413 before it
is read; a limit reached is 429 with `Retry-After`. Nothing is stored or sent for any of these.
The client a limit counts is the address the proxies in front say (`INCIDENT_PROXY_HOPS`,
bot.domain.limits.client_address), never what the client writes itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.domain.language import Language
from bot.domain.limits import client_address
from bot.domain.signed import BadLink
from bot.domain.subscribers import AddressRefused
from bot.render.public_links import CONFIRM, SUBSCRIBE, UNSUBSCRIBE, Links
from bot.status_page import render
from bot.subscribers import BadChoice, LimitReached, SubscriberService

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

FORM_MAX = 4096  # bytes: an address, a language and a few dozen components fit many times over
FIELDS_MAX = 100
FORMS = (SUBSCRIBE, CONFIRM, UNSUBSCRIBE)


class BadForm(Exception):
    def __init__(self, status: str, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


class Forms:
    def __init__(self, service: SubscriberService, settings: Settings, links: Links) -> None:
        self.service = service
        self.settings = settings
        self.links = links  # from the forms' own location (`status/...`): relative links

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse, language: Language) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        page = render.NoticeView(language, self.settings.public_name, self.links)
        try:
            if path == SUBSCRIBE and method == "POST":
                return self._subscribe(environ, start_response, page)
            if path in (CONFIRM, UNSUBSCRIBE) and method in ("GET", "HEAD", "POST"):
                return self._link(path, method, environ, start_response, page)
            return _answer(start_response, "405 Method Not Allowed", page.notice("bad_form_title", "bad_link"))
        except BadForm as bad:
            return _answer(start_response, bad.status, page.notice("bad_form_title", bad.key))
        except LimitReached as limited:
            body = page.notice("too_many_title", "too_many")
            return _answer(start_response, "429 Too Many Requests", body, [("Retry-After", str(limited.retry_after))])
        except SQLAlchemyError as error:
            log.warning("status page form: the database did not answer (%s)", type(error).__name__)
            return _answer(start_response, "503 Service Unavailable", page.notice("bad_form_title", "unavailable"))

    def _subscribe(
        self, environ: WSGIEnvironment, start_response: StartResponse, page: render.NoticeView
    ) -> Iterable[bytes]:
        form = _form(environ)
        email, language = _one(form, "email"), _one(form, "language")
        client = client_address(
            environ.get("REMOTE_ADDR", ""), environ.get("HTTP_X_FORWARDED_FOR"), self.settings.proxy_hops
        )
        try:
            self.service.subscribe(email=email, language=language, components=form.get("component", []), client=client)
        except (AddressRefused, BadChoice) as refused:
            raise BadForm("400 Bad Request", f"refused.{refused.key}") from None
        return _answer(start_response, "200 OK", page.notice("sent_title", "sent"))

    def _link(
        self, path: str, method: str, environ: WSGIEnvironment, start_response: StartResponse, page: render.NoticeView
    ) -> Iterable[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""), max_num_fields=FIELDS_MAX)
        confirming = path == CONFIRM
        if method == "POST" and not confirming:
            _within_limit(environ)  # RFC 8058's body (urlencoded or multipart) says nothing more
        body = _form(environ) if method == "POST" and confirming else {}
        token = (body.get("t") or query.get("t") or [""])[0]
        try:
            if method != "POST":
                (self.service.check_confirmation if confirming else self.service.check_unsubscribe)(token)
                kind = "confirm" if confirming else "unsubscribe"
                return _answer(start_response, "200 OK", page.button(kind, path, token))
            (self.service.confirm if confirming else self.service.unsubscribe)(token)
        except BadLink as bad:
            return _answer(
                start_response,
                "400 Bad Request",
                page.notice("bad_link_title", "expired_link" if bad.expired else "bad_link"),
            )
        done = ("confirmed_title", "confirmed") if confirming else ("unsubscribed_title", "unsubscribed")
        return _answer(start_response, "200 OK", page.notice(*done))


def _within_limit(environ: WSGIEnvironment) -> int:
    """The body's length; 413 (nothing read) over `FORM_MAX`."""
    length_text = environ.get("CONTENT_LENGTH") or "0"
    if not length_text.isdigit():
        raise BadForm("400 Bad Request", "too_large")
    if int(length_text) > FORM_MAX:
        raise BadForm("413 Content Too Large", "too_large")
    return int(length_text)


def _form(environ: WSGIEnvironment) -> dict[str, list[str]]:
    """The urlencoded body, refused whole when too big (413, unread), unreadable or odd (400)."""
    length = _within_limit(environ)
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=FIELDS_MAX, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise BadForm("400 Bad Request", "refused.shape") from None


def _one(form: dict[str, list[str]], name: str) -> str:
    """A field given once (twice is not a browser's doing: refused)."""
    values = form.get(name, [""])
    if len(values) != 1:
        raise BadForm("400 Bad Request", "refused.shape")
    return values[0]


def _answer(
    start_response: StartResponse, status: str, body: bytes, extra: list[tuple[str, str]] | None = None
) -> list[bytes]:
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        *(extra or []),
    ]
    start_response(status, headers)
    return [body]
