"""Everything that speaks Slack: command parsing, listeners, Block Kit builders, the app."""
