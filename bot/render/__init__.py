"""Everything that turns domain values into what people read: Slack Block Kit and mrkdwn, channel
names, Markdown and plain text, mail, and the status page's public views, links and Statuspage JSON
(public_*.py, statuspage.py: the page and the subscribers' webhooks say the same). Pure: it imports
only `bot.domain`, the standard library and markupsafe (a test enforces it), so the outbox kinds that
post and the Bolt listeners that reply share one wording, and the subscribers' lane sends what the
status page shows."""
