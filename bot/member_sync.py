"""Keeping the members table current: every page of `users.list`, at start-up and every few hours.

`MemberSync.run()` walks `users.list` with cursor paging (`limit` members a page), storing each
page as it comes; a 429 is waited out exactly as long as its Retry-After says, then the same page
is asked again. Any other failure ends the round; the next round starts over.

Across processes a lease in the database (`member_sync`, one per workspace) lets one process at a
time sync, and only when no sync finished in the last `every`: a fleet of web processes and
workers starting together pages through users.list once, not once each. A process syncs its own
workspace (auth.test's team), and nothing until Slack has said which it is.

`MemberSyncThread` tries a round at start and then every few minutes (`CHECK_EVERY`); the lease
turns all but one try every `every` into a single cheap query, and a failed round is retried at
the next try. `start()` waits for the first round at most `first_wait` seconds: a small workspace is
then known before the first request is served, while a large one or a slow Slack never holds a
process back longer than that (the first ack does not need the sync anyway: known members are
read from the database, and an unknown one costs one bounded users.info call).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Self

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.background import Background
from bot.members import from_slack, read_user
from bot.metrics import client_like
from bot.reading import Malformed
from bot.storage import members
from bot.storage.db import Database

log = logging.getLogger(__name__)

PAGE_SIZE = 200  # Slack's advice for users.list
EVERY = timedelta(hours=4)
CHECK_EVERY = timedelta(minutes=5)
LEASE = timedelta(minutes=30)
MAX_RATE_LIMITED = 20  # 429s in one round before giving up until the next round
SLACK_TIMEOUT_SECONDS = 30


class SyncFailed(Exception):
    """A round ended before the last page; what is stored so far stays."""


class MemberSync:
    """One round of users.list into the members table (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Any],
        workspace: Callable[[], str | None],
        on_page: Callable[[], None] = lambda: None,
        also: Callable[[], object] | None = None,
        every: timedelta = EVERY,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.db = db
        self.clock = clock
        self.sleep = sleep
        self.workspace = workspace  # the team this process's token serves; None while Slack has not said
        self.on_page = on_page  # e.g. forget the members this process cached
        self.also = also  # after the members, under the same lease: the user groups (bot.usergroup_sync)
        self.every = every
        self.page_size = page_size
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.client = client_like(client, timeout=SLACK_TIMEOUT_SECONDS)  # retries are ours (Retry-After)

    def run(self) -> int | None:
        """Sync if this process wins the lease; the number of members stored, None when skipped.

        Raises SyncFailed when Slack fails before the last page (or has not said which workspace
        the token serves)."""
        team_id = self.workspace()
        if team_id is None:
            raise SyncFailed("the workspace is not known yet (auth.test has not answered)")
        with self.db.write() as session:
            claimed = members.claim_sync(
                session=session, team_id=team_id, worker=self.worker, now=self.clock(), every=self.every, lease=LEASE
            )
        if not claimed:
            return None
        finished: datetime | None = None
        try:
            count = self._walk()
            if self.also is not None:
                self._also()
            finished = self.clock()
            return count
        finally:
            with self.db.write() as session:
                members.release_sync(session=session, team_id=team_id, worker=self.worker, finished_at=finished)

    def _also(self) -> None:
        """The user groups, after the members: their failure (a plan without user groups, an app
        installed before it asked for usergroups:read) is logged and leaves the members synced."""
        assert self.also is not None
        try:
            self.also()
        except Exception as failed:  # noqa: BLE001 - logged; the members round stands
            log.warning("user groups not synced: %s; pages to user groups use what was stored before", failed)

    def _walk(self) -> int:
        cursor = ""
        count = 0
        rate_limited = 0
        while True:
            learned_at = self.clock()
            try:
                page = self.client.users_list(limit=self.page_size, cursor=cursor or None, include_locale=True)
            except SlackApiError as error:
                wait = retry_after(error)
                if wait is None or rate_limited >= MAX_RATE_LIMITED:
                    raise SyncFailed(f"users.list failed: {_describe(error)}") from None
                rate_limited += 1
                log.info("users.list rate limited; waiting %s s as Slack asks", wait)
                self.sleep(wait)
                continue
            except OSError as error:
                raise SyncFailed(f"users.list failed: {type(error).__name__}") from None
            try:
                learned = [
                    from_slack(read_user(user, f"members[{n}]")) for n, user in enumerate(page.get("members") or [])
                ]
            except Malformed as malformed:
                raise SyncFailed(f"users.list sent a member this bot cannot read: {malformed}") from None
            with self.db.write() as session:
                members.put(session=session, members=learned, learned_at=learned_at)
            self.on_page()
            count += len(learned)
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                log.info("members synced: %d from users.list", count)
                return count


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked to wait, for a 429; None for any other failure."""
    response = error.response
    if response is None or response.status_code != 429:
        return None
    headers = {str(key).lower(): value for key, value in (response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


def _describe(error: SlackApiError) -> str:
    response = error.response
    if response is None:
        return "no answer"
    return f"HTTP {response.status_code} {response.get('error') or ''}".strip()


class MemberSyncThread(Background):
    """A round at start, then a try every `check_every`, until stopped."""

    def __init__(self, sync: MemberSync, *, first_wait: float = 2.0, check_every: timedelta = CHECK_EVERY) -> None:
        super().__init__("member-sync")
        self.sync = sync
        self.first_wait = first_wait
        self.check_every = check_every
        self.retry_seconds = check_every.total_seconds()
        self.first_round = threading.Event()  # set when the first round ended, however it ended

    def start(self, *, wait: bool = True) -> Self:
        """Start, and wait for the first round at most `first_wait` (unless not `wait`: the caller
        waits for `first_round` itself, as a start-up that a stop must not wait for does)."""
        super().start()
        if wait:
            self.first_round.wait(self.first_wait)
        return self

    def run_round(self) -> float:
        try:
            self.sync.run()
        except SyncFailed as failed:
            log.warning("%s; trying again in %s", failed, self.check_every)
        finally:
            self.first_round.set()
        return self.check_every.total_seconds()
