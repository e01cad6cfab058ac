"""The subscribers' pure rules: which addresses are accepted, signed links, the forms' limits,
and which published text each subscriber is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.fanout import FALLBACK_WAIT, choose
from bot.domain.incident import Status
from bot.domain.limits import SUBSCRIBE_PER_CLIENT, Limit, client_address
from bot.domain.public import PublishedUpdate
from bot.domain.signed import Addressee, BadLink, Purpose, sign, verify
from bot.domain.subscribers import AddressRefused, check_email, check_webhook_url, masked, wants
from bot.errors import UsageError

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
SECRET = "s" * 40


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("jane.doe@example.com", "jane.doe@example.com"),
        ("  Jane.Doe+status@Example.COM ", "jane.doe+status@example.com"),  # one mailbox, one spelling
        ("o'brien@mail.example.ie", "o'brien@mail.example.ie"),
    ],
)
def test_addresses_people_write_are_accepted(written: str, stored: str) -> None:
    assert check_email(written) == stored


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("", "empty"),
        ("jane@example.com\r\nBcc: x@example.com", "control"),
        ("jane@example.com\n", "control"),
        ('"jane doe"@example.com', "shape"),
        ("jane@example", "shape"),
        ("jane@127.0.0.1", "shape"),
        ("jane@-example.com", "shape"),
        ("jané@example.com", "shape"),
        ("jane@example.com>, <x@example.com", "shape"),
        ("x" * 250 + "@example.com", "long"),
    ],
)
def test_anything_else_is_refused_with_its_reason(written: str, key: str) -> None:
    with pytest.raises(AddressRefused) as refused:
        check_email(written)
    assert refused.value.key == key


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "https://user:pw@example.com/", "https://example.com/#x", "https://exa mple.com", ""]
)
def test_webhook_urls_are_plain_http_addresses(url: str) -> None:
    with pytest.raises(UsageError):
        check_webhook_url(url)
    assert check_webhook_url(" https://hooks.example.com/status?k=1 ") == "https://hooks.example.com/status?k=1"


def test_addresses_are_masked_for_logs_and_listings() -> None:
    shown = masked("jane.doe@example.com")
    assert shown.startswith("ja***@ex***.com #") and "jane" not in shown and "example" not in shown
    assert masked("jane.doe@example.com") != masked("jane.dot@example.com")
    assert "secret-path" not in masked("https://hooks.example.com/secret-path")


def test_a_signed_link_works_for_its_purpose_only_until_it_expires() -> None:
    link = Addressee(7, "n0nce")
    token = sign(SECRET, Purpose.CONFIRM, link, NOW + timedelta(hours=24))
    assert verify(SECRET, Purpose.CONFIRM, token, NOW) == link
    for wrong in (
        lambda: verify(SECRET, Purpose.UNSUBSCRIBE, token, NOW),
        lambda: verify("t" * 40, Purpose.CONFIRM, token, NOW),
        lambda: verify(SECRET, Purpose.CONFIRM, token.replace("7.", "8.", 1), NOW),
        lambda: verify(SECRET, Purpose.CONFIRM, token[:-2], NOW),
    ):
        with pytest.raises(BadLink) as bad:
            wrong()
        assert not bad.value.expired
    with pytest.raises(BadLink) as late:
        verify(SECRET, Purpose.CONFIRM, token, NOW + timedelta(hours=24))
    assert late.value.expired
    forever = sign(SECRET, Purpose.UNSUBSCRIBE, link)
    assert verify(SECRET, Purpose.UNSUBSCRIBE, forever, NOW + timedelta(days=3650)) == link


def test_limits_count_fixed_windows_and_say_when_the_next_begins() -> None:
    hourly = SUBSCRIBE_PER_CLIENT
    assert hourly.window(NOW) == datetime(2022, 2, 17, 16, 0, tzinfo=UTC)
    assert hourly.retry_after(NOW) == 49 * 60
    daily = Limit("address", 3, timedelta(days=1))
    assert daily.window(NOW) == datetime(2022, 2, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    ("remote", "forwarded", "hops", "client"),
    [
        ("203.0.113.7", None, 0, "203.0.113.7"),
        ("203.0.113.7", "1.2.3.4", 0, "203.0.113.7"),  # no proxy: the header is the client's own words
        ("10.0.0.2", "198.51.100.9", 1, "198.51.100.9"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.9", 1, "198.51.100.9"),  # what the client wrote is further left
        ("10.0.0.2", "198.51.100.9, 10.0.0.1", 2, "198.51.100.9"),
        ("10.0.0.2", None, 1, "10.0.0.2"),
        ("10.0.0.2", "2001:db8:1:2::7", 1, "2001:db8:1:2::/64"),
    ],
)
def test_the_client_is_who_the_proxies_in_front_say(remote: str, forwarded: str | None, hops: int, client: str) -> None:
    assert client_address(remote, forwarded, hops) == client


def published(language: str, minutes: int, length: str = "long") -> PublishedUpdate:
    return PublishedUpdate(
        draft_id=minutes * 10 + len(language),
        batch=NOW,
        status=Status.INVESTIGATING,
        language=language,
        length=length,
        text=f"{language} {length}",
        published_at=NOW + timedelta(minutes=minutes),
    )


def test_a_reader_gets_their_language_and_waits_for_it_at_most_a_while() -> None:
    english = [published("en", 0), published("en", 1, "short")]
    order = ("en", "fr")
    assert choose(english, "en", order, waiting=frozenset({"fr"}), now=NOW) == english[0]  # long before short
    assert choose(english, "fr", order, waiting=frozenset({"fr"}), now=NOW) is None
    assert choose(english, "fr", order, waiting=frozenset(), now=NOW) == english[0]  # nothing French can come
    assert choose(english, "fr", order, waiting=frozenset({"fr"}), now=NOW + FALLBACK_WAIT) == english[0]
    both = [*english, published("fr", 2)]
    assert choose(both, "fr", order, waiting=frozenset(), now=NOW).language == "fr"


def test_component_subscribers_hear_of_their_components_only() -> None:
    assert wants(frozenset(), frozenset())
    assert wants(frozenset({"home"}), frozenset({"home", "api"}))
    assert not wants(frozenset({"home"}), frozenset({"api"}))
    assert not wants(frozenset({"home"}), frozenset())
