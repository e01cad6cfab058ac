"""The outbox's `payload` column: the only code that writes or reads its JSON.

An effect is stored as a JSON object of its dataclass fields by name (tuples as lists), as the
outbox stored its work before effects had types, so rows of a deployed database load
unchanged. Reading ignores keys a kind no longer has and gives a missing field its default.
Two shapes are older than that rule and are converted here, for `view.open` only: the incident
modal nests its fields under "modal", and an edit modal recorded before it had its own kind is
a `view.open` row with a "draft_id". No other kind may need a case here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from bot.outbox.effect import Effect
from bot.outbox.kinds.open_draft_editor import OpenDraftEditor
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.outbox.registry import KINDS

MODAL_FIELDS = ("severity", "private_metadata")  # stored under "modal" by the incident modal
MODAL_FLAGS = ("private", "from_message")  # stored under "modal" too, only when set: rows without them read as False
MODAL_TEXTS = ("title", "message_channel")  # under "modal" too, only when not empty: rows without them read as ""


class UnreadablePayload(ValueError):
    """A stored row this version cannot read: a kind it does not know, or not the keys it needs."""


def encode(effect: Effect) -> str:
    """The effect's fields as stored in the `payload` column."""
    data: dict[str, Any] = asdict(effect)
    if isinstance(effect, OpenIncidentModal):  # the shape this kind has always been stored in
        modal = {key: data[key] for key in MODAL_FIELDS} | {key: True for key in MODAL_FLAGS if data[key]}
        modal |= {key: data[key] for key in MODAL_TEXTS if data[key]}
        data = {"trigger_id": data["trigger_id"], "modal": modal}
    return json.dumps(data, sort_keys=True)


def decode(kind: str, text: str) -> Effect:
    """The effect a stored row of `kind` records; raises `UnreadablePayload` when this version cannot read it."""
    try:
        data: dict[str, Any] = json.loads(text) if text else {}
        if kind == OpenIncidentModal.kind:
            if "draft_id" in data:  # an edit modal recorded before it had its own kind
                kind = OpenDraftEditor.kind
            else:
                data = {"trigger_id": data["trigger_id"], **data["modal"]}
        if kind not in KINDS:
            raise ValueError(f"{kind!r} is not a kind this version knows")
        cls = KINDS[kind]
        known = {field.name for field in fields(cls)}
        values = {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}
        return cls(**{key: value for key, value in values.items() if key in known})
    except (ValueError, KeyError, TypeError) as error:
        raise UnreadablePayload(f"this version cannot read a {kind} payload ({error})") from error
