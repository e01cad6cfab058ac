"""The outbox: Slack work recorded with each change, in the same transaction, and sent after the ack.

The database is the source of truth: a Slack failure can delay what people see, never lose what
they did. One concept per module:

    kinds/           one module per kind of Slack work: its stored `kind` value, its frozen payload
                     dataclass, its `send` and the typed result it returns (`ChannelCreated`, ...)
    registry.py      KINDS: every kind, found in `kinds/` (the only list of them)
    payload.py       Payload: what every kind is (`kind`, `superseded_by_later`, `send`)
    codec.py         `encode`/`decode`, the only code that reads or writes the `payload` JSON column
    store.py         the table: enqueue, claim (a lease), done / failed / held, the auth pause
    admin.py         what `incident-bot outbox` lists and sends again
    view.py          IncidentView: what a send needs, read from storage when it is sent
    sending.py       Sending: what a kind's `send` is given; the lookups kinds share (channel, draft)
    delivery.py      Delivery: builds the `Sending`, calls the payload's `send`, classifies failures
    slack_calls.py   Web API calls in several steps or with tolerated answers
    results.py       Result (what a send brings back and how it is kept) and `Nothing`
    failures.py      Retry / Hold / GiveUp, and `classify` for Slack's error answers
    attempts.py      Attempt: the effect id and whether the last try may have posted (idempotent posts)
    backoff.py       the wait before a retry
    sender.py        EffectSender: claims, sends, remembers results, retries, holds, gives up
    runs.py          claiming and settling a run: consecutive effects of one incident sent at once
    together.py      RunSender: sends a run (`Payload.send_together`) and settles it as one
    sender_thread.py the background thread of each web process
    cli.py           `incident-bot outbox` and `outbox retry`

The service records work with `store.enqueue(session=..., incident_id=..., payload=Invite(...),
now=...)`; `incident_id` orders it behind that incident's earlier work (None: independent).

Adding a kind of Slack work is one module in `kinds/` and its test: see docs/architecture.md,
"Adding a kind of Slack work".
"""
