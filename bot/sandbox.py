"""A whole offline Slack and bot on loopback: the emulator, the real app over HTTP, the real database.

`incident-bot demo` and the end-to-end tests use it: people act through the emulator
(`sandbox.user("alice").slash("open sev1 ...")`), which signs and sends requests to the app
exactly as Slack would; the app's Slack calls go back to the emulator.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import TracebackType

from bot.clock import Clock, utc_now
from bot.config import Settings, load_settings
from bot.domain.incident import format_name
from bot.outbox import store
from bot.runtime import SLACK_TIMEOUT_SECONDS, Runtime, build
from bot.serve import ThreadingWSGIServer, make_http_server
from bot.storage import home
from slack_emulator import ANNOUNCE, STATUS, SlackEmulator, UserActions

SIGNING_SECRET = "sandbox-signing-secret"  # noqa: S105  (only the local emulator knows it)
TEAM_ID = "T0EMULATOR"
# Slack takes about one message a second in a channel, so a deployed bot sends a channel's lines
# at most once a second (bot.outbox.sender); the emulator has no such limit, and the replay and
# the tests would wait a second after each line for nothing. Lines still gather under this pace.
SANDBOX_PACE_SECONDS = 0.05
# One App Home publish a person every 10 s (bot.domain.home): the tests would wait that long after
# every change for nothing; a Home still gathers the changes of its time.
SANDBOX_HOME_EVERY = timedelta(seconds=0.2)
STOP_POLL_SECONDS = 0.02  # how often the HTTP server checks for stop(); the default 0.5 s made every stop slow


def sandbox_settings(emulator: SlackEmulator, database_url: str, overrides: Mapping[str, str]) -> Settings:
    environ = {
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        "INCIDENT_ANNOUNCE_CHANNEL": ANNOUNCE,
        "INCIDENT_STATUS_CHANNEL": STATUS,
        "INCIDENT_TIMEZONE": "Asia/Kolkata",
        "INCIDENT_PUBLIC_NAME": "Chirper",
        "INCIDENT_LANGUAGES": "en,fr",
        **overrides,
    }
    return load_settings(environ, require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))


class ManualClock:
    """A clock that stands still until moved: the demo's story time, the tests' frozen time.

    Gives aware datetimes to the bot (`clock()`) and Unix seconds to the emulator (`timestamp`).
    """

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()


class Sandbox:
    def __init__(
        self,
        *,
        database_url: str,
        clock: Clock = utc_now,
        emulator: SlackEmulator | None = None,
        settings: Mapping[str, str] | None = None,
        slack_timeout: int = SLACK_TIMEOUT_SECONDS,
        pace_seconds: float = SANDBOX_PACE_SECONDS,
        home_every: timedelta = SANDBOX_HOME_EVERY,
    ) -> None:
        """`slack_timeout`: how long the bot waits for each Slack call (short in tests of a slow Slack);
        `pace_seconds`: the least time between two messages of lines in one channel."""
        self.emulator = emulator or SlackEmulator()
        self.emulator.add_bot_to(ANNOUNCE)
        self.settings = sandbox_settings(self.emulator, database_url, settings or {})
        runtime = build(
            self.settings, clock=clock, slack_timeout=slack_timeout, pace_seconds=pace_seconds, home_every=home_every
        )
        runtime.check_token()  # as `incident-bot serve` does: learns whose workspace this is
        self.runtime: Runtime = runtime.start_background()
        self.runtime.member_sync.first_round.wait(30)  # everyone known before anyone acts, however slow the host
        self.server: ThreadingWSGIServer = make_http_server(self.runtime.wsgi(), host="127.0.0.1", port=0)
        self._serving = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": STOP_POLL_SECONDS},
            name="sandbox-http",
            daemon=True,
        )
        self._serving.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.emulator.connect_app(f"{self.url}/slack/events", SIGNING_SECRET)

    def user(self, name: str) -> UserActions:
        return self.emulator.as_user(name)

    def settle(self, timeout: float = 15.0) -> None:
        """Send the reminders due now, then wait until the bot has sent every pending Slack effect
        of its workspace (another workspace's work waits for a process with that workspace's
        token), every App Home asked to be published again, and every ephemeral follow-up."""
        self.runtime.send_due_reminders()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.runtime.sender_thread.notify()
            self.runtime.pagerduty_thread.notify()
            self.runtime.home_thread.notify()
            team_id = self.runtime.identity.workspace()
            with self.runtime.db.read() as session:
                # The requests first: taking one queues its publishes in the same transaction, and on
                # PostgreSQL each statement reads its own snapshot, so read the other way a request
                # taken between the two statements was seen as neither (a Home left unpublished).
                pending = home.refresh_requests(session=session, team_id=team_id)
                pending += store.pending_count(session=session, team_id=team_id)
            if pending == 0:
                self.runtime.responder.join_queue()
                return
            time.sleep(0.02)
        raise TimeoutError(f"Slack work still pending after {timeout} s")

    def channel_of(self, number: int) -> str:
        for incident in self.runtime.service.list_incidents(team_id=TEAM_ID, everything=True):
            if incident.number == number and incident.channel_id:
                return incident.channel_id
        raise LookupError(f"{format_name(number)} has no channel yet")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.runtime.stop()
        self.emulator.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
