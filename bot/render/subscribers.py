"""What responders read about the status page's subscribers (`/incident subscribers`, and the
published update's message: how many it reached)."""

from __future__ import annotations

from bot.domain.subscribers import Medium, SubscriberCounts, SubscriberState


def counts_reply(counts: SubscriberCounts) -> str:
    """`/incident subscribers`: who follows the status page and what they were sent."""
    mail = counts.of(Medium.MAIL, SubscriberState.CONFIRMED)
    hooks = counts.of(Medium.WEBHOOK, SubscriberState.CONFIRMED)
    waiting = counts.of(Medium.MAIL, SubscriberState.PENDING)
    bounced = counts.of(Medium.MAIL, SubscriberState.BOUNCED)
    failing = counts.of(Medium.WEBHOOK, SubscriberState.FAILING)
    left = counts.of(Medium.MAIL, SubscriberState.UNSUBSCRIBED)
    lines = [
        f"*Status page subscribers:* {mail:,} by email and {hooks:,} {_plural(hooks, 'webhook')} receive updates.",
        f"Waiting for confirmation: {waiting:,} · unsubscribed: {left:,} · bounced: {bounced:,}"
        f" · failing webhooks: {failing:,}",
        f"Sent so far: {counts.sent(kind='update'):,} {_plural(counts.sent(kind='update'), 'update')}, "
        f"{counts.sent(kind='correction'):,} {_plural(counts.sent(kind='correction'), 'correction')}, "
        f"{counts.sent(kind='confirmation'):,} {_plural(counts.sent(kind='confirmation'), 'confirmation')}"
        f" · waiting to go: {counts.sent(state='pending'):,} · failed: {counts.sent(state='failed'):,}",
    ]
    return "\n".join(lines)


def reached(count: int, waiting: int) -> str:
    """Under a published update: how many subscribers it reached (and how many it is still going to)."""
    said = f"Sent to {count:,} status page {_plural(count, 'subscriber')}"
    return f"{said}, {waiting:,} more on the way" if waiting else said


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"
