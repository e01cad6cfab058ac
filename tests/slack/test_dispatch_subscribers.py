"""`/incident subscribers`: responders see who follows the status page, counted, never an address."""

from __future__ import annotations

from datetime import UTC, datetime

from dispatch_bot import DispatchBot

from bot.domain.subscribers import Medium, SubscriberState
from bot.storage import deliveries, subscribers

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def test_subscribers_are_counted_for_responders(bot: DispatchBot) -> None:
    with bot.db.write() as session:
        for n, state in enumerate([SubscriberState.CONFIRMED] * 3 + [SubscriberState.PENDING, SubscriberState.BOUNCED]):
            row = subscribers.insert(
                session=session,
                medium=Medium.MAIL,
                address=f"reader{n}@example.com",
                language="en",
                components=(),
                state=state,
                unsubscribe_nonce=f"n{n}",
                now=NOW,
            )
            assert row.id is not None
            rows = [deliveries.row(subscriber_id=row.id, medium="mail", kind="update", key="k", now=NOW)]
            deliveries.record(session=session, rows=rows)
        subscribers.insert(
            session=session,
            medium=Medium.WEBHOOK,
            address="https://hooks.example.com/status",
            language="en",
            components=(),
            state=SubscriberState.FAILING,
            unsubscribe_nonce="w",
            now=NOW,
        )
    answer = bot.command("subscribers")
    assert answer.json["response_type"] == "ephemeral"
    assert answer.text.splitlines() == [
        "*Status page subscribers:* 3 by email and 0 webhooks receive updates.",
        "Waiting for confirmation: 1 · unsubscribed: 0 · bounced: 1 · failing webhooks: 1",
        "Sent so far: 0 updates, 0 corrections, 0 confirmations · waiting to go: 5 · failed: 0",
    ]
    assert "example.com" not in answer.text
    assert bot.effects() == []
