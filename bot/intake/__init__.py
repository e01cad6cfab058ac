"""Alert intake: Alertmanager, Grafana and the Events API v2 read into one shape (bot.domain.alerts)."""
