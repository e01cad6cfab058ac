"""The bot's own Slack identity (its user id), learnt from auth.test once and kept.

Requests never wait for it: `authorize` hands Bolt whatever is known, without calling Slack.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class BotIdentity:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._user_id: str | None = None
        self._bot_id: str | None = None
        self._lock = threading.Lock()

    def resolve(self) -> str | None:
        """Ask auth.test (once successfully); None while Slack cannot answer."""
        with self._lock:
            if self._user_id is None:
                try:
                    result = self.client.auth_test()
                except (SlackApiError, OSError) as error:
                    log.warning("auth.test failed (%s); will try again later", type(error).__name__)
                    return None
                self._user_id, self._bot_id = result.get("user_id"), result.get("bot_id")
            return self._user_id

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
