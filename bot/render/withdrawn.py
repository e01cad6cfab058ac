"""What is left of an incident made private where the bot had posted about it for anyone to read
(docs/behaviour.md, Private incidents): its announcements and its published updates, edited to say
only that an incident was made private; and what the reply to `/incident private` says of them."""

from __future__ import annotations

from bot.domain.visibility import Withdrawn

WITHDRAWN = ":lock: Withdrawn: this was about an incident that has since been made private."


def withdrawing(withdrawn: Withdrawn | None, status_channel: str | None) -> str:
    """The reply's line about the messages being withdrawn, on a line of its own; "" when none."""
    if withdrawn is None:
        return ""
    announced, updates = withdrawn.announced, withdrawn.updates
    parts = []
    if announced:
        where = " and ".join(f"<#{channel}>" for channel in dict.fromkeys(announced))
        count = "Its announcement" if len(announced) == 1 else f"Its {len(announced)} announcements"
        parts.append(f"{count} in {where}")
    if updates:
        where = f"<#{status_channel}>" if status_channel else "the status channel"
        count = "its published update" if updates == 1 else f"its {updates} published updates"
        parts.append(f"{count if parts else count.capitalize()} in {where}")
    if not parts:
        return ""
    verb = "is" if len(announced) + updates == 1 else "are"
    text = (
        f"\n:lock: {' and '.join(parts)} {verb} being edited to say only that an incident was made private: "
        "no title, no link, none of their words."
    )
    if updates:
        text += " Mails already sent to status page subscribers cannot be taken back."
    return text
