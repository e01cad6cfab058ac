"""The bot's own Slack identity (its user id and its workspace), learnt from auth.test once and kept.

Requests never wait for it: `authorize` hands Bolt whatever is known, without calling Slack.
At start-up `check_token` asks auth.test once: a token Slack refuses stops the bot with one line
(`TokenRejected`); a Slack that cannot be reached does not (incidents must open while it is down).
Until auth.test has accepted the token the identity is *unverified* (`unverified` says why, for
`/healthz`), and whoever needs the workspace (`workspace()`: the outbox sender, the schedulers)
asks again, at most every `ASK_AGAIN_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.metrics import client_like

log = logging.getLogger(__name__)

# auth.test's answers that mean this token will never work: a person must replace it.
REJECTED = frozenset({"not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive"})
CHECK_TIMEOUT_SECONDS = 5  # start-up does not wait long for a Slack that does not answer
ASK_AGAIN_SECONDS = 10.0  # while unverified, auth.test is asked again at most this often
NOT_ASKED = "auth.test has not been asked yet"


class TokenRejected(Exception):
    """Slack refused SLACK_BOT_TOKEN at start-up; the message is the one line to show (no secret in it)."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"Slack refused SLACK_BOT_TOKEN ({code}): copy the app's current Bot User OAuth Token "
            "(api.slack.com/apps > OAuth & Permissions) into SLACK_BOT_TOKEN and start again"
        )
        self.code = code


class BotIdentity:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._user_id: str | None = None
        self._bot_id: str | None = None
        self._team_id: str | None = None
        self.unverified: str | None = NOT_ASKED  # why the token is not known to work yet; None once accepted
        self._next_ask = 0.0  # time.monotonic() before which an unverified identity is not asked again
        self._lock = threading.Lock()

    def resolve(self) -> str | None:
        """Ask auth.test (once successfully, then at most every `ASK_AGAIN_SECONDS`); the bot's
        user id, None while Slack cannot answer."""
        with self._lock:
            if self._user_id is None and time.monotonic() >= self._next_ask:
                self._next_ask = time.monotonic() + ASK_AGAIN_SECONDS
                client = client_like(self.client, timeout=CHECK_TIMEOUT_SECONDS)
                try:
                    self._learn(client.auth_test())
                except SlackApiError as error:
                    self.unverified = f"auth.test answered {error.response.get('error') or error.response.status_code}"
                    log.warning("auth.test failed (%s); will try again later", self.unverified)
                except OSError as error:
                    self.unverified = f"Slack cannot be reached ({_cause(error)})"
                    log.warning("auth.test failed (%s); will try again later", type(error).__name__)
            return self._user_id

    @property
    def team_id(self) -> str | None:
        """The workspace, if auth.test told it already (never asks)."""
        return self._team_id

    def workspace(self) -> str | None:
        """The workspace this token serves (auth.test's team), whose work this process sends and
        reminds of; None while Slack has not told it (asked again, see `resolve`)."""
        if self._team_id is None:
            self.resolve()
        return self._team_id

    def check_token(self) -> bool:
        """auth.test now: True when Slack accepted the token, False when Slack could not be asked.

        Raises `TokenRejected` when Slack refused it. Learns the bot's identity on the way.
        """
        client = client_like(self.client, timeout=CHECK_TIMEOUT_SECONDS)
        try:
            result = client.auth_test()
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code in REJECTED:
                raise TokenRejected(code) from None
            log.warning("auth.test answered %s %s; starting anyway", error.response.status_code, code)
            with self._lock:
                self.unverified = f"auth.test answered {code or error.response.status_code}"
            return False
        except OSError as error:
            cause = _cause(error)
            log.warning("Slack cannot be reached (%s); starting anyway, Slack work waits", cause)
            with self._lock:
                self.unverified = f"Slack cannot be reached ({cause})"
            return False
        with self._lock:
            self._learn(result)
        return True

    def _learn(self, result: Any) -> None:
        """What auth.test said when it accepted the token (the caller holds the lock)."""
        self._user_id, self._bot_id, self._team_id = result.get("user_id"), result.get("bot_id"), result.get("team_id")
        self.unverified = None

    def user_id(self) -> str:
        """The bot's user id; raises OSError when Slack cannot tell us yet (the caller retries)."""
        found = self.resolve()
        if found is None:
            raise ConnectionError("auth.test unavailable")
        return found

    def authorizer(self) -> Callable[..., AuthorizeResult]:
        """Bolt's `authorize`: the single-workspace token, with no Slack call on the request path.

        A plain function: Bolt passes arguments by the names of its parameters.
        """

        def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id,
                bot_token=self.client.token,
                bot_user_id=self._user_id,
                bot_id=self._bot_id,
            )

        return authorize


def _cause(error: OSError) -> str:
    """The name of what went wrong underneath (urllib wraps the socket's error)."""
    reason = getattr(error, "reason", error)
    return type(reason if isinstance(reason, BaseException) else error).__name__
