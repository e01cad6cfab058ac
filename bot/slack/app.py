"""The Bolt app: `create_app(settings, service, client)` and the HTTP face around it.

`SlackHttp` is Bolt's WSGI adapter plus `GET /healthz`. Before Bolt sees a body it is read
with a size cap, its signature checked and its shape checked (`bot.slack.inbound`): 413, 401
or 400 with a short reason, never a 5xx, nothing stored. It also repairs one Bolt trap: a form
body that merely contains the word "payload" (e.g. `/incident note payload service down`) is
parsed by Bolt as empty and answered 404; we parse such bodies as the form they are.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_sdk import WebClient

from bot import metrics
from bot.aftermath import AftermathService
from bot.config import Settings
from bot.declare import DeclareService
from bot.drafts import DraftService
from bot.home import HomeService
from bot.members import MemberCheck
from bot.paging import PagingService
from bot.reminders import ReminderService
from bot.request_body import Refusal, read_body, request_headers
from bot.service import IncidentService
from bot.slack import inbound, shapes
from bot.slack.alert_triage import register_triage
from bot.slack.answers import AfterAck
from bot.slack.declaring import register_declaring
from bot.slack.home_listeners import register_home
from bot.slack.identity import BotIdentity
from bot.slack.listeners import (
    register,
    register_every_other_event,
    register_group_events,
    register_member_events,
    register_reading,
)
from bot.slack.paging_listeners import register_paging
from bot.slack.run import CommandRunner
from bot.triage import AlertTriage
from bot.usergroup_sync import UserGroupSync

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

ALERTS_PREFIX = "/alerts/"  # the alert endpoints (bot.intake.app)


def create_app(
    settings: Settings,
    service: IncidentService,
    client: WebClient,
    *,
    after_ack: AfterAck,
    identity: BotIdentity | None = None,
    members: MemberCheck | None = None,
    groups: UserGroupSync | None = None,
    paging: PagingService | None = None,
    triage: AlertTriage | None = None,
    homes: HomeService | None = None,
    fanned_out: Callable[[], None] = lambda: None,
) -> App:
    identity = identity or BotIdentity(client)
    app = App(
        # Bolt's own client carries no token: `authorize` supplies it per request.
        client=WebClient(base_url=client.base_url, timeout=client.timeout, retry_handlers=[]),
        signing_secret=settings.signing_secret,
        authorize=identity.authorizer(),
        process_before_response=True,
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bot.slack.bolt"),
    )
    members = members or MemberCheck(service.db, client, clock=service.clock, guests_read=settings.guests_read)
    drafts = DraftService(service.db, settings, clock=service.clock, fanned_out=fanned_out)
    reminders = ReminderService(service.db, zone=settings.zone, clock=service.clock, cadences=settings.reminders)
    aftermath = AftermathService(service.db, zone=settings.zone, clock=service.clock)
    runner = CommandRunner(
        service,
        drafts,
        settings,
        reminders=reminders,
        aftermath=aftermath,
        ensure_can_change=members.ensure_can_change,
        ensure_can_read=members.ensure_can_read,
        paging=paging,
    )
    register_reading(app, after_ack)  # first: every listener and middleware below gets the typed request
    register(app, runner, after_ack)
    declaring = DeclareService(service.db, clock=service.clock)
    register_declaring(app, runner, declaring, after_ack)
    homes = homes or HomeService(service.db, settings, clock=service.clock, look_up=members.look_up_unknown)
    register_home(app, runner, declaring, homes, after_ack)
    register_paging(app, runner, homes, after_ack)
    if triage is not None:
        register_triage(app, runner, triage, homes, after_ack)
    register_member_events(app, members.learn)
    register_group_events(
        app, (groups or UserGroupSync(service.db, client, clock=service.clock, sleep=time.sleep)).learn
    )
    register_every_other_event(app)  # last: it matches whatever the listeners above did not

    @app.error
    def unexpected(error: Exception, body: dict[str, Any]) -> BoltResponse:
        log.error("unhandled %s for a %s request", type(error).__name__, body.get("type") or "command")
        return BoltResponse(status=500, body="")

    return app


def repair_form_body(request: BoltRequest) -> BoltRequest:
    """Bolt reads any form body containing "payload" as a payload form; read it as it is."""
    raw = request.raw_body
    if request.body or not raw or raw.startswith("{"):
        return request
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if form and "payload" not in form:
        request.body = form
        request.context = build_context(BoltContext(), form)
    return request


class SlackHttp(SlackRequestHandler):
    """WSGI: `POST /slack/events` through Bolt; `GET /healthz`: what `health` reports (bot.health),
    200 when it is ok, else 503; `GET /metrics`: what `metrics_text` renders (bot.metrics);
    `/alerts/...` goes to `alert_intake` (bot.intake); any other GET or HEAD, and the
    `public_posts` (the subscription forms), go to `public_site` (the status page,
    bot.status_page), unsigned."""

    def __init__(
        self,
        app: App,
        *,
        signing_secret: str,
        health: Callable[[], Mapping[str, object]],
        metrics_text: Callable[[], bytes] | None = None,
        public_site: WSGIApplication | None = None,
        alert_intake: WSGIApplication | None = None,
        public_posts: Collection[str] = (),
    ) -> None:
        super().__init__(app, path="/slack/events")
        self.signing_secret = signing_secret
        self.health = health
        self.metrics_text = metrics_text
        self.public_site = public_site
        self.alert_intake = alert_intake
        self.public_posts = frozenset(public_posts)  # the status page's forms (subscriptions)

    def events(self, environ: WSGIEnvironment) -> BoltResponse:
        """`POST /slack/events`: refused cheaply when too big, unsigned or malformed; else Bolt."""
        try:
            body = read_body(environ)
            headers = request_headers(environ)
            inbound.check_signature(self.signing_secret, headers, body)
            incoming = inbound.check_shape(headers, body)
            bolt_request = BoltRequest(body=body.decode(), query=environ.get("QUERY_STRING", ""), headers=dict(headers))
        except Refusal as refusal:
            log.log(refusal.level, "refused a request to /slack/events: %s %s", refusal.status, refusal.reason)
            return BoltResponse(status=refusal.status, body=json.dumps({"error": refusal.reason}))
        except (ValueError, TypeError, AttributeError, KeyError) as error:  # what Bolt's body parsing raises
            log.warning("refused a signed request Bolt cannot read: %s", type(error).__name__)
            return BoltResponse(status=400, body='{"error": "malformed body"}')
        bolt_request = repair_form_body(bolt_request)
        if incoming is not None:  # read once: the reading middleware takes it (bot.slack.listeners)
            bolt_request.context[shapes.INCOMING] = incoming
        return self.app.dispatch(bolt_request)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/metrics" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            body = self.metrics_text() if self.metrics_text else b""
            start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            report = self.health()
            status = "200 OK" if report.get("ok") is True else "503 Service Unavailable"
            body = json.dumps(report).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if str(environ.get("PATH_INFO") or "").startswith(ALERTS_PREFIX) and self.alert_intake is not None:
            return self.alert_intake(environ, start_response)  # its own tokens, never a Slack signature
        public = environ.get("REQUEST_METHOD") in ("GET", "HEAD") and environ.get("PATH_INFO") != self.path
        public = public or environ.get("PATH_INFO") in self.public_posts
        if public and self.public_site is not None:  # the status page (and its forms): no signature
            return self.public_site(environ, start_response)
        if environ.get("PATH_INFO") == self.path and environ.get("REQUEST_METHOD") == "POST":
            answer = self.events(environ)
            response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
            start_response(response.status, response.get_headers())
            return response.get_body()
        return super().__call__(environ, start_response)
