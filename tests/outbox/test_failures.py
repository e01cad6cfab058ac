"""What each Slack error answer does to an outbox effect: retry, hold, or give up."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.outbox.failures import GiveUp, Hold, Retry, classify


def answer(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(error, response)


@pytest.mark.parametrize(
    "code", ["invalid_auth", "token_revoked", "account_inactive", "missing_scope", "not_authed", "token_expired"]
)
def test_a_refused_token_or_permission_holds_the_work(code: str) -> None:
    with pytest.raises(Hold, match=f"^{code}$"):
        classify(answer(200, code))


@pytest.mark.parametrize(
    ("status", "code"), [(500, "fatal_error"), (503, "service_unavailable"), (200, "internal_error")]
)
def test_server_errors_are_retried_with_backoff(status: int, code: str) -> None:
    with pytest.raises(Retry) as caught:
        classify(answer(status, code))
    assert caught.value.after_seconds is None


def test_a_rate_limit_is_retried_after_exactly_retry_after() -> None:
    with pytest.raises(Retry) as caught:
        classify(answer(429, "ratelimited", {"Retry-After": "7"}))
    assert caught.value.after_seconds == 7


@pytest.mark.parametrize("code", ["channel_not_found", "is_archived", "message_not_found"])
def test_errors_about_the_effect_itself_give_it_up(code: str) -> None:
    with pytest.raises(GiveUp, match=code):
        classify(answer(200, code))
