"""Incident channel names: `inc-<n>-<slug-of-title>`, Slack's naming rules, and the suffixes."""

from __future__ import annotations

import re
import unicodedata

from bot.domain.markup import for_public

NAME_LIMIT = 80


def slug(title: str) -> str:
    """Lower-case ASCII letters, digits and single hyphens: `Login fails (EU)` -> `login-fails-eu`.

    Made from the words a reader sees: `<!subteam^S0ONCALL|@oncall> paged` -> `oncall-paged`."""
    ascii_title = unicodedata.normalize("NFKD", for_public(title)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def channel_name(number: int, title: str, attempt: int = 1) -> str:
    """The name to try on `attempt` (1, 2, ...): a `-2`, `-3` suffix once the name is taken.

    Always at most 80 characters, cut at a hyphen so words stay whole where possible.
    """
    prefix = f"inc-{number}"
    suffix = f"-{attempt}" if attempt > 1 else ""
    room = NAME_LIMIT - len(prefix) - len(suffix) - 1
    words = slug(title)
    if len(words) > room:
        cut = words[:room]
        words = cut[: cut.rfind("-")] if "-" in cut[room // 2 :] else cut
        words = words.strip("-")
    return f"{prefix}-{words}{suffix}" if words else f"{prefix}{suffix}"
