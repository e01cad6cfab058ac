"""The outbox: Slack work recorded with each change, in the same transaction, and sent after the ack.

The database is the source of truth: a Slack failure can delay what people see, never lose what
they did. An *effect* is one piece of Slack work (a row of the `effect` table); its *kind* says
what it does; a *batch* is what one send sends (one effect, or timeline lines queued one behind
the other); while Slack refuses the token the outbox is *paused* and its effects *held*. One
concept per module:

    kinds/         one module per kind: its stored `kind` value, its frozen `Effect` dataclass,
                   its `send` and the typed result it returns (`ChannelCreated`, ...)
    registry.py    KINDS: every kind, found in `kinds/` (the only list of them)
    effect.py      Effect: what every kind is (`kind`, `superseded_by_later`, `batched`, `send`);
                   Sending: what its `send` is given, and the lookups kinds share (channel, draft)
    codec.py       `encode`/`decode`, the only code that reads or writes the `payload` JSON column
    store.py       the table: enqueue, done / failed / held
    claims.py      what may go now (the lanes), and claiming it: a lease, with the batch
    pause.py       the token pause: holding effects, the check once a minute, the end of it
    admin.py       what `incident-bot outbox` lists and sends again
    view.py        IncidentView: what a send needs, read from storage when it is sent
    delivery.py    Delivery: builds the `Sending`, calls the batch's `send`, classifies failures
    slack_calls.py Web API calls in several steps or with tolerated answers
    results.py     Result (what a send brings back and how it is kept) and `Nothing`
    failures.py    Retry / Hold / GiveUp, and `classify` for Slack's error answers
    attempts.py    Attempt: the batch's effect ids, and whether the last try may have posted
    backoff.py     the wait before a retry
    sender.py      EffectSender: claims, sends every batch through one path, records the outcome
                   (and claims there what the outcome let go)
    send_pool.py   a round's batches side by side
    channel_pace.py one message a second per channel: what waits meanwhile goes as one batch
    sender_thread.py SenderThread: the background thread of each web process
    home_queue.py  the App Home's publishes and their sender of their own (HomeSender)
    pagerduty_sender.py PagerDutySender: PagerDuty's events, by a sender of their own, whatever Slack does
    cli.py         `incident-bot outbox` and `outbox retry`

The service records work with `store.enqueue(session=..., incident_id=..., effect=Invite(...),
now=...)`; `incident_id` orders it behind that incident's earlier work (None: independent).

Adding a kind of Slack work is one module in `kinds/` and its test: see docs/architecture.md,
"Adding a kind of Slack work".
"""
