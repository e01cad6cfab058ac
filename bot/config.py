"""Settings, read once from the environment by the entry points (SPEC section 2).

`load_settings(environ, require=...)` checks everything at start-up and names every
variable that is missing or wrong in one error, so a deployment fails fast and says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///incidents.db"
DEFAULT_REMINDERS = "sev1=30m,sev2=60m,sev3=off,sev4=off"


class ConfigError(Exception):
    """The environment cannot run the bot; the message names every variable at fault."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    announce_channel: str | None = None
    status_channel: str | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    public_name: str = "our service"
    languages: tuple[str, ...] = ("en",)
    reminders: Mapping[int, timedelta | None] = field(default_factory=lambda: parse_reminders(DEFAULT_REMINDERS))

    def __repr__(self) -> str:  # secrets never reach logs, not even through a repr
        shown = {
            "api_url": self.api_url,
            "database_url": _redact_url(self.database_url),
            "port": self.port,
            "zone": self.zone.key,
            "languages": self.languages,
        }
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())}, secrets=<redacted>)"

    def reminder_after(self, severity: int) -> timedelta | None:
        return self.reminders.get(severity)


def _redact_url(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


_DURATION = re.compile(r"^(\d+)([smh])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


def parse_reminders(text: str) -> dict[int, timedelta | None]:
    """`sev1=30m,sev2=60m,sev3=off` -> {1: 30 min, 2: 60 min, 3: None, 4: None}."""
    cadence: dict[int, timedelta | None] = {1: None, 2: None, 3: None, 4: None}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if not sep or key not in {"sev1", "sev2", "sev3", "sev4"}:
            raise ValueError(f"{part!r} is not sevN=<duration>")
        if value == "off":
            cadence[int(key[3])] = None
            continue
        match = _DURATION.match(value)
        if not match or int(match.group(1)) == 0:
            raise ValueError(f"{value!r} is not a duration such as 30m, 2h, 90s or off")
        cadence[int(key[3])] = timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    return cadence


def load_settings(environ: Mapping[str, str], *, require: Iterable[str] = ()) -> Settings:
    """Read and check every setting; raise ConfigError naming each bad or missing variable."""
    problems: list[str] = []

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    for name in require:
        if get(name) is None:
            problems.append(f"{name} is required and not set")

    zone = ZoneInfo("UTC")
    zone_name = get("INCIDENT_TIMEZONE") or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"INCIDENT_TIMEZONE={zone_name!r} is not an IANA time zone (e.g. Asia/Kolkata)")

    port = 3000
    port_text = get("PORT") or "3000"
    if port_text.isdigit() and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        problems.append(f"PORT={port_text!r} is not a TCP port number")

    reminders = parse_reminders(DEFAULT_REMINDERS)
    try:
        reminders = parse_reminders(get("INCIDENT_REMINDERS") or DEFAULT_REMINDERS)
    except ValueError as error:
        problems.append(f"INCIDENT_REMINDERS: {error}")

    languages = tuple(code.strip().lower() for code in (get("INCIDENT_LANGUAGES") or "en").split(",") if code.strip())
    public_name = get("INCIDENT_PUBLIC_NAME") or "our service"
    problems.extend(_wording_problems(languages, public_name))

    api_url = get("SLACK_API_URL") or DEFAULT_API_URL
    if not api_url.startswith(("http://", "https://")):
        problems.append(f"SLACK_API_URL={api_url!r} must be an http(s) URL")
    if not api_url.endswith("/"):
        api_url += "/"

    for name in ("INCIDENT_ANNOUNCE_CHANNEL", "INCIDENT_STATUS_CHANNEL"):
        value = get(name)
        if value is not None and not re.fullmatch(r"[CGD][A-Z0-9]{2,}", value):
            problems.append(f"{name}={value!r} must be a channel ID such as C0123ABCDEF, not a name")

    if problems:
        raise ConfigError("Cannot start: " + "; ".join(problems) + ".")
    return Settings(
        bot_token=get("SLACK_BOT_TOKEN"),
        signing_secret=get("SLACK_SIGNING_SECRET"),
        app_token=get("SLACK_APP_TOKEN"),
        api_url=api_url,
        database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        port=port,
        announce_channel=get("INCIDENT_ANNOUNCE_CHANNEL"),
        status_channel=get("INCIDENT_STATUS_CHANNEL"),
        zone=zone,
        public_name=public_name,
        languages=languages or ("en",),
        reminders=reminders,
    )


def _wording_problems(languages: tuple[str, ...], public_name: str) -> list[str]:
    """Languages must exist and be complete, and the public name must fit the short drafts."""
    from bot.domain.drafts import check_public_name
    from bot.domain.language import available_languages, check_languages

    known = available_languages()
    unknown = [code for code in languages if code not in known]
    if unknown:
        return [f"INCIDENT_LANGUAGES has {', '.join(unknown)}; available: {', '.join(known)}"]
    problems = []
    try:
        check_languages(languages)
    except ValueError as error:
        problems.append(f"INCIDENT_LANGUAGES: {error}")
    try:
        check_public_name(public_name)
    except ValueError as error:
        problems.append(f"INCIDENT_PUBLIC_NAME: {error}")
    return problems
