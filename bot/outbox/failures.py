"""What a failed Slack call means for the outbox: try again later, hold everything, or give up.

    Exception
     ├── Retry    5xx, 429 (with Retry-After), network errors: this effect again, after a wait
     ├── Hold     Slack refused the token or a permission: keep the work, pause the outbox
     └── GiveUp   the effect can never succeed (the channel was deleted): stop trying it

`classify` turns Slack's error answers into one of them, in this one place.
"""

from __future__ import annotations

from typing import NoReturn

from slack_sdk.errors import SlackApiError

TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
# The token is unusable (wrong, revoked, its user or workspace deactivated) or lacks a permission:
# no effect can succeed until a person fixes it, and then every one of them should.
AUTH_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
        "no_permission",
        "ekm_access_denied",
        "team_access_not_granted",
    }
)


class Retry(Exception):
    """Try this effect again, not before `after_seconds` (Slack's Retry-After when it sent one)."""

    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds


class Hold(Exception):
    """Slack refused the token or a permission (the error code is the message): hold, never discard."""


class GiveUp(Exception):
    """This effect can never succeed (e.g. the channel was deleted); stop trying."""


def classify(error: SlackApiError) -> NoReturn:
    """Raise what Slack's error answer means for the effect being sent."""
    status = error.response.status_code
    code = str(error.response.get("error", ""))
    if status == 429 or code == "ratelimited":
        retry_after = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
        raise Retry("ratelimited", after_seconds=float(retry_after) if retry_after else None) from error
    if status >= 500 or code in TRANSIENT_ERRORS:
        raise Retry(f"slack {status} {code}") from error
    if code in AUTH_ERRORS:
        raise Hold(code) from error
    raise GiveUp(f"slack error {code or status}") from error
