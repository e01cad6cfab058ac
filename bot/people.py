"""Who may change incidents: workspace members yes, guests (restricted users) no.

Slack does not say in a slash command whether the person is a guest, so the bot asks
`users.info` and caches the answer in the database (shared by every process). The check runs
before the acknowledgement, so it is bounded: a short timeout and no retries. When Slack
cannot answer, a cached answer (even an old one) is used; with none, the change is refused
with a message that says so, and nothing is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import Forbidden, SlackUnavailable
from bot.storage import repository as repo
from bot.storage.db import Database

log = logging.getLogger(__name__)

FRESH_FOR = timedelta(hours=6)
CHECK_TIMEOUT_SECONDS = 2  # seconds; Slack wants the ack within 3


class MemberCheck:
    def __init__(self, db: Database, client: WebClient, *, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        # A client of its own: short timeout, no retries, same base URL and token.
        self.client = WebClient(
            token=client.token, base_url=client.base_url, timeout=CHECK_TIMEOUT_SECONDS, retry_handlers=[]
        )

    def ensure_can_change(self, user_id: str) -> None:
        """Raise Forbidden for guests; SlackUnavailable when nobody can tell."""
        now = self.clock()
        with self.db.read() as session:
            cached = repo.get_user(session=session, user_id=user_id)
            known = (cached.is_guest, cached.checked_at) if cached else None
        if known is not None and now - known[1] < FRESH_FOR:
            is_guest = known[0]
        else:
            looked_up = self._look_up(user_id)
            if looked_up is None and known is None:
                raise SlackUnavailable(
                    "I could not check your Slack account just now (Slack did not answer in time). "
                    "Nothing was changed; please try again in a moment."
                )
            is_guest = looked_up if looked_up is not None else bool(known and known[0])
        if is_guest:
            raise Forbidden("Workspace guests cannot change incidents. Ask a member of the team to do it.")

    def _look_up(self, user_id: str) -> bool | None:
        """users.info -> is the person a guest? (cached); None when Slack cannot answer."""
        try:
            user = self.client.users_info(user=user_id)["user"]
        except (SlackApiError, OSError) as error:
            log.warning("users.info for %s failed: %s", user_id, type(error).__name__)
            return None
        is_guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
        profile = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or user.get("name") or ""
        with self.db.write() as session:
            repo.put_user(session=session, user_id=user_id, name=name, is_guest=is_guest, now=self.clock())
        return is_guest
