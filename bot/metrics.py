"""What operators scrape: `GET /metrics` in Prometheus' text format (docs/operations in the README).

- `incident_bot_acks_total{command,outcome}`: every acknowledged request, by what it was
  (`open`, `note`, ... for slash commands; `button`, `pushpin`, `shortcut`, `draft_button`, `move_button`,
  `modal` otherwise) and how it ended (`ok`, `refused` for a user error or bad usage, `error`).
- `incident_bot_ack_seconds{command}`: time from the listener's start to its acknowledgement.
- `incident_bot_slack_calls_total{method,result}`: every Web API call the bot made, by method and
  result (`ok`, Slack's error code, `http_429`, `http_503`, ..., or `network`).
- `incident_bot_outbox_effects{state}`: Slack work in the outbox by state (`pending`, `held`,
  `given_up`), read from the database at scrape time, so every process reports the same numbers.
- `incident_bot_events_ignored_total{type}`: event deliveries acknowledged and not acted on.
- `incident_bot_subscribers{medium,state}` and `incident_bot_subscriber_deliveries{medium,kind,state}`:
  status page subscribers and what was sent to them (confirmations, updates, corrections; sent,
  pending, failed), read from the database at scrape time.
- `incident_bot_alerts_received_total{source,status}`: alerts in accepted notifications, by endpoint
  (`alertmanager`, `grafana`, `events`) and the status each was sent with (`firing`, `resolved`,
  `acknowledged`); `incident_bot_alert_groups_created_total{source}`: groups made;
  `incident_bot_alert_duplicates_total{source}`: notifications that changed nothing (resends,
  retries, the other half of an HA pair); `incident_bot_alert_requests_refused_total{source,reason}`:
  requests refused (`unauthorized`, `too_large`, `malformed`, `off` when no token is configured).

Under gunicorn each worker is a process: with `PROMETHEUS_MULTIPROC_DIR` set (the Procfile's
gunicorn config does it) the counters are kept in files there and every worker's `/metrics`
answers the sum over all workers (prometheus_client's multi-process mode).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.domain.subscribers import Medium, SubscriberCounts, SubscriberState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped upstream; no `_created` twin per series

ACKS = Counter("incident_bot_acks", "Acknowledged requests by command and outcome.", ["command", "outcome"])
ACK_SECONDS = Histogram(
    "incident_bot_ack_seconds",
    "Seconds from the start of a listener to its acknowledgement.",
    ["command"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
SLACK_CALLS = Counter("incident_bot_slack_calls", "Slack Web API calls by method and result.", ["method", "result"])
EVENTS_IGNORED = Counter("incident_bot_events_ignored", "Event deliveries acknowledged and not acted on.", ["type"])
ALERTS_RECEIVED = Counter(
    "incident_bot_alerts_received", "Alerts in accepted notifications by source and status.", ["source", "status"]
)
ALERT_GROUPS_CREATED = Counter("incident_bot_alert_groups_created", "Groups of alerts made, by source.", ["source"])
ALERT_DUPLICATES = Counter(
    "incident_bot_alert_duplicates", "Alert notifications that changed nothing (resends, HA copies).", ["source"]
)
ALERT_REFUSALS = Counter(
    "incident_bot_alert_requests_refused", "Alert requests refused, by source and reason.", ["source", "reason"]
)

# Outbox states as stored, and the names operators see.
OUTBOX_STATES = {"pending": "pending", "held": "held", "dead": "given_up"}


class Outcome:
    """How one acknowledged request ended; `refused` and `error` are set by the request boundary."""

    def __init__(self) -> None:
        self.value = "ok"


@contextmanager
def acknowledging(command: str) -> Iterator[Outcome]:
    """Count and time one request: `with acknowledging("note") as outcome: ... outcome.value = ...`."""
    outcome = Outcome()
    started = time.perf_counter()
    try:
        yield outcome
    finally:
        ACK_SECONDS.labels(command=command).observe(time.perf_counter() - started)
        ACKS.labels(command=command, outcome=outcome.value).inc()


def call_result(error: BaseException | None) -> str:
    """The result label of one Web API call."""
    if error is None:
        return "ok"
    if isinstance(error, SlackApiError):
        if error.response.status_code != 200:  # 429, 5xx: the HTTP status says more than any body
            return f"http_{error.response.status_code}"
        body = error.response.data if isinstance(error.response.data, dict) else {}
        return str(body.get("error") or "unknown_error")
    return "network"


class CountingWebClient(WebClient):
    """slack_sdk's WebClient that counts every call it makes, by method and result."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            response = super().api_call(api_method, **kwargs)
        except BaseException as error:
            SLACK_CALLS.labels(method=api_method, result=call_result(error)).inc()
            raise
        SLACK_CALLS.labels(method=api_method, result="ok").inc()
        assert isinstance(response, SlackResponse)
        return response


def client_like(client: WebClient, *, timeout: int) -> WebClient:
    """A client for calls of its own: `client`'s class (so it is counted here too), token and URL,
    its own `timeout`, and no slack_sdk retries (the caller decides what a failure means)."""
    return type(client)(token=client.token, base_url=client.base_url, timeout=timeout, retry_handlers=[])


class OutboxCollector(Collector):
    """The outbox by state, counted in the database when scraped."""

    def __init__(self, count_by_state: Callable[[], dict[str, int]]) -> None:
        self.count_by_state = count_by_state

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily("incident_bot_outbox_effects", "Slack work in the outbox by state.", labels=["state"])
        counts = self.count_by_state()
        for stored, shown in OUTBOX_STATES.items():
            gauge.add_metric([shown], counts.get(stored, 0))
        yield gauge


class SubscriberCollector(Collector):
    """Subscribers per medium and state, and deliveries per medium, kind and state, counted in the
    database when scraped (every process reports the same numbers): confirmations are the
    `confirmation` deliveries sent and the `confirmed` subscribers, failures the `failed`
    deliveries and the `failing` and `bounced` subscribers."""

    def __init__(self, counts: Callable[[], SubscriberCounts]) -> None:
        self.counts = counts

    def collect(self) -> Iterable[Metric]:
        counted = self.counts()
        people = GaugeMetricFamily(
            "incident_bot_subscribers", "Status page subscribers by medium and state.", labels=["medium", "state"]
        )
        for medium in Medium:
            for state in SubscriberState:
                people.add_metric([medium.value, state.value], counted.of(medium, state))
        yield people
        sent = GaugeMetricFamily(
            "incident_bot_subscriber_deliveries",
            "Messages to subscribers by medium, kind (confirmation, update, correction) and state.",
            labels=["medium", "kind", "state"],
        )
        for (by, kind, outcome), count in sorted(counted.deliveries.items()):
            sent.add_metric([by, kind, outcome], count)
        yield sent


def scrape(
    count_by_state: Callable[[], dict[str, int]], *, multiprocess: bool = False, more: Iterable[Collector] = ()
) -> bytes:
    """The text `GET /metrics` answers: this process's metrics (or every worker's), the outbox, and
    `more` (read from the database when scraped)."""
    registry = CollectorRegistry()
    if multiprocess:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client leaves it untyped
    else:
        for collector in (
            ACKS,
            ACK_SECONDS,
            SLACK_CALLS,
            EVENTS_IGNORED,
            ALERTS_RECEIVED,
            ALERT_GROUPS_CREATED,
            ALERT_DUPLICATES,
            ALERT_REFUSALS,
        ):
            registry.register(collector)
    registry.register(OutboxCollector(count_by_state))
    for extra in more:
        registry.register(extra)
    return generate_latest(registry)
