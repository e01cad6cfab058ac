"""The App Home (docs/behaviour.md, The App Home): who looks at it, when each person's Home is
published again, and what it shows them, read from indexed queries.

- Opened (`app_home_opened`): one transaction records the viewer and queues their publish.
- Changed: work that changes what a Home shows (a card, a published update, a reminder) leaves a
  refresh request in its own transaction (`bot.outbox.store`); `refresh`, in the App Home's own
  sender thread (`bot.home_thread`), takes the workspace's requests and queues a publish for
  everyone who opened their Home in the last 7 days.
- Queued publishes are debounced and coalesced: a person's next publish goes no sooner than 10 s
  after their previous one, and one still waiting is not queued again (it is rendered when it
  goes, so it shows the latest change).
- `read` builds one person's `Home` when its publish goes: their language and time zone from the
  members table (Slack's `locale` and `tz`), each section from its own query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Settings
from bot.declare import open_with_trigger
from bot.domain.catalog import Catalog
from bot.domain.home import (
    PUBLISH_EVERY,
    RECENT_VIEWERS,
    RESOLVED_SHOWN,
    Home,
    OnHome,
    OpenFollowUp,
    Resolved,
    WaitingGroup,
    WaitingPage,
    on_call_people,
)
from bot.domain.paging import OnCall, read_in
from bot.domain.readers import reader_of
from bot.domain.roles import people
from bot.outbox import home_queue, store
from bot.outbox.effect import Effect
from bot.outbox.kinds.open_notice import OpenNotice
from bot.outbox.kinds.post_direct_notice import PostDirectNotice
from bot.outbox.kinds.publish_home import PublishHome
from bot.outbox.triage_view import offered_incidents
from bot.page_targets import on_call
from bot.storage import alerts, home, members
from bot.storage.db import Database
from bot.storage.repository import StoredIncident

MINE_SHOWN = 20  # of each list, what one Home reads at most (the rest is counted)
OTHERS_SHOWN = 40
FOLLOW_UPS_SHOWN = 10
GROUPS_SHOWN = 10
PAGES_SHOWN = 10


class HomeService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime],
        look_up: Callable[[Iterable[str]], None] | None = None,
        every: timedelta = PUBLISH_EVERY,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.look_up = look_up  # users.info for someone the members table lacks (after the ack only)
        self.every = every  # the least time between two publishes of one person's Home

    def opened(self, *, team_id: str, user_id: str) -> None:
        """`app_home_opened`: remember the viewer and queue their Home's publish."""
        with self.db.write() as session:
            now = self.clock()
            self._viewing(session, team_id, user_id, now)

    def refused(self, *, team_id: str, user_id: str, trigger_id: str | None, text: str) -> None:
        """A button of `user_id`'s Home was refused (`text`: why, the bot's own mrkdwn): the Home has
        no channel to answer in, so they are told in a modal opened with the click's `trigger_id`
        (a direct message when there is none), and their Home, evidently out of date, is published
        again (as when opened). One transaction."""
        with self.db.write() as session:
            now = self.clock()
            if trigger_id:
                open_with_trigger(session, team_id, OpenNotice(trigger_id=trigger_id, text=text), now)
            else:
                store.enqueue(
                    session=session, incident_id=None, team_id=team_id, effect=PostDirectNotice(user_id, text), now=now
                )
            self._viewing(session, team_id, user_id, now)

    def _viewing(self, session: Session, team_id: str, user_id: str, now: datetime) -> None:
        """`user_id` looks at their Home now: remember it, and queue its publish."""
        home.opened(session=session, team_id=team_id, user_id=user_id, now=now)
        self._queue(session, team_id, home.viewers(session=session, team_id=team_id, since=now, user_id=user_id), now)

    def refresh(self, *, team_id: str) -> int:
        """Take the workspace's refresh requests and queue a publish for every recent viewer; how
        many were queued (none when nothing asked). Nothing asked is found in a read: a write
        transaction each round would hold up the acks' own writes (SQLite has one writer)."""
        with self.db.read() as session:
            if not home.refresh_requests(session=session, team_id=team_id):
                return 0
        with self.db.write() as session:
            now = self.clock()
            if not home.take_refresh(session=session, team_id=team_id):
                return 0
            viewers = home.viewers(session=session, team_id=team_id, since=now - RECENT_VIEWERS)
            return self._queue(session, team_id, viewers, now)

    def _queue(self, session: Session, team_id: str, viewers: Mapping[str, datetime | None], now: datetime) -> int:
        """A publish for each viewer without one waiting, each no sooner than its next allowed time."""
        waiting = home_queue.still_to_come(session=session, team_id=team_id, kind=PublishHome.kind, now=now)
        queued: list[tuple[Effect, datetime]] = []
        for user_id, earliest in viewers.items():
            effect = PublishHome(team_id=team_id, user=user_id)
            if effect not in waiting:
                queued.append((effect, max(now, earliest or now)))
        home_queue.enqueue_later(session=session, team_id=team_id, effects=queued, now=now)
        nexts = {effect.user: at + self.every for effect, at in queued if isinstance(effect, PublishHome)}
        home.set_next_publishes(session=session, team_id=team_id, at=nexts)
        return len(queued)

    def read(self, *, team_id: str, user_id: str) -> Home:
        """`user_id`'s Home as it is now."""
        with self.db.read() as session:
            member = members.get(session=session, user_id=user_id)
        if member is None and self.look_up is not None:
            self.look_up([user_id])  # someone who joined since the last sync (never before an ack)
            with self.db.read() as session:
                member = members.get(session=session, user_id=user_id)
        guest = member is None or member.is_guest or member.deleted  # unknown: what a guest may read
        now = self.clock()
        locale, tz = (member.locale, member.tz) if member else (None, None)
        reader = reader_of(locale, tz, languages=self.settings.languages, zone=self.settings.zone)
        language, zone = reader.language, reader.zone
        with self.db.read() as session:
            viewer = Home(
                viewer=user_id,
                language=language,
                zone=zone,
                now=now,
                guest=guest,
                published=home.published_digest(session=session, team_id=team_id, user_id=user_id),
            )
            if guest and not self.settings.guests_read:  # guests read nothing here (INCIDENT_GUESTS_READ)
                return replace(viewer, reads=False)
            return self._read(session, team_id, viewer)

    def _read(self, session: Session, team_id: str, viewer: Home) -> Home:
        """`viewer` (who, their language, zone, whether a guest) with every section read."""
        user_id, guest, language = viewer.viewer, viewer.guest, viewer.language
        mine, mine_count = (
            ([], 0) if guest else home.mine(session=session, team_id=team_id, user_id=user_id, limit=MINE_SHOWN)
        )
        others, others_count = home.others(
            session=session, team_id=team_id, user_id=user_id, guest=guest, limit=OTHERS_SHOWN
        )
        resolved = home.resolved(session=session, team_id=team_id, user_id=user_id, guest=guest, limit=RESOLVED_SHOWN)
        follow_ups, follow_ups_count = home.follow_ups(
            session=session, team_id=team_id, user_id=user_id, guest=guest, limit=FOLLOW_UPS_SHOWN
        )
        groups, groups_more = (None, 0) if guest else self._groups(session, team_id)
        add_to = offered_incidents(session, team_id) if groups else ()
        pages, pages_count = (
            ([], 0)
            if guest
            else home.waiting_pages(session=session, team_id=team_id, user_id=user_id, limit=PAGES_SHOWN)
        )
        pages = [_named(page, self.settings.catalog, language) for page in pages]
        oncall = None if guest else self._oncall(session, language)
        shown = [stored.incident for stored in (*mine, *others)]
        wanted = {user_id}.union(
            *(people(incident) for incident in shown), *(on_call_people(each) for each in oncall or ())
        )
        wanted |= {page.paged_by for page in pages}
        return replace(
            viewer,
            mine=[_listed(stored) for stored in mine],
            mine_more=mine_count - len(mine),
            pages=None if guest else pages,
            pages_more=pages_count - len(pages),
            others=[_listed(stored) for stored in others],
            others_more=others_count - len(others),
            resolved=[
                Resolved(stored.incident, timedelta(seconds=total) if total is not None else None)
                for stored, total in resolved
            ],
            follow_ups=[
                OpenFollowUp(number=row.id or 0, incident=stored.incident, text=row.text, due=row.due)
                for row, stored in follow_ups
            ],
            follow_ups_more=follow_ups_count - len(follow_ups),
            alert_groups=groups,
            alert_groups_more=groups_more,
            alert_channel=self.settings.alert_channel,
            add_to=add_to,
            oncall=oncall,
            names=members.names(session=session, user_ids=wanted),
        )

    def _groups(self, session: Session, team_id: str) -> tuple[list[WaitingGroup] | None, int]:
        """Alert groups waiting for triage: shown once there is an alert channel to triage them in."""
        if not self.settings.alert_channel:
            return None, 0
        waiting = [group for group in alerts.open_groups(session=session) if group.team_id in (team_id, None)]
        shown = [
            WaitingGroup(
                group_id=group.id,
                version=group.triage_version,
                title=group.title or group.summary,
                severity=group.severity,
                first_seen_at=group.first_seen_at,
                alerts=alerts.counts(session=session, group_id=group.id).firing,
                channel_id=self.settings.alert_channel,
                message_ts=group.message_ts,
            )
            for group in waiting[:GROUPS_SHOWN]
        ]
        return shown, len(waiting) - len(shown)

    def _oncall(self, session: Session, language: str) -> list[OnCall] | None:
        """Each catalog component with an on-call group, and that group as the bot knows it now
        (as `/incident oncall` reads it); None when no component names one."""
        found = [
            on_call(session, component, language) for component in self.settings.catalog.components if component.oncall
        ]
        return found or None


def _named(page: WaitingPage, catalog: Catalog, language: str) -> WaitingPage:
    """A page escalated for a component names it in the viewer's language, as *On call* does."""
    if page.escalated_for is None:
        return page
    return replace(page, escalated_for=read_in(page.escalated_for, catalog, language))


def _listed(stored: StoredIncident) -> OnHome:
    return OnHome(stored.incident, stored.schedule.due)
