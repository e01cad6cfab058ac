"""Assembling the bot from its settings: database, service, Slack client, sender, members, app.

Entry points (`bot.wsgi`, `incident-bot serve|socket|worker|demo`) build a `Runtime` and start
what they need; nothing here reads the environment.
"""

from __future__ import annotations

import logging
import ssl
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import health, metrics, warm
from bot.aftermath import AftermathService
from bot.alerts.receive import AlertService
from bot.background import Deadline
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.domain.home import PUBLISH_EVERY, Home
from bot.home import HomeService
from bot.home_thread import HomeThread
from bot.intake.app import AlertIntake
from bot.member_sync import MemberSync, MemberSyncThread
from bot.members import MemberCheck
from bot.outbox import wakes
from bot.outbox.delivery import Delivery
from bot.outbox.effect import Effect
from bot.outbox.home_queue import HomeDelivery, HomeSender
from bot.outbox.kinds.fetch_message import MessageFetched
from bot.outbox.kinds.publish_home import PublishHome
from bot.outbox.kinds.refresh_offers import OffersLeft
from bot.outbox.pagerduty_sender import PagerDutySender
from bot.outbox.results import Result
from bot.outbox.send_pool import SEND_THREADS
from bot.outbox.sender import CHANNEL_PACE_SECONDS, EffectSender
from bot.outbox.sender_thread import SenderThread
from bot.outbox.subscriber_threads import SubscriberLane, build_lane
from bot.paging import PagingService
from bot.reminder_thread import ReminderThread
from bot.reminders import ReminderService
from bot.service import IncidentService
from bot.slack import copied
from bot.slack.app import SlackHttp, create_app
from bot.slack.identity import BotIdentity
from bot.slack.responder import Responder
from bot.status_page.forms import FORMS
from bot.status_page.site import StatusSite
from bot.storage import history
from bot.storage.db import Database
from bot.subscribers import SubscriberService
from bot.triage import AlertTriage
from bot.usergroup_sync import UserGroupSync

log = logging.getLogger(__name__)

