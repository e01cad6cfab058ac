"""The check each kind's test makes of its stored rows (`payload` column text from a real run)."""

from __future__ import annotations

from bot.outbox.codec import decode, encode
from bot.outbox.effect import Effect


def assert_stored_as(effect: Effect, text: str) -> None:
    """`text` is how this version wrote `effect`: a row of a deployed database that must still read
    back as `effect`, and that the kind still writes the same."""
    assert decode(effect.kind, text) == effect
    assert encode(effect) == text
