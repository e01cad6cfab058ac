"""The alert endpoints of the web process, a WSGI app that `SlackHttp` hands `/alerts/...`:

    POST /alerts/alertmanager   Alertmanager's webhook      Authorization: Bearer <secret>
    POST /alerts/grafana        Grafana's webhook            Authorization: Bearer <secret>
    POST /alerts/v2/enqueue     the PagerDuty Events API v2  the secret as `routing_key`

Cheapest refusal first, and nothing stored by any of them (docs/behaviour.md, Alerts): 404 while
`INCIDENT_ALERT_TOKENS` is empty (the log says why), 413 for a body over 1 MiB before it is
read, 401 without a token's secret, 400 naming the field for malformed input. An accepted
notification is one database transaction (`AlertService.receive`) and its answer; whatever Slack
must show is outbox work, sent after the answer, so a slow or absent Slack never delays it.
The events endpoint answers as PagerDuty does: 202 `{"status": "success", "message": "Event
processed", "dedup_key": ...}`, 400 `{"status": "invalid event", "message": ..., "errors": [...]}`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import metrics
from bot.alerts.receive import AlertService, Receipt
from bot.domain.alert_tokens import AlertToken, bearer, matching
from bot.domain.alerts import Change, Notification, Source
from bot.intake.alertmanager import read_webhook
from bot.intake.events import InvalidEvent, read_event, routing_key
from bot.reading import Malformed, unstorable
from bot.request_body import Refusal, read_body, request_headers

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

PREFIX = "/alerts/"
ROUTES = {
    "/alerts/alertmanager": Source.ALERTMANAGER,
    "/alerts/grafana": Source.GRAFANA,
    "/alerts/v2/enqueue": Source.EVENTS,
}
REASONS = {400: "malformed", 401: "unauthorized", 413: "too_large"}
_STATUS_LINES = {
    200: "200 OK",
    202: "202 Accepted",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Content Too Large",
    500: "500 Internal Server Error",
}


@dataclass(frozen=True)
class IntakeAnswer:
    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


class AlertIntake:
    def __init__(
        self,
        receiver: AlertService,
        tokens: Sequence[AlertToken],
        *,
        after: Callable[[], None] = lambda: None,
        new_key: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.receiver = receiver
        self.tokens = tuple(tokens)
        self.after = after  # wakes the outbox sender: the triage message goes after the answer
        self.new_key = new_key  # a dedup key for an event triggered without one
        self._said_off = False

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        answer = self.answer(environ)
        body = json.dumps(answer.body).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *answer.headers]
        start_response(_STATUS_LINES[answer.status], headers)
        if answer.status in (200, 202):
            self._hand_over()
        return [body]

    def answer(self, environ: WSGIEnvironment) -> IntakeAnswer:
        path = str(environ.get("PATH_INFO") or "")
        source = ROUTES.get(path)
        if source is None:
            return IntakeAnswer(404, {"error": f"no alert endpoint at {path[:100]}; POST to {', '.join(ROUTES)}"})
        if environ.get("REQUEST_METHOD") != "POST":
            return IntakeAnswer(405, {"error": "alerts are sent with POST"}, (("Allow", "POST"),))
        if not self.tokens:
            self._say_off(path)
            metrics.ALERT_REFUSALS.labels(source=source.value, reason="off").inc()
            return IntakeAnswer(404, {"error": "not found"})
        try:
            return self._accept(source, environ)
        except Refusal as refusal:
            metrics.ALERT_REFUSALS.labels(source=source.value, reason=REASONS.get(refusal.status, "malformed")).inc()
            log.info("refused a request to %s: %s %s", path, refusal.status, refusal.reason)
            return _refused(source, refusal)
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("alert notification to %s failed (ref %s); the sender will retry", path, reference)
            return IntakeAnswer(500, {"error": f"not stored; try again (ref {reference})"})

    def _accept(self, source: Source, environ: WSGIEnvironment) -> IntakeAnswer:
        headers = request_headers(environ)
        token = None
        if source is not Source.EVENTS:  # checked before reading a byte of the body
            token = matching(self.tokens, bearer(headers.get("authorization", "")))
            if token is None:
                raise Refusal(401, "send Authorization: Bearer <a secret of INCIDENT_ALERT_TOKENS>")
        raw = read_body(environ)
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Refusal(400, "the body is not JSON") from None
        if source is Source.EVENTS:
            token = matching(self.tokens, routing_key(parsed))
            if token is None:
                raise Refusal(401, "routing_key is not a secret of INCIDENT_ALERT_TOKENS")
        if (bad_text := unstorable(parsed)) is not None:  # PostgreSQL would refuse it: a 500 retried forever
            raise Refusal(400, str(bad_text))
        assert token is not None
        if source is Source.EVENTS:
            return self._event(parsed, sender=token.name or source.shown)
        try:
            notification = read_webhook(parsed, source=source, sender=token.name or source.shown)
        except Malformed as malformed:
            raise Refusal(400, str(malformed)) from None
        receipt = self._receive(notification)
        return IntakeAnswer(200, {"status": "success", **_summary(receipt)})

    def _event(self, parsed: object, *, sender: str) -> IntakeAnswer:
        try:
            event = read_event(parsed, sender=sender, new_key=self.new_key)
        except InvalidEvent as invalid:
            metrics.ALERT_REFUSALS.labels(source=Source.EVENTS.value, reason="malformed").inc()
            log.info("refused an event: %s", invalid)
            answer = {"status": "invalid event", "message": "Event object is invalid", "errors": invalid.errors}
            return IntakeAnswer(400, answer)
        self._receive(event.notification, acknowledged=event.action == "acknowledge")
        return IntakeAnswer(202, {"status": "success", "message": "Event processed", "dedup_key": event.dedup_key})

    def _receive(self, notification: Notification, *, acknowledged: bool = False) -> Receipt:
        receipt = self.receiver.receive(notification)
        source = notification.source.value
        for alert in notification.alerts:
            status = "acknowledged" if acknowledged else alert.status.value
            metrics.ALERTS_RECEIVED.labels(source=source, status=status).inc()
        if receipt.created:
            metrics.ALERT_GROUPS_CREATED.labels(source=source).inc()
        if receipt.duplicate:
            metrics.ALERT_DUPLICATES.labels(source=source).inc()
        changed = sum(1 for _, what in receipt.changes if what.counts)
        log.info(
            "%s notification from %s: group %s%s, %d alerts, %d changed",
            source,
            notification.sender,
            receipt.group_id,
            " (new)" if receipt.created else "",
            len(notification.alerts),
            changed,
        )
        return receipt

    def _hand_over(self) -> None:
        """After the answer: wake the sender. Never raises (the answer is given already)."""
        try:
            self.after()
        except Exception:
            log.exception("waking the sender after an alert failed; the next round sends its work")

    def _say_off(self, path: str) -> None:
        if not self._said_off:
            log.warning("%s answered 404: no alert is accepted while INCIDENT_ALERT_TOKENS is not set", path)
            self._said_off = True


def _summary(receipt: Receipt) -> dict[str, Any]:
    return {
        "group": "new" if receipt.created else "known",
        "firing": receipt.counts.firing,
        "resolved": receipt.counts.resolved,
        "changed": sum(1 for _, what in receipt.changes if what.counts),
        "duplicate": receipt.duplicate,
        "stale": sum(1 for _, what in receipt.changes if what is Change.STALE),
    }


def _refused(source: Source, refusal: Refusal) -> IntakeAnswer:
    """A refusal, in the shape the sender reads (PagerDuty's for events)."""
    headers = (("WWW-Authenticate", 'Bearer realm="alerts"'),) if refusal.status == 401 else ()
    if source is not Source.EVENTS:
        return IntakeAnswer(refusal.status, {"error": refusal.reason}, headers)
    status = "unauthorized" if refusal.status == 401 else "invalid event"
    message = "Event object is not accepted" if refusal.status == 401 else "Event object is invalid"
    return IntakeAnswer(refusal.status, {"status": status, "message": message, "errors": [refusal.reason]}, headers)