SLACK_TIMEOUT_SECONDS = 30
MEMBER_SYNC_STOP_SECONDS = 1.0  # how long a stop waits for a member sync's round in hand (users.list)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    service: IncidentService
    client: WebClient
    identity: BotIdentity
    sender: EffectSender
    sender_thread: SenderThread
    responder: Responder
    members: MemberCheck
    groups: UserGroupSync
    paging: PagingService
    member_sync: MemberSyncThread
    reminders: ReminderService
    aftermath: AftermathService
    alerts: AlertService
    triage: AlertTriage
    reminder_thread: ReminderThread
    subscribers: SubscriberService
    lane: SubscriberLane
    homes: HomeService
    home_thread: HomeThread
    pagerduty_thread: SenderThread  # PagerDuty's events, apart from Slack's work (`bot.outbox.pagerduty_sender`)
    _app: App | None = field(default=None, repr=False)

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = create_app(
                self.settings,
                self.service,
                self.client,
                after_ack=self,
                identity=self.identity,
                members=self.members,
                groups=self.groups,
                paging=self.paging,
                triage=self.triage,
                homes=self.homes,
                fanned_out=self.lane.notify,  # a Publish hands an update out to the subscribers
            )
        return self._app

    def wsgi(self, *, multiprocess_metrics: bool = False) -> SlackHttp:
        """The HTTP app; `multiprocess_metrics` under gunicorn (workers sum their counters)."""
        return SlackHttp(
            self.app,
            signing_secret=self.settings.signing_secret or "",
            health=lambda: health.report(
                self.service.db, self.settings.zone, team_id=self.identity.team_id, unverified=self.identity.unverified
            ),
            metrics_text=lambda: metrics.scrape(
                self.service.outbox_counts,
                multiprocess=multiprocess_metrics,
                more=[metrics.SubscriberCollector(self.subscribers.counts)],
            ),
            public_site=self.status_site() if self.settings.status_page_on_web else None,
            alert_intake=AlertIntake(self.alerts, self.settings.alert_tokens, after=self.notify),
            public_posts=FORMS if self.settings.subscriptions and self.settings.status_page_on_web else (),
        )

    def status_site(self) -> StatusSite:
        """The public status page and feeds (served by the web process unless INCIDENT_STATUS_PAGE=separate,
        or by `socket --status-port`)."""
        forms = self.subscribers if self.settings.subscriptions else None
        return StatusSite(self.db, self.settings, clock=self.service.clock, subscriptions=forms)

    def check_token(self) -> None:
        """auth.test at start-up: raises `TokenRejected` (the caller exits with its one line) when
        Slack refuses the token; when it accepts it, held Slack work is checked at once."""
        if self.identity.check_token():
            self.sender.check_now()  # this workspace's held work: auth.test just accepted its token

    # the listeners' AfterAck
    def notify(self) -> None:
        """After an ack: wake the senders the request gave work to (`bot.outbox.wakes`), none for a
        request that changed nothing."""
        fed = wakes.take()
        slack = [(each.incident_id, each.kind) for each in fed if each.sender == wakes.SLACK]
        if slack:
            self.sender_thread.offer(slack)  # unless its channel's pace holds all of it back anyway
            self.reminder_thread.notify()  # a change (it has Slack work) may have moved a deadline
        if any(each.sender == wakes.HOME for each in fed):
            self.home_thread.notify()  # a Home was opened, or a change shows on the Homes
        if any(each.sender == wakes.PAGERDUTY for each in fed):
            self.pagerduty_thread.notify()  # a page or a resolve for PagerDuty

    def respond(self, response_url: str | None, messages: list[dict[str, Any]]) -> None:
        self.responder.respond(response_url, messages)

    def send_due_reminders(self) -> int:
        """One scheduler round now, without the thread: update reminders, pages nobody answered and
        reminders after the fire, of the workspace this process serves (none while Slack has not
        said which)."""
        team_id = self.identity.workspace()
        if team_id is None:
            return 0
        due = self.reminders.send_due(team_id=team_id) + self.paging.escalations.send_due(team_id=team_id)
        return due + self.aftermath.send_due_reminders(team_id=team_id)

    def warm_up(self, *, request_threads: int = 8) -> None:
        """Before serving: the app built, its first statements compiled, a connection per thread."""
        assert self.app is not None
        warm.warm_up(self.db, connections=request_threads)

    def start_background(self) -> Runtime:
        """The sender, the responder, the reminders and the member sync (waiting briefly for its first round)."""
        self.start_threads()
        self.member_sync.first_round.wait(self.member_sync.first_wait)
        return self

    def start_threads(self) -> Runtime:
        """`start_background` without waiting for the member sync's first round (`bot.lifecycle`'s
        start-up waits for it where a stop need not wait too)."""
        self.sender_thread.start()
        self.pagerduty_thread.start()
        self.responder.start()
        self.reminder_thread.start()
        self.member_sync.start(wait=False)
        self.lane.start()
        self.home_thread.start()
        return self

    def stop(self, deadline: Deadline | None = None) -> None:
        """Stop every background thread, those started at least (a stop during start-up), and close
        the database's connections: each thread's round in hand is waited for, the sender's Slack
        calls in hand are recorded and what it claimed and did not send is given back, all until one
        `deadline` (`STOP_SECONDS` from now unless the caller's stop began earlier): a call Slack has
        not answered by then is left to its lease. All are asked first, so the stop waits for the
        slowest round, not for their sum; the member sync only reads Slack, so a round of it cut
        short is only done again at the next start."""
        deadline = deadline or Deadline()
        threads = (self.reminder_thread, self.member_sync, self.sender_thread, self.pagerduty_thread, self.home_thread)
        for thread in (*threads, *self.lane.threads):
            thread.ask_to_stop()
        self.reminder_thread.stop_by(deadline)
        self.member_sync.stop(timeout=min(MEMBER_SYNC_STOP_SECONDS, deadline.left()))
        self.sender_thread.stop_by(deadline)
        self.pagerduty_thread.stop_by(deadline)
        self.home_thread.stop_by(deadline)
        self.lane.stop(deadline)
        self.responder.stop(deadline.left())
        self.db.dispose()


