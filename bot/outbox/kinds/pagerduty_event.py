"""pagerduty.event: the optional PagerDuty handoff (docs/behaviour.md, Paging): a page of a catalog
component that names a `pagerduty_routing_key` also triggers a PagerDuty incident through the
Events API v2, and resolving the incident resolves it, both with the incident's name (`INC-7`) as
the `dedup_key`, so PagerDuty keeps one incident however often it is triggered.

The routing key is read from the catalog when sent (never stored in the outbox). It goes in its
incident's queue, in a lane apart (`PAGERDUTY_LANE`, `Effect.lane_apart`), sent by a sender of its
own (`own_sender`: `bot.outbox.pagerduty_sender`, a thread of each process beside the Slack
sender's, not stopped by Slack's token pause): PagerDuty being slow or down never holds back any
Slack work, nor Slack being slow, down or refusing the token PagerDuty's events, and the
incident's events go to PagerDuty one after the other in the order recorded, so a resolve never
overtakes a trigger still being retried, nor a trigger after a reopening its resolve (one lane
for all of an incident's components: the order of each component's events is kept). What it says
is written when queued, but for privacy: a private incident's trigger names only the incident and
its severity (`trigger`), and the incident is read when sent (`reads_incident`), so a trigger still
waiting (retried, or given up and sent again) once the incident was made private does not carry
its title either. Sent with the
outbox's retry rules: a 429, a 5xx or no answer is tried again with backoff (PagerDuty
deduplicates, so a repeat is harmless); a refusal (400: an unknown routing key or a malformed
event, 401, 403, 404) is given up and listed by `incident-bot outbox`, which sends it again on
demand once the key is fixed: never lost.

A given-up event holds nothing back (the outbox's rule): the resolve that follows a refused
trigger is sent all the same (it resolves whatever an earlier trigger of the key opened; PagerDuty
ignores it otherwise). An event sent again by `incident-bot outbox retry` is settled without being
sent (`overtaken_by_later`, `bot.outbox.worth.overtaken`) once a later event of its component was
sent or is being sent, or when the latest later one is a resolve (`final`) that was given up: a
trigger retried after the incident's resolve would open a PagerDuty incident nothing resolves. A
later trigger given up overtakes nothing (it never reached PagerDuty): the first of two refused
pages, sent again once the key is fixed, pages PagerDuty. Sent again together, both go, in order:
the trigger, then the resolve.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from typing import ClassVar

from bot.domain.incident import Incident
from bot.domain.markup import for_public
from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp, Retry
from bot.outbox.results import Nothing

TIMEOUT_SECONDS = 10.0
SEVERITIES = {1: "critical", 2: "error", 3: "warning", 4: "info"}  # the Events API's payload.severity


PAGERDUTY_LANE = "pagerduty"  # an incident's events for PagerDuty, apart from its Slack work


@dataclass(frozen=True)
class PagerDutyEvent(Effect):
    kind: ClassVar[str] = "pagerduty.event"
    lane: ClassVar[str | None] = PAGERDUTY_LANE
    lane_apart: ClassVar[bool] = True  # waits for no Slack work, and no Slack work waits for it
    reads_incident: ClassVar[bool] = True  # whether it is private now; what it says is written when queued
    overtaken_by_later: ClassVar[bool] = True
    own_sender: ClassVar[str | None] = "pagerduty"  # its own thread: a slow PagerDuty or Slack holds back neither
    component_id: str
    action: str  # "trigger" or "resolve"
    dedup_key: str  # the incident's name, `INC-7`
    summary: str = ""  # a trigger's: `INC-7 (sev1): Checkout fails`, in public words (`trigger`)
    severity: int = 2

    def send(self, slack: Sending) -> Nothing:
        component = slack.settings.catalog.get(self.component_id)
        key = component.pagerduty_routing_key if component else None
        if component is None or key is None:
            return Nothing(note=f"{self.component_id} has no PagerDuty routing key in the catalog now")
        event: dict[str, object] = {
            "routing_key": key,
            "event_action": self.action,
            "dedup_key": self.dedup_key,
        }
        if self.action == "trigger":
            incident = slack.view.incident if slack.view is not None else None
            summary = private_summary(incident) if incident is not None and incident.private else self.summary
            event["payload"] = {
                "summary": summary[:1024],
                "source": "incident-bot",
                "severity": SEVERITIES.get(self.severity, "error"),
                "component": component.name(slack.settings.languages[0]),
            }
            event["client"] = "incident-bot"
        status = _post(slack.settings.pagerduty_events_url, event)
        return Nothing(note=f"PagerDuty took the {self.action} ({status})")

    def overtakes(self, earlier: Effect) -> bool:
        """A later event of the same component and key: PagerDuty's word on it after `earlier`'s."""
        same = (self.component_id, self.dedup_key)
        return isinstance(earlier, PagerDutyEvent) and (earlier.component_id, earlier.dedup_key) == same

    @property
    def final(self) -> bool:
        """A resolve: the incident is over for PagerDuty, sent or not (a trigger before it, sent
        again, would page someone for it)."""
        return self.action == "resolve"


def _post(url: str, event: dict[str, object]) -> int:
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "incident-bot"}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s), checked at start
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            answer.read(64 * 1024)
            return int(answer.status)
    except urllib.error.HTTPError as error:
        said = _message(error)
        if error.code == 429 or error.code >= 500:
            after = error.headers.get("Retry-After") if error.headers else None
            seconds = float(after) if after and after.isdigit() else None
            raise Retry(f"PagerDuty answered {error.code}", after_seconds=seconds) from None
        raise GiveUp(f"PagerDuty refused the event ({error.code}{said}): check the routing key") from None
    except (urllib.error.URLError, HTTPException, OSError) as error:
        raise Retry(f"PagerDuty did not answer ({type(error).__name__})") from None


def _message(error: urllib.error.HTTPError) -> str:
    """What PagerDuty said (`{"status": "invalid event", "message": ...}`), shortly; never the key."""
    try:
        said = json.loads(error.read(4096) or b"{}")
    except (ValueError, OSError):
        return ""
    message = said.get("message") if isinstance(said, dict) else None
    return f": {str(message)[:200]}" if message else ""


def trigger(component_id: str, incident: Incident) -> PagerDutyEvent:
    """A page of `component_id` for `incident`, handed to PagerDuty. A private incident's title
    stays in Slack: PagerDuty (its app, its mails and phone calls, whoever its services notify)
    reads only `Private incident INC-7 (sev1)`, and the event carries no other text about it."""
    summary = f"{incident.name} (sev{incident.severity}): {for_public(incident.title)}"
    summary = private_summary(incident) if incident.private else summary
    return PagerDutyEvent(component_id, "trigger", incident.name, summary=summary, severity=incident.severity)


def resolve(component_id: str, incident: Incident) -> PagerDutyEvent:
    """`incident` resolved: PagerDuty's incident for `component_id` too."""
    return PagerDutyEvent(component_id, "resolve", incident.name)


def private_summary(incident: Incident) -> str:
    """`Private incident INC-7 (sev1)`: what PagerDuty reads of a private incident."""
    return f"Private incident {incident.name} (sev{incident.severity})"
