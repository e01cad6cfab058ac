"""Everything that turns domain values into what people read: Slack Block Kit and mrkdwn, channel
names, Markdown and plain text. Pure: it imports only `bot.domain` and the standard library (a test
enforces it), so the outbox kinds that post and the Bolt listeners that reply share one wording."""
