"""`Effect`: what every kind of Slack work is (`bot.outbox.kinds`, one module each), and `Sending`:
what its `send` is given.

An effect is a frozen dataclass: its fields are what the service records (the row's `payload`
JSON column, written and read only by `bot.outbox.codec`), its `kind` the `kind` column's value
(never changed once released: rows of a deployed database must still load), and its `send` what
it does in Slack, returning its typed result (`bot.outbox.results`). A field named `entry_id` or
`draft_id` makes the sender read that timeline entry or draft for the send (`bot.outbox.view`); one
named `alert_group_id` queues it behind that group's work (`bot.outbox.store`) and has the group
read for the send (`bot.outbox.triage_view`).

The sender sends effects in batches (`bot.outbox.sender`): a batch is one effect, or, for a kind
that is `batched`, the effects of that kind queued one behind the other for one incident. `send`
is called once per batch, on its first effect, and sends the whole batch (`Sending.views`: what
was read for each of its effects, `Sending.attempt.effect_ids`: their ids).

Within an incident, an effect goes in its kind's `lane`, waiting for the lane named `after`
(`bot.outbox.claims.claimable` decides what may go now): effects of one lane go one after the
other, in the order recorded; effects of different lanes go side by side; and an effect waits
until every effect of its `after` lane recorded before it is sent. A kind that names no lane
keeps the strict order: it waits for everything of its incident recorded before it, and
everything recorded after it waits for it. A lane apart (`lane_apart`: PagerDuty's) keeps only
its own order: it neither waits for the incident's work in no lane nor holds it up.

No storage here: the sender read the incident (`IncidentView`) before the send. The lookups
give up (`GiveUp`) when what the work is about is gone: no incident, no channel, no draft.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from bot.domain.drafts import DraftRecord
from bot.domain.home import Home
from bot.domain.incident import Incident
from bot.domain.markup import escape, for_public
from bot.domain.paging import Page
from bot.domain.readers import Reader, pick_language
from bot.domain.triage import TriageView
from bot.outbox.attempts import Attempt
from bot.outbox.failures import GiveUp
from bot.outbox.results import Progress, Result
from bot.outbox.view import IncidentView
from bot.render import draft_blocks

# The lanes more than one kind names (`Effect.lane`, `Effect.after`); a kind may name its own.
CHANNEL_LANE = "channel"  # the channel's creation: everything in the channel waits for it
CARD_LANE = "card"  # the card's post, then its updates: an update waits for the card
TIMELINE_LANE = "timeline"  # the channel's lines, in the order they happened
PAGE_LANE = "page"  # pages' direct messages, each edit after its message; no channel needed
MOVED_LANE = "moved"  # a move's last step in the incident's order (channel.leave): the clean-up waits for it
FORMER_LANE = "former"  # the public channel a private incident left (channel.vacate): apart from the incident's work

# Given the transaction recording a public channel Slack just made (the incident, the channel):
# when the incident was made private while the channel was being made, its move to a new private
# channel is queued there (`bot.channel_moves`, wired by the runtime: the outbox calls no service).
MoveOut = Callable[[Session, int, str], None]


@dataclass(frozen=True)
class Sending:
    """One attempt at one batch: the Slack client, the settings, what the sender read for each of
    its effects (`views`: none when the work is about no incident), and which attempt this is
    (every message posted carries `attempt`'s effect ids)."""

    kind: str
    client: WebClient
    settings: Settings
    bot_user_id: Callable[[], str]
    views: tuple[IncidentView, ...]
    attempt: Attempt
    progress: Progress  # remember a step, beside the next call, before the send ends (`bot.outbox.steps`)
    group: TriageView | None = None  # an alert group's, for work about its triage message

    def alert_group(self) -> TriageView:
        """The group of alerts the work is about (read by the sender); GiveUp when it is gone."""
        if self.group is None:
            raise GiveUp(f"{self.kind} needs its group of alerts")
        return self.group

    home: Home | None = None  # the App Home to publish, read when sent (a kind sent by the App Home's sender)
    move_out: MoveOut | None = None  # a public channel made for an incident private by then (channel.create)

    @property
    def view(self) -> IncidentView | None:
        """What was read for the batch's first effect (the only one, but for a `batched` kind)."""
        return self.views[0] if self.views else None

    def about(self) -> IncidentView:
        """The incident the work is about (read by the sender); GiveUp when there is none."""
        if self.view is None:
            raise GiveUp(f"{self.kind} needs an incident")
        return self.view

    def channel(self) -> str:
        """The incident's channel; GiveUp when it has none."""
        incident = self.about().incident
        if incident.channel_id is None:
            raise GiveUp(f"{incident.name} has no channel")
        return incident.channel_id

    def draft(self) -> DraftRecord:
        draft = self.about().draft
        if draft is None:
            raise GiveUp("draft missing")
        return draft

    def draft_message(self) -> tuple[str, list[dict[str, Any]]]:
        """The draft's message in the incident channel as the draft is now: fallback text and blocks."""
        view = self.about()
        return draft_blocks.draft_message(
            self.draft(),
            view.incident,
            view.names,
            self.settings.zone,
            status_channel=self.settings.status_channel,
            reached=view.reached,
        )


@dataclass(frozen=True)
class Effect(ABC):
    kind: ClassVar[str]
    # Rendered from the incident's state when sent, so only the newest pending one of an incident matters.
    superseded_by_later: ClassVar[bool] = False
    # Consecutive pending ones of an incident are claimed and sent as one batch (`bot.outbox.store`).
    batched: ClassVar[bool] = False
    # Shows the incident's card: the sender reads its related incidents and follow-ups too.
    shows_card: ClassVar[bool] = False
    # Every one of this kind posts in the same channel (the alert channel): one at most per pace.
    one_channel: ClassVar[bool] = False
    # Posts its alert group's first message while the group has none (the triage message): that
    # one goes before every other due effect (`bot.outbox.claims`), so a new alert is seen at once
    # and not after the edits of older groups' messages its channel's pace lets go one by one.
    posts_first: ClassVar[bool] = False
    # What people wait for (the card): leased and read while the lane it waits for is settled (the
    # channel being created), and sent as soon as that is done, before it is even recorded
    # (`bot.outbox.ahead`).
    read_first: ClassVar[bool] = False
    # Shows the incident's whole timeline: the sender reads every entry too.
    shows_timeline: ClassVar[bool] = False
    # Edits what was posted about the incident outside its channel: the sender reads its
    # announcements and its published updates' posts too.
    shows_public_copies: ClassVar[bool] = False
    # The lane of its incident's work it goes in (stored in the row); None: in strict order with
    # all of its incident's work, before and after it (the default, always safe).
    lane: ClassVar[str | None] = None
    # The lane whose earlier effects must all be sent first (the channel before what goes in it).
    after: ClassVar[str | None] = None
    # Its lane goes apart from its incident's other work: it waits for no effect in no lane, and
    # none waits for it (another service's work, PagerDuty's: neither holds back the other). Only
    # its own lane's order holds. Every kind naming that lane says so (`bot.outbox.registry`).
    lane_apart: ClassVar[bool] = False
    # The sender reads the incident for the send (`IncidentView`); False: its fields say everything.
    reads_incident: ClassVar[bool] = True
    # Settled without sending once a later effect of its kind and incident that `overtakes` it was
    # sent or is being sent (it would arrive after what it comes before), or once the latest of
    # those is `final` and was given up (`bot.outbox.worth.overtaken`, `bot.outbox.sender`).
    overtaken_by_later: ClassVar[bool] = False
    # Sent by a sender of its own, in a thread of its own (`bot.outbox.claims.claimable` leaves it
    # out): "home" for the App Home's publishes, which then never wait for an incident channel's
    # work, nor hold it up; "pagerduty" for PagerDuty's events (`claims.claimable_by`, their lane's
    # order kept; not stopped by Slack's token pause: `bot.outbox.pagerduty_sender`). None: the
    # Slack sender's.
    own_sender: ClassVar[str | None] = None
    # Changes what the App Home shows (an incident's card or its next update, a page): recording it
    # asks for the Homes of its workspace's recent viewers to be published again (`bot.outbox.store`).
    shows_on_home: ClassVar[bool] = False

    @abstractmethod
    def send(self, slack: Sending) -> Result:
        """Do the work of the batch this effect begins in Slack; raise `Retry`, `Hold` or `GiveUp`
        (`bot.outbox.failures`) when it cannot be done now; `SlackApiError`s are classified by the
        caller (`bot.outbox.delivery`)."""

    def overtakes(self, earlier: Effect) -> bool:
        """Whether this effect, recorded after `earlier` (of its kind and incident), says what
        `earlier` said later on, so that `earlier` is pointless once this one went
        (`overtaken_by_later`)."""
        return False

    @property
    def final(self) -> bool:
        """Whether this effect is the last word on what earlier ones it `overtakes` said (a
        PagerDuty resolve): the latest of them, given up, still makes them pointless."""
        return False


@dataclass(frozen=True)
class PageMessage(Effect, ABC):
    """A page's direct message to its person (`bot.outbox.kinds.send_page`, `update_page`): the
    page is read when sent (`page`), and its kinds go in `PAGE_LANE`, waiting for no channel (a
    person is paged while the incident's channel cannot be created yet), each edit after the
    message it edits."""

    shows_on_home: ClassVar[bool] = True  # the App Home lists the pages waiting for an answer
    lane: ClassVar[str | None] = PAGE_LANE
    page_id: int

    def page(self, slack: Sending) -> tuple[IncidentView, Page]:
        """The incident and the page, as read for the send; GiveUp when the page is gone."""
        view = slack.about()
        if view.page is None:
            raise GiveUp(f"page {self.page_id} is gone")
        return view, view.page

    def reader(self, slack: Sending, view: IncidentView) -> Reader:
        """How the page's person reads it: in their language, as their App Home (their Slack locale
        among INCIDENT_LANGUAGES, read when sent); its times in the incident's zone
        (INCIDENT_TIMEZONE), as the replies to their clicks and the incident's channel say them."""
        settings = slack.settings
        return Reader(pick_language(view.page_locale, settings.languages), settings.zone)


def fallback(incident: Incident) -> str:
    """The notification text that goes with the card's blocks: Slack parses it too, so it is escaped."""
    return escape(f"{incident.name} ({incident.status.value}, sev{incident.severity}): {for_public(incident.title)}")
