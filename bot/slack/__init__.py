"""Everything that speaks Slack: command parsing, listeners, the runner, the app (renderings: `bot.render`)."""
