"""What a failed Slack call means for the outbox: try again later, hold everything, or give up.

    Exception
     ├── Retry    5xx, 429 (with Retry-After), network errors: this effect again, after a wait
     │            (a timeout or a 5xx may have reached Slack: the retry looks before it posts)
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


# How a retry's reason starts when the request may have reached Slack (a timeout, a dropped
# connection, a 5xx): kept as the effect's `last_error`, so the next attempt looks before posting.
MAYBE_SENT = "may have reached Slack: "


class Retry(Exception):
    """Try this effect again, not before `after_seconds` (Slack's Retry-After when it sent one);
    `maybe_sent` when Slack may have done the work although the bot never saw its answer."""

    def __init__(self, reason: str, after_seconds: float | None = None, *, maybe_sent: bool = False) -> None:
        super().__init__(f"{MAYBE_SENT}{reason}" if maybe_sent else reason)
        self.after_seconds = after_seconds
        self.maybe_sent = maybe_sent


def failed_ambiguously(last_error: str | None) -> bool:
    """Whether the effect's last attempt may have reached Slack (its `last_error`, see `Retry`)."""
    return last_error is not None and last_error.startswith(MAYBE_SENT)


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
        raise Retry(f"slack {status} {code}", maybe_sent=status >= 500) from error
    if code in AUTH_ERRORS:
        raise Hold(code) from error
    raise GiveUp(f"slack error {code or status}") from error
