"""``SlackEmulator``: an offline Slack on loopback, for tests and ``incident-bot demo``.

It plays both directions of Slack: the Web API the bot calls (point
``slack_sdk.WebClient(base_url=emulator.api_url, token=emulator.bot_token)`` at it), and what
Slack sends to the app when people act (``emulator.as_user("alice").slash("open sev1 ...")``):
signed HTTP requests after ``emulator.connect_app(...)``, or Socket Mode envelopes after
``emulator.connect_socket_mode()``, to an app connected with ``emulator.app_token``
(``emulator.socket_mode`` waits for and inspects its connections).

Outages: ``down()`` answers every Web API call with 503 while the server keeps listening (the
faults and response URL endpoints keep working, so another process can call ``up`` over HTTP).
``down(refuse_connections=True)`` closes the listening socket and Socket Mode connections instead,
so clients get "connection refused"; ``up()`` listens again on the same port (Python-only).
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable
from types import TracebackType
from zoneinfo import ZoneInfo

from slack_emulator.admin_actions import AdminActions
from slack_emulator.app_connection import SLACK_ACK_SECONDS, AppConnection, AppResponse, AppTransport
from slack_emulator.faults import ANY_METHOD, Call, CallLog, Faults, Held
from slack_emulator.integration_posts import IntegrationPosts
from slack_emulator.records import Channel, Ephemeral, Message, ResponseUrlPost, User, UserGroup, View
from slack_emulator.server import Router, ServerThread
from slack_emulator.socket_mode import SocketModeHub
from slack_emulator.socket_transport import SocketModeTransport
from slack_emulator.spec import load_spec
from slack_emulator.state import Workspace, monotonic_clock, wall_clock
from slack_emulator.transcript import render_channel
from slack_emulator.uploaded_files import UploadedFiles
from slack_emulator.user_actions import UserActions
from slack_emulator.web_api import WebApi

SYSTEM_SUBTYPES = frozenset({"channel_join", "channel_topic", "pinned_item", "channel_archive"})


class SlackEmulator:
    """A Slack workspace served over HTTP on ``127.0.0.1`` (a context manager)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = wall_clock,
        monotonic: Callable[[], float] = monotonic_clock,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.workspace = Workspace(clock=clock, monotonic=monotonic)
        self.faults = Faults()
        self.log = CallLog()
        self._closing = threading.Event()
        self._app: AppConnection | None = None
        self._transport: AppTransport | None = None
        self.socket_mode = SocketModeHub(app_id=self.workspace.app_id)
        web_api = WebApi(
            workspace=self.workspace,
            spec=load_spec(),
            faults=self.faults,
            log=self.log,
            base_url=lambda: self.url,
            closing=self._closing,
            socket_mode=self.socket_mode,
        )
        router = Router(
            web_api=web_api, workspace=self.workspace, faults=self.faults, log=self.log, socket_mode=self.socket_mode
        )
        self._server = ServerThread(router, host, port)
        self.url = f"http://{host}:{self._server.port}"

    # lifecycle

    @property
    def api_url(self) -> str:
        """The Web API base URL, as ``slack_sdk.WebClient(base_url=...)`` expects it."""
        return f"{self.url}/api/"

    @property
    def bot_token(self) -> str:
        """The bot token: every Web API method but ``apps.connections.open`` takes it."""
        return self.workspace.bot_token

    @property
    def app_token(self) -> str:
        """The app-level token (``xapp-...``): only ``apps.connections.open`` takes it."""
        return self.socket_mode.app_token

    @property
    def internal_errors(self) -> list[str]:
        """Exceptions the server hit while answering (empty unless the emulator has a bug)."""
        return list(self._server.internal_errors)

    def close(self) -> None:
        """Stop serving and join every server thread (waiting calls are released)."""
        self._closing.set()
        self._server.stop()

    def __enter__(self) -> SlackEmulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # faults and the call log

    def set_latency(self, seconds: float, method: str = ANY_METHOD) -> None:
        """Delay every Web API answer (or ``method``'s) by ``seconds``."""
        self.faults.set_latency(seconds, method)

    def hold(self, method: str) -> Held:
        """Answer no call of ``method`` until the returned ``Held`` is released (``Held.wait_arrived``
        says when one is waiting): Slack that has not answered yet, for as long as the test needs."""
        return self.faults.hold(method)

    def fail_next(self, method: str = ANY_METHOD, *, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status``."""
        self.faults.fail_next(method, status=status, times=times)

    def rate_limit_next(self, method: str = ANY_METHOD, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 ``ratelimited`` and ``Retry-After``."""
        self.faults.rate_limit_next(method, retry_after=retry_after, times=times)

    def message_pace(self, seconds: float) -> None:
        """Take at most one ``chat.postMessage`` per channel every ``seconds``, answering 429 with
        ``Retry-After: 1`` past it (Slack's one message a second); 0: no limit."""
        self.faults.set_message_pace(seconds)

    def down(self, *, refuse_connections: bool = False) -> None:
        """Start an outage: 503 for every Web API call, or refused connections (see module doc)."""
        self.faults.set_down(True)
        if refuse_connections:
            self._server.stop()

    def up(self) -> None:
        """End an outage (listening again on the same port if the socket was closed)."""
        self.faults.set_down(False)
        if not self._closing.is_set():
            self._server.start()

    def revoke_token(self, error: str = "token_revoked") -> None:
        """Refuse the bot token: every call with it answers ``error`` (see ``Faults.refuse_token``)."""
        self.faults.refuse_token(error)

    def restore_token(self) -> None:
        """Accept the bot token again."""
        self.faults.refuse_token(None)

    def calls(self, method: str | None = None) -> list[Call]:
        """The Web API calls answered so far, oldest first (only ``method``'s when given)."""
        return self.log.calls(method)

    def clear_faults(self) -> None:
        """Remove every injected fault (latency, queued failures, outage flag, refused token)."""
        self.faults.clear()

    # the workspace as people see it

    def add_user(
        self,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "Asia/Kolkata",
        locale: str = "en-US",
        is_admin: bool = False,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
    ) -> User:
        """Add a person to the workspace (no channel yet); returns a copy of it."""
        user = self.workspace.add_user(
            name,
            real_name=real_name,
            tz=tz,
            locale=locale,
            is_admin=is_admin,
            is_restricted=is_restricted,
            is_ultra_restricted=is_ultra_restricted,
        )
        return copy.deepcopy(user)

    def user(self, user_id_or_name: str) -> User:
        """A copy of the user with this id or name; KeyError when there is none."""
        found = self.workspace.user(user_id_or_name)
        if found is None:
            raise KeyError(user_id_or_name)
        return copy.deepcopy(found)

    def add_usergroup(self, handle: str, *, members: list[str], name: str | None = None) -> str:
        """A user group ``@handle`` of these people (names or ids), as it was before the app
        started (no event); returns its id."""
        return self.workspace.add_usergroup(handle, users=members, name=name).id

    def usergroup(self, handle: str) -> UserGroup:
        """A copy of the user group with this handle or id; KeyError when there is none."""
        found = self.workspace.usergroup(handle)
        if found is None:
            raise KeyError(handle)
        return copy.deepcopy(found)

    def add_bot_to(self, channel: str) -> None:
        """Make the bot a member of ``channel`` (id or name), as if invited."""
        with self.workspace.lock:
            self.workspace.join(self._channel(channel).id, self.workspace.bot.id)

    def add_member(self, channel: str, user: str) -> None:
        """Make a person (id or name) a member of ``channel``."""
        with self.workspace.lock:
            self.workspace.join(self._channel(channel).id, self.user(user).id)

    def _channel(self, channel: str) -> Channel:
        found = self.workspace.channel(channel)
        if found is None:
            raise KeyError(channel)
        return found

    def create_channel(
        self, name: str, *, members: list[str], private: bool = False, direct: bool = False, group: bool = False
    ) -> str:
        """A conversation of people (names or ids; the bot too if named): a private channel, with
        ``direct`` a direct message between them, with ``group`` a group direct message (Slack
        names it ``mpdm-<handles>-1`` whatever ``name`` says). Returns its id."""
        with self.workspace.lock:
            people = [self.user(member) for member in members]
            ids = [person.id for person in people]
            channel_id = f"D{''.join(ids)}" if direct else self.workspace.mint_id("G") if group else None
            if group:
                name = f"mpdm-{'--'.join(person.name for person in people)}-1"
            channel = self.workspace.create_channel(
                name, creator=ids[0], is_private=private or direct or group, channel_id=channel_id
            )
            channel.is_im = direct
            channel.is_mpim = group
            channel.members = ids
            return channel.id

    def channel(self, channel: str) -> Channel:
        """A copy of the channel with this id or name; KeyError when there is none."""
        with self.workspace.lock:
            return copy.deepcopy(self._channel(channel))

    def channel_by_name(self, name: str) -> Channel | None:
        """A copy of the channel called ``name`` (``#`` optional), or None."""
        wanted = name.removeprefix("#")
        with self.workspace.lock:
            found = next((c for c in self.workspace.channels.values() if c.name == wanted and not c.is_im), None)
            return copy.deepcopy(found) if found is not None else None

    def messages(self, channel: str, *, include_system: bool = False) -> list[Message]:
        """Copies of the channel's messages, oldest first (joins/topic/pin notices only if asked)."""
        with self.workspace.lock:
            stored = self.workspace.messages[self._channel(channel).id]
            return [copy.deepcopy(m) for m in stored if include_system or m.subtype not in SYSTEM_SUBTYPES]

    def message(self, channel: str, ts: str) -> Message:
        """A copy of one message; KeyError when there is none."""
        with self.workspace.lock:
            found = self.workspace.message(self._channel(channel).id, ts)
            if found is None:
                raise KeyError(ts)
            return copy.deepcopy(found)

    def ephemerals(self, channel: str, user: str) -> list[Ephemeral]:
        """Copies of the ephemeral messages ``user`` (id or name) got in ``channel``, oldest first."""
        with self.workspace.lock:
            channel_id, user_id = self._channel(channel).id, self.user(user).id
            return [copy.deepcopy(e) for e in self.workspace.ephemerals if (e.channel, e.user) == (channel_id, user_id)]

    def response_url_posts(self) -> list[ResponseUrlPost]:
        """Every POST the app made to a response URL, in order."""
        with self.workspace.lock:
            return list(self.workspace.response_url_posts)

    def views(self, user: str | None = None, *, open_only: bool = False) -> list[View]:
        """Copies of the views opened (for ``user`` when given), oldest first."""
        with self.workspace.lock:
            user_id = self.user(user).id if user is not None else None
            return [
                copy.deepcopy(v)
                for v in self.workspace.views.values()
                if (user_id is None or v.user == user_id) and (v.is_open or not open_only)
            ]

    def home(self, user: str) -> View | None:
        """A copy of the App Home last published for ``user`` (None: none yet)."""
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.homes.get(self.user(user).id))

    def transcript(self, channel: str, zone: ZoneInfo, *, viewer: str | None = None) -> str:
        """The channel as a person reads it (``viewer`` also sees their ephemeral messages)."""
        viewer_id = self.user(viewer).id if viewer is not None else None
        return render_channel(self.workspace, self._channel(channel).id, zone, viewer=viewer_id)

    # Slack's side: requests to the app

    def connect_app(self, request_url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        """Tell the emulator where the app listens (its Request URL) and its signing secret.

        From now on people's actions reach the app over HTTP.
        """
        self._app = AppConnection(request_url, signing_secret, timeout=timeout)
        self._transport = self._app

    def connect_socket_mode(self, *, ack_timeout: float = SLACK_ACK_SECONDS) -> None:
        """Turn Socket Mode on: from now on people's actions reach the app as envelopes over its
        WebSocket connection (``socket_mode.wait_connected()`` waits for it), each waiting
        ``ack_timeout`` seconds for the ack. An action with no connection open answers status 0.
        """
        self._transport = SocketModeTransport(self.socket_mode, ack_timeout=ack_timeout)

    @property
    def app(self) -> AppConnection:
        """The app connection; RuntimeError before ``connect_app``."""
        if self._app is None:
            raise RuntimeError("call connect_app(request_url=..., signing_secret=...) first")
        return self._app

    @property
    def posts(self) -> IntegrationPosts:
        """Alerts from integrations, file shares and deletions (state only, as people's posts)."""
        return IntegrationPosts(ws=self.workspace)

    @property
    def files(self) -> UploadedFiles:
        """The files the app uploaded: ``files.get(file_id).content`` is what it sent."""
        return UploadedFiles(ws=self.workspace)

    @property
    def admin(self) -> AdminActions:
        """A workspace admin: members turned guest or deactivated, newcomers (events to the app)."""
        return AdminActions(ws=self.workspace, connection=self._delivery)

    def as_user(self, user: str) -> UserActions:
        """Act as the person with this name or id."""
        found = self.workspace.user(user)
        if found is None:
            raise KeyError(user)
        return UserActions(ws=self.workspace, user=found, connection=self._delivery, base_url=self.url)

    def _delivery(self) -> AppTransport:
        if self._transport is None:
            raise RuntimeError("call connect_app(request_url=..., signing_secret=...) or connect_socket_mode() first")
        return self._transport

    def mint_trigger(self, user: str) -> str:
        """A fresh trigger id for ``user`` (id or name), as if they had just clicked or typed."""
        return self.workspace.mint_trigger(self.user(user).id)

    def url_verification(self, challenge: str | None = None) -> AppResponse:
        """Send Slack's ``url_verification`` handshake."""
        return self.app.url_verification(challenge or secrets.token_urlsafe(24))

    def redeliver(self, event_id: str, *, retry_num: int = 1, retry_reason: str = "http_timeout") -> AppResponse:
        """Deliver an event again, as Slack retries it (same ``event_id``, retry headers or fields)."""
        return self._delivery().redeliver(event_id, retry_num=retry_num, retry_reason=retry_reason)

    def send(
        self,
        body: bytes | str,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> AppResponse:
        """Low level: POST any body to the app, signed (or with the given bad ``signature``)."""
        return self.app.send(body, content_type, headers, timestamp=timestamp, signature=signature)
