"""Corrections of published updates (docs/behaviour.md, Status page): pure rules.

Only a published update can be corrected (a draft is edited before it is published; a
discarded or stale one never was), the corrected words must say something, fit the update's
length limit and differ from what is published now. The published text is replaced, and who
corrected it and when are kept, so the page and feeds say "updated" rather than change silently.
"""

from __future__ import annotations

from bot.domain.drafts import LONG_LIMIT, SHORT_LIMIT, DraftRecord, DraftState
from bot.errors import RuleRefused, UsageError


def check_correctable(draft: DraftRecord) -> None:
    if draft.state is DraftState.PROPOSED:
        raise RuleRefused("This draft is not published yet: edit it with its Edit button instead.")
    if draft.state is not DraftState.PUBLISHED:
        raise RuleRefused(f"Only a published update can be corrected; this draft was {draft.state.value}.")


def check_correction(draft: DraftRecord, text: str) -> None:
    check_correctable(draft)
    limit = SHORT_LIMIT if draft.length == "short" else LONG_LIMIT
    if not text:
        raise UsageError("The correction is empty; write the corrected update.")
    if len(text) > limit:
        raise UsageError(f"A {draft.length} update is at most {limit} characters; this one is {len(text)}.")
    if text == draft.text:
        raise UsageError("That is the text already published; nothing was corrected.")
