"""Which published text each subscriber is sent, and when (docs/behaviour.md, Subscribers): pure.

An update is what the status page shows as one: the drafts written together for one status,
published one by one, each in a language and a length. A subscriber receives it once (the key
`update_key` is recorded per subscriber), as the page would show it to them (`public.best`):
in their language when it is published in it, else in the first configured language it was
published in. A subscriber whose language still has a draft of the update waiting for Publish
waits for it, at most `FALLBACK_WAIT` after the update was first published; then, or once no
draft in their language can come, they get the text that was published. A correction of a
published text goes to those who were sent that text, marked as a correction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.incident import Status
from bot.domain.public import ListedIncident, PublishedUpdate, best

FALLBACK_WAIT = timedelta(minutes=5)


def update_key(incident_key: int, batch: datetime, status: Status) -> str:
    return f"update:{incident_key}:{batch.timestamp():.6f}:{status.value}"


def correction_key(draft_id: int, corrected_at: datetime) -> str:
    return f"correction:{draft_id}:{corrected_at.timestamp():.6f}"


def confirmation_key(asked_at: datetime) -> str:
    return f"confirmation:{asked_at.timestamp():.6f}"


def same_update(incident: ListedIncident, draft_id: int) -> list[PublishedUpdate]:
    """The published drafts of the update `draft_id` belongs to (empty: it is not public)."""
    found = [update for update in incident.updates if update.draft_id == draft_id]
    if not found:
        return []
    [draft] = found
    return [update for update in incident.updates if (update.batch, update.status) == (draft.batch, draft.status)]


def choose(
    published: Sequence[PublishedUpdate],
    language: str,
    order: Sequence[str],
    *,
    waiting: frozenset[str],
    now: datetime,
) -> PublishedUpdate | None:
    """The text a subscriber reading `language` is sent now; None: wait for their language's
    (`waiting`: languages with a draft of this update still proposed)."""
    chosen = best(published, language, order)
    if chosen.language == language or language not in waiting:
        return chosen
    first = min(update.published_at for update in published)
    return chosen if now >= first + FALLBACK_WAIT else None


def wait_until(published: Sequence[PublishedUpdate]) -> datetime:
    """When those still waiting for their language get what was published."""
    return min(update.published_at for update in published) + FALLBACK_WAIT
