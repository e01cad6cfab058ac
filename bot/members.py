"""Who may change or read incidents: workspace members yes; guests (restricted and single-channel
guests) and deactivated accounts no. Guests may read (`list`, `timeline`, `stats`, ...) where
`INCIDENT_GUESTS_READ=true`: a guest is a customer or a contractor in one channel, and reading
shows internal titles, notes and names of every public incident.

The rule: no Slack call before an acknowledgement for a member the bot already knows. Slack
does not say in a slash command whether the person is a guest, so the bot keeps the workspace's
members in the database (`member`): every page of `users.list` at start-up and every few hours
(`bot.member_sync`), and `user_change` / `team_join` events the moment they arrive. A known
member's check reads that table, or this process's small cache of recently checked members,
and never waits on Slack: a slow or absent Slack cannot stop anyone from opening an incident.

Only someone the bot has never heard of (joined while the bot was away and no sync has run
since) costs one `users.info` call, bounded to 1 second with no retry. If Slack does not answer
in time, the person is told exactly that and nothing is written; what Slack said is stored
otherwise, so the next command is served from the database.

The in-process cache holds at most `CACHE_SIZE` members for at most `CACHE_SECONDS`. An event
handled by this process updates it at once (a member turned guest is refused from that moment);
an event handled by another process reaches this one's cache within `CACHE_SECONDS`, the time
an entry lives before the database is read again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import Forbidden, SlackUnavailable
from bot.metrics import client_like
from bot.reading import JsonObject, Malformed
from bot.storage import members
from bot.storage.db import Database
from bot.storage.members import Member

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT_SECONDS = 1  # users.info for an unknown person; Slack wants the ack within 3
MAX_LOOKUPS_AT_ONCE = 5  # people named in one message the members table does not know yet
LOOKUP_BUDGET_SECONDS = 2.0  # all of one command's lookups of people it names: its ack is due within 3 s
CACHE_SIZE = 5000
CACHE_SECONDS = 30.0

GUESTS_REFUSED = "Workspace guests cannot change incidents. Ask a member of the team to do it."
GUESTS_READ_REFUSED = "Workspace guests cannot read incidents here. Ask a member of the team."
DEACTIVATED_REFUSED = "This Slack account is deactivated, so it cannot change incidents."


# Workspace members as Slack describes them (`users.list`, `users.info`, the `user_change` and
# `team_join` events), read into typed values (`bot.slack.shapes` routes the events here).
MEMBER_EVENTS = frozenset({"user_change", "team_join"})  # they write the members table


@dataclass(frozen=True)
class SlackUser:
    """What Slack says about a member (an event, users.info, users.list)."""

    id: str
    team_id: str = ""
    display_name: str = ""
    real_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    locale: str | None = None  # `fr-FR`: only when asked for (`include_locale`) or the event carries it
    tz: str | None = None  # `Europe/Paris`


@dataclass(frozen=True)
class MemberChanged:
    user: SlackUser


def read_user(value: object, path: str = "user") -> SlackUser:
    """A Slack user object (an event's, users.info's, one of users.list's)."""
    return _user(JsonObject(value, path))


def _user(user: JsonObject) -> SlackUser:
    """Its id; the rest defaults to empty or False."""
    profile = user.maybe_object("profile") or JsonObject({}, user.at("profile"))
    return SlackUser(
        id=user.text("id"),
        team_id=user.maybe_text("team_id") or profile.maybe_text("team") or "",
        display_name=profile.maybe_text("display_name") or "",
        real_name=profile.maybe_text("real_name") or user.maybe_text("real_name") or user.maybe_text("name") or "",
        is_bot=user.flag("is_bot"),
        deleted=user.flag("deleted"),
        is_restricted=user.flag("is_restricted"),
        is_ultra_restricted=user.flag("is_ultra_restricted"),
        locale=user.fitting_text("locale", 16),
        tz=user.fitting_text("tz", 64),
    )


def read_member_event(event: JsonObject) -> MemberChanged:
    return MemberChanged(_user(event.object("user")))


def from_slack(user: SlackUser) -> Member:
    """A member as stored, from what Slack said (users.list, users.info, user_change, team_join)."""
    return Member(
        user_id=user.id,
        team_id=user.team_id,
        display_name=user.display_name[:120],
        real_name=user.real_name[:250],
        is_bot=user.is_bot,
        deleted=user.deleted,
        is_restricted=user.is_restricted,
        is_ultra_restricted=user.is_ultra_restricted,
        locale=user.locale,
        tz=user.tz,
    )


class RecentMembers:
    """A bounded, thread-safe cache of members checked lately, each kept `seconds` at most."""

    def __init__(
        self, *, size: int = CACHE_SIZE, seconds: float = CACHE_SECONDS, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.seconds = seconds
        self.monotonic = monotonic
        self._entries: OrderedDict[str, tuple[Member, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: str) -> Member | None:
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is None:
                return None
            if self.monotonic() - entry[1] > self.seconds:
                del self._entries[user_id]
                return None
            self._entries.move_to_end(user_id)
            return entry[0]

    def put(self, member: Member) -> None:
        with self._lock:
            self._entries[member.user_id] = (member, self.monotonic())
            self._entries.move_to_end(member.user_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class MemberCheck:
    """`ensure_can_change(user_id)` before any change, `ensure_can_read(user_id)` before anything
    that shows incidents; `learn(...)` when Slack describes someone."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        clock: Callable[[], datetime],
        recent: RecentMembers | None = None,
        guests_read: bool = False,
    ) -> None:
        self.db = db
        self.clock = clock
        self.recent = recent or RecentMembers()
        self.client = client_like(client, timeout=LOOKUP_TIMEOUT_SECONDS)  # short: only one try
        self.guests_read = guests_read  # INCIDENT_GUESTS_READ
        self._looking_up = threading.Lock()  # one users.info at a time for the sender (look_up_unknown)

    def ensure_can_change(self, user_id: str) -> None:
        """Raise Forbidden for guests and deactivated accounts; SlackUnavailable when the person is
        unknown and Slack cannot say who they are."""
        member = self._member(user_id)
        if member.deleted:
            raise Forbidden(DEACTIVATED_REFUSED)
        if member.is_guest:
            raise Forbidden(GUESTS_REFUSED)

    def ensure_can_read(self, user_id: str) -> None:
        """Raise Forbidden for guests unless `guests_read` (then nobody is checked, so a read makes
        no lookup, as before); SlackUnavailable as `ensure_can_change`."""
        if not self.guests_read and self._member(user_id).is_guest:
            raise Forbidden(GUESTS_READ_REFUSED)

    def _member(self, user_id: str) -> Member:
        return self.recent.get(user_id) or self._stored(user_id) or self._look_up(user_id)

    def learn(self, user: SlackUser) -> Member:
        """Store what Slack just said about someone (an event, a lookup) and use it at once."""
        member = from_slack(user)
        with self.db.write() as session:
            members.put(session=session, members=[member], learned_at=self.clock())
        self.recent.put(member)
        return member

    def look_up_unknown(self, user_ids: Iterable[str]) -> None:
        """Learn the names of people the members table lacks (a lead named before the bot heard of
        them), so what the bot posts shows a name; never called before an acknowledgement."""
        # The sender's threads send an incident's lanes side by side, and each may lack the same
        # name: one asks Slack while the others wait, then read what it learned.
        with self._looking_up:
            for user_id in sorted(user_ids)[:MAX_LOOKUPS_AT_ONCE]:
                if self.recent.get(user_id) or self._stored(user_id):
                    continue  # another thread just learned it
                try:
                    self._look_up(user_id)
                except SlackUnavailable:
                    return  # Slack is failing: the names follow once it answers and someone is shown again

    def _stored(self, user_id: str) -> Member | None:
        with self.db.read() as session:
            member = members.get(session=session, user_id=user_id)
        if member is not None:
            self.recent.put(member)
        return member

    def _look_up(self, user_id: str) -> Member:
        """users.info for someone the bot has never heard of: one bounded call, no retry."""
        try:
            return self.learn(self._users_info(user_id, about="you"))
        except _NoSuchUser:  # Slack sent their request, yet has nobody by that id
            raise SlackUnavailable(unknown_member("Slack answered with the error `user_not_found`")) from None
        except _Unanswered as failed:
            raise SlackUnavailable(unknown_member(failed.what)) from None

    def look_up_people(self, user_ids: Iterable[str]) -> frozenset[str]:
        """People a command names (`/incident page @erin`) whom the members table does not know yet,
        asked of Slack as the one asking is (users.info, at most 1 s each, no retry; the first
        `MAX_LOOKUPS_AT_ONCE`, within `LOOKUP_BUDGET_SECONDS` in all) and stored as the member sync
        stores them, all together once every answer is in. Returns the ids Slack has no one for;
        raises SlackUnavailable, having stored nothing, when Slack does not say who someone is."""
        learned: list[SlackUser] = []
        missing: set[str] = set()
        unknown = [
            user_id for user_id in dict.fromkeys(user_ids) if not (self.recent.get(user_id) or self._stored(user_id))
        ]
        deadline = self.recent.monotonic() + LOOKUP_BUDGET_SECONDS
        for user_id in unknown[:MAX_LOOKUPS_AT_ONCE]:
            if self.recent.monotonic() + LOOKUP_TIMEOUT_SECONDS > deadline:  # it could end past the budget
                slow = f"Slack was too slow to say who everyone you named is within {LOOKUP_BUDGET_SECONDS:g} s"
                raise SlackUnavailable(unknown_person(user_id, slow))
            try:
                learned.append(self._users_info(user_id, about="them"))
            except _NoSuchUser:
                missing.add(user_id)
            except _Unanswered as failed:
                raise SlackUnavailable(unknown_person(user_id, failed.what)) from None
        if learned:
            found = [from_slack(user) for user in learned]
            with self.db.write() as session:
                members.put(session=session, members=found, learned_at=self.clock())
            for member in found:
                self.recent.put(member)
        return frozenset(missing)

    def _users_info(self, user_id: str, *, about: str) -> SlackUser:
        """What Slack says of `user_id` (one call of at most 1 s); _NoSuchUser when it has nobody by
        that id (`user_not_found`), _Unanswered when it does not say."""
        try:
            return read_user(self.client.users_info(user=user_id, include_locale=True).get("user"))
        except Malformed as malformed:
            log.warning("users.info for %s answered what this bot cannot read: %s", user_id, malformed)
            raise _Unanswered(f"Slack described {about} in a way this bot did not expect") from None
        except SlackApiError as error:
            status = error.response.status_code if error.response is not None else 0
            code = error.response.get("error") if error.response is not None else None
            log.warning("users.info for %s failed: HTTP %s %s", user_id, status, code or "")
            if status == 200 and code == "user_not_found":
                raise _NoSuchUser(user_id) from None
            what = f"Slack answered with the error `{code}`" if status == 200 else f"Slack is failing (HTTP {status})"
            raise _Unanswered(what) from None
        except OSError as error:
            log.warning("users.info for %s failed: %s", user_id, type(error).__name__)
            raise _Unanswered(f"Slack did not answer within {LOOKUP_TIMEOUT_SECONDS} s") from None


class _NoSuchUser(Exception):
    """Slack has nobody by that id."""


class _Unanswered(Exception):
    """Slack did not say who someone is: `what` happened, in the reply's words."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def unknown_person(user_id: str, what: str) -> str:
    """The reply to a command naming someone the bot does not know yet when Slack cannot tell who they are."""
    return (
        f"I could not look up someone you named (`{user_id}`): I have not seen them before, and when I asked, "
        f"{what}. Nothing was changed. Please try again in a few minutes."
    )


def unknown_member(what: str) -> str:
    """The reply to someone the bot does not know yet when Slack cannot tell who they are."""
    return (
        f"I could not check your Slack account: I have not seen it before, and when I asked, {what}."
        " Nothing was changed. Please try again in a few minutes; meanwhile a teammate who has"
        " used the bot before can run the command."
    )
