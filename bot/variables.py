"""The environment variables the settings are read from (docs/behaviour.md, Running it): a value
that works for each (`EXAMPLES`, shown with every problem; the defaults are such values too), and
how a problem with one is said (`problem`), by `bot.config`, `bot.mail_settings` and the entry
points (`bot.startup`: the database that cannot be reached) alike. Secrets are never repeated.
"""

from __future__ import annotations

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///incidents.db"
DEFAULT_REMINDERS = "sev1=30m,sev2=60m,sev3=off,sev4=off"
DEFAULT_PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"

EXAMPLES = {
    "SLACK_BOT_TOKEN": "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
    "SLACK_APP_TOKEN": "xapp-1-A0123456789-1234567890123-abcdef",
    "SLACK_API_URL": DEFAULT_API_URL,
    "DATABASE_URL": "postgresql+psycopg://user:password@db-host:5432/incidents",
    "PORT": "3000",
    "INCIDENT_ANNOUNCE_CHANNEL": "C0123ABCDEF",
    "INCIDENT_STATUS_CHANNEL": "C0123ABCDEF",
    "INCIDENT_TIMEZONE": "Asia/Kolkata",
    "INCIDENT_PUBLIC_NAME": "Chirper",
    "INCIDENT_LANGUAGES": "en,fr",
    "INCIDENT_REMINDERS": DEFAULT_REMINDERS,
    "INCIDENT_PAGE_ESCALATE_AFTER": "5m",
    "INCIDENT_PAGERDUTY_EVENTS_URL": DEFAULT_PAGERDUTY_EVENTS_URL,
    "INCIDENT_STATUS_URL": "https://status.example.com/status",
    "INCIDENT_STATUS_PAGE": "separate",
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "json",
    "INCIDENT_ALERT_TOKENS": "prod-alertmanager:$(openssl rand -hex 16),grafana:$(openssl rand -hex 16)",
    "INCIDENT_ALERT_CHANNEL": "C0123ABCDEF",
    "INCIDENT_ALERT_RULES": "alert-rules.toml",
    "INCIDENT_CATALOG": "catalog.toml",
    "SMTP_URL": "smtp://user:password@smtp.example.com:587",
    "INCIDENT_MAIL_FROM": "Chirper status <status@example.com>",
    "INCIDENT_SECRET_KEY": "$(openssl rand -hex 32)",
    "INCIDENT_PROXY_HOPS": "1",
    "INCIDENT_GUESTS_READ": "true",
}


def problem(name: str, why: str, value: str | None = None) -> str:
    """One line: the variable (and its value, never a secret's), what is wrong, a value that works."""
    named = name if value is None else f"{name}={value!r}"
    return f"{named} {why}; e.g. {name}={EXAMPLES[name]}"
