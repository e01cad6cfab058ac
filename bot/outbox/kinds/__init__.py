"""The kinds of Slack work the outbox records, one module each.

Each module defines one `Effect` subclass (`bot.outbox.effect`): its stored `kind` value, its
fields, its `send` and the result it returns. `bot.outbox.registry` finds them here; nothing
else lists them. See docs/architecture.md, "Adding a kind of Slack work".
"""