def build(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    migrate: bool = True,
    slack_timeout: int = SLACK_TIMEOUT_SECONDS,
    pace_seconds: float = CHANNEL_PACE_SECONDS,
    mail_tls: ssl.SSLContext | None = None,
    home_every: timedelta = PUBLISH_EVERY,
) -> Runtime:
    """Everything the bot runs; `slack_timeout` bounds each Web API call (tests shorten it);
    `pace_seconds` is the least time between two messages of lines in one channel (Slack's
    limit; the sandbox's emulator has none); `mail_tls` replaces the system's certificate
    authorities for SMTP (tests with a certificate of their own); `home_every` the least time
    between two publishes of one person's App Home (the sandbox's is shorter)."""
    db = Database(settings.database_url)
    if migrate:
        db.upgrade()
    if settings.catalog:  # when each component first appeared: its Statuspage created_at
        history.first_appeared(db, [each.id for each in settings.catalog.components], clock())
    service = IncidentService(
        db,
        zone=settings.zone,
        clock=clock,
        cadences=settings.reminders,
        languages=settings.languages,
        catalog=settings.catalog,
    )
    client = metrics.CountingWebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=slack_timeout,
        retry_handlers=[],  # the outbox retries, with backoff and Retry-After, across restarts
    )
    identity = BotIdentity(client)
    # a public channel made for an incident made private meanwhile: its move queued when recorded
    delivery = Delivery(client, settings, bot_user_id=identity.user_id, move_out=service.move_out)
    sender = EffectSender(
        db, delivery, clock=clock, workspace=identity.workspace, pace_seconds=pace_seconds, threads=SEND_THREADS
    )
    members = MemberCheck(db, client, clock=clock, guests_read=settings.guests_read)
    sender.learn_people = members.look_up_unknown
    groups = UserGroupSync(db, client, clock=clock, sleep=time.sleep)
    paging = PagingService.from_settings(
        db, settings, clock=clock, look_up_group=groups.look_up, look_up_people=members.look_up_people
    )
    sync = MemberSync(
        db,
        client,
        clock=clock,
        sleep=time.sleep,
        workspace=identity.workspace,
        on_page=members.recent.clear,
        also=groups.run,
    )
    sender_thread = SenderThread(sender)
    pagerduty_sender = PagerDutySender(db, delivery, clock=clock, workspace=identity.workspace, threads=SEND_THREADS)
    pagerduty_thread = SenderThread(pagerduty_sender, name="pagerduty-sender")
    homes = HomeService(db, settings, clock=clock, look_up=members.look_up_unknown, every=home_every)
    home_delivery = HomeDelivery(delivery, partial(_home, homes))
    home_sender = HomeSender(db, home_delivery, clock=clock, workspace=identity.workspace)
    reminders = ReminderService(db, zone=settings.zone, clock=clock, cadences=settings.reminders)
    aftermath = AftermathService(db, zone=settings.zone, clock=clock)
    triage = AlertTriage(db, service, zone=settings.zone, clock=clock, paging=paging)
    sender.on_result = partial(_on_result, service, triage)
    alerts = AlertService(
        db,
        rules=settings.alert_rules,
        clock=clock,
        workspace=lambda: identity.team_id,  # known once auth.test answered; never asked for here
        declare=triage.declare_by_rule,
    )
    return Runtime(
        settings=settings,
        db=db,
        service=service,
        client=client,
        identity=identity,
        sender=sender,
        sender_thread=sender_thread,
        responder=Responder(),
        members=members,
        groups=groups,
        paging=paging,
        member_sync=MemberSyncThread(sync),
        reminders=reminders,
        aftermath=aftermath,
        alerts=alerts,
        triage=triage,
        subscribers=SubscriberService.from_settings(db, settings, clock=clock),
        lane=build_lane(db, settings, clock=clock, mail_tls=mail_tls),
        homes=homes,
        home_thread=HomeThread(homes, home_sender, workspace=identity.workspace),
        pagerduty_thread=pagerduty_thread,
        reminder_thread=ReminderThread(
            reminders,
            workspace=identity.workspace,
            after_round=partial(_wake, sender_thread, pagerduty_thread),  # a rule's page for PagerDuty too
            timers=(
                paging.escalations,
                triage,
            ),  # pages nobody answered; rules that declare once a group fired long enough
            also=(aftermath.send_due_reminders,),
        ),
    )


def _wake(*threads: SenderThread) -> None:
    """After the reminders' round queued work: wake the senders (Slack's, PagerDuty's)."""
    for thread in threads:
        thread.notify()


def _home(homes: HomeService, effect: Effect) -> Home:
    """The App Home a `home.publish` publishes, read when it is sent."""
    if not isinstance(effect, PublishHome):
        raise TypeError(f"{effect.kind} publishes no App Home")
    return homes.read(team_id=effect.team_id, user_id=effect.user)


def _on_result(service: IncidentService, triage: AlertTriage, result: Result) -> None:
    """What a send brought back that the rest of the bot acts on: a message fetched after a
    :pushpin: joins the timeline (once: a fetch sent again adds nothing); the next waiting triage
    messages are edited once the previous ones were (`OffersLeft`)."""
    if isinstance(result, OffersLeft):
        before = (result.seen_before, result.group_before)
        triage.edit_more(team_id=result.team_id, before=before, effect_id=result.effect_id)
        return
    if not isinstance(result, MessageFetched):
        return
    message = copied.read_message(result.message)
    service.add_message(
        channel_id=result.channel,
        author=message.author.id,
        bot_name=message.author.bot_name,
        text=message.words,
        message_ts=message.ts,
        added_by=result.added_by,
    )
