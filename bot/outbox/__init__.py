"""The outbox: Slack work recorded with each change, in the same transaction, and sent after the ack.

The database is the source of truth: a Slack failure can delay what people see, never lose what
they did. One concept per module:

    kinds.py         EffectKind: the `kind` column's values
    payloads.py      one frozen dataclass per kind; `encode`/`decode`, the only code that reads
                     or writes the `payload` JSON column
    store.py         the table: enqueue, claim (a lease), done / failed / held, the auth pause
    admin.py         what `incident-bot outbox` lists and sends again
    view.py          IncidentView: what a delivery needs, read from storage when it is sent
    delivery.py      Delivery: one step per payload type, the Slack Web API calls it makes
    slack_calls.py   Web API calls in several steps or with tolerated answers
    results.py       one typed result per thing Slack gives back (ChannelCreated, CardPosted, ...)
    failures.py      Retry / Hold / GiveUp, and `classify` for Slack's error answers
    attempts.py      Attempt: the effect id and whether the last try may have posted (idempotent posts)
    backoff.py       the wait before a retry
    sender.py        EffectSender: claims, sends, remembers results, retries, holds, gives up
    sender_thread.py the background thread of each web process
    cli.py           `incident-bot outbox` and `outbox retry`

The service records work with `store.enqueue(session=..., incident_id=..., payload=Invite(...),
now=...)`; `incident_id` orders it behind that incident's earlier work (None: independent).

Adding a kind of Slack work takes:

1. an `EffectKind` member (its stored value never changes once released);
2. its payload dataclass in `payloads.py`, with `kind` as a ClassVar, added to `Payload`
   (a field named `entry_id` or `draft_id` makes the sender read that entry or draft into the view);
3. its `case` in `Delivery._send` and the step it calls (mypy's exhaustiveness check on
   `Payload` fails until there is one); if Slack gives back something to keep, a result class in
   `results.py` and its `case` in `EffectSender._remember`;
4. a test: the payload's JSON in tests/outbox/test_store.py (`STORED_AS` must cover every kind),
   and its delivery as people see it in Slack, end to end (tests/e2e/, against the emulator).
"""
