"""The check each kind's test makes of its stored rows (`payload` column text from a real run)."""

from __future__ import annotations

from bot.outbox.codec import decode, encode
from bot.outbox.payload import Payload


def assert_stored_as(payload: Payload, text: str) -> None:
    """`text` is how this version wrote `payload`: a row of a deployed database that must still read
    back as `payload`, and that the kind still writes the same."""
    assert decode(payload.kind, text) == payload
    assert encode(payload) == text
