"""Settings, read once from the environment by the entry points (docs/behaviour.md, Running it).

`load_settings(environ, require=...)` checks everything at start-up and names every
variable that is missing or wrong in one error, so a deployment fails fast and says why:
`ConfigError.problems` holds one line per problem, each naming the variable and showing a
correct value (`bot.variables.problem`). Secrets are never repeated in them.

`DATABASE_URL` may be written the way hosting platforms set it (`postgres://...`, Heroku
and Render; `postgresql://...`): both mean PostgreSQL through psycopg 3.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.alert_rules import Rules, RulesError, read_rules
from bot.domain.alert_tokens import AlertToken, read_tokens
from bot.domain.catalog import Catalog, CatalogError, read_catalog
from bot.domain.durations import parse_length
from bot.domain.paging import DEFAULT_ESCALATE_AFTER
from bot.mail_settings import SmtpServer, mail_settings
from bot.variables import (
    DEFAULT_API_URL,
    DEFAULT_DATABASE_URL,
    DEFAULT_PAGERDUTY_EVENTS_URL,
    DEFAULT_REMINDERS,
    problem,
)


class ConfigError(Exception):
    """The environment cannot run the bot; `problems` has one line per variable at fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Cannot start: " + "; ".join(problems) + ".")
        self.problems = problems


TOKEN_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


def database_url(text: str) -> str:
    """The SQLAlchemy URL for `text`; `postgres://` and `postgresql://` mean psycopg 3.

    Raises ValueError with the reason when the bot cannot use it.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    for prefix in ("postgres://", "postgresql://"):
        if text.startswith(prefix):
            text = "postgresql+psycopg://" + text.removeprefix(prefix)
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise ValueError("is not a database URL") from None
    if url.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise ValueError(f"uses {url.drivername!r}: only sqlite and postgresql work")
    return text


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
    status_url: str | None = None  # the status page's public address: its feeds' and JSON's absolute links
    status_page_on_web: bool = True  # INCIDENT_STATUS_PAGE=web; `separate`: a status process or an export serves it
    alert_tokens: tuple[AlertToken, ...] = ()  # INCIDENT_ALERT_TOKENS: none, and no alert is accepted
    alert_channel: str | None = None  # INCIDENT_ALERT_CHANNEL: where new groups of alerts are triaged
    alert_rules: Rules = field(default_factory=Rules)  # INCIDENT_ALERT_RULES
    catalog: Catalog = field(default_factory=Catalog)  # INCIDENT_CATALOG: the components incidents affect
    page_escalate_after: timedelta = DEFAULT_ESCALATE_AFTER  # INCIDENT_PAGE_ESCALATE_AFTER: a page unanswered
    pagerduty_events_url: str = DEFAULT_PAGERDUTY_EVENTS_URL  # where a component's PagerDuty events go
    smtp: SmtpServer | None = None  # SMTP_URL: set, mail subscriptions are enabled
    mail_from: str | None = None  # INCIDENT_MAIL_FROM, as a From header
    secret_key: str | None = None  # INCIDENT_SECRET_KEY: signs the subscribers' links
    proxy_hops: int = 0  # INCIDENT_PROXY_HOPS: proxies in front that append to X-Forwarded-For
    guests_read: bool = False  # INCIDENT_GUESTS_READ: workspace guests may read list, timeline, stats

    @property
    def subscriptions(self) -> bool:
        """Mail subscriptions are enabled (the form shows on the status page)."""
        return self.smtp is not None

    def __repr__(self) -> str:  # secrets never reach logs, not even through a repr
        shown = {
            "api_url": self.api_url,
            "database_url": _redact_url(self.database_url),
            "port": self.port,
            "zone": self.zone.key,
            "languages": self.languages,
            "status_url": self.status_url,
            "smtp": self.smtp,
        }
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())}, secrets=<redacted>)"

    def reminder_after(self, severity: int) -> timedelta | None:
        return self.reminders.get(severity)


def _redact_url(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


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
        try:
            cadence[int(key[3])] = parse_length(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a duration such as 30m, 2h, 90s or off") from None
    return cadence


def status_url(text: str) -> str:
    """The status page's public address as readers open it; raises ValueError saying why not."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError("is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("is not an http(s) address")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError("has a query or a fragment: give the page's own address")
    return text


DEFAULTS = Settings()  # what an unset variable means: stated once, in Settings' fields


def load_settings(environ: Mapping[str, str], *, require: Iterable[str] = ()) -> Settings:
    """Read and check every setting; raise ConfigError naming each bad or missing variable."""
    problems: list[str] = []

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    for name in require:
        if get(name) is None:
            problems.append(problem(name, "is required and not set"))

    zone = DEFAULTS.zone
    zone_name = get("INCIDENT_TIMEZONE") or DEFAULTS.zone.key
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(problem("INCIDENT_TIMEZONE", "is not an IANA time zone", zone_name))

    port = DEFAULTS.port
    port_text = get("PORT") or str(DEFAULTS.port)
    if port_text.isdigit() and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        problems.append(problem("PORT", "is not a TCP port number (1-65535)", port_text))

    reminders = DEFAULTS.reminders
    try:
        reminders = parse_reminders(get("INCIDENT_REMINDERS") or DEFAULT_REMINDERS)
    except ValueError as error:
        problems.append(problem("INCIDENT_REMINDERS", f"is not valid: {error}", get("INCIDENT_REMINDERS")))

    escalate_after = DEFAULTS.page_escalate_after
    try:
        escalate_after = parse_length(get("INCIDENT_PAGE_ESCALATE_AFTER") or "5m")
    except ValueError:
        why = "is not a duration such as 90s, 5m or 1h"
        problems.append(problem("INCIDENT_PAGE_ESCALATE_AFTER", why, get("INCIDENT_PAGE_ESCALATE_AFTER")))

    language_text = get("INCIDENT_LANGUAGES") or ",".join(DEFAULTS.languages)
    languages = tuple(code.strip().lower() for code in language_text.split(",") if code.strip())
    public_name = get("INCIDENT_PUBLIC_NAME") or DEFAULTS.public_name
    problems.extend(_wording_problems(languages, public_name))

    api_url = get("SLACK_API_URL") or DEFAULTS.api_url
    if not api_url.startswith(("http://", "https://")):
        problems.append(problem("SLACK_API_URL", "is not an http(s) URL", api_url))
    if not api_url.endswith("/"):
        api_url += "/"
    pagerduty_url = get("INCIDENT_PAGERDUTY_EVENTS_URL") or DEFAULT_PAGERDUTY_EVENTS_URL
    if not pagerduty_url.startswith(("http://", "https://")):
        problems.append(problem("INCIDENT_PAGERDUTY_EVENTS_URL", "is not an http(s) URL", pagerduty_url))

    for name in ("INCIDENT_ANNOUNCE_CHANNEL", "INCIDENT_STATUS_CHANNEL", "INCIDENT_ALERT_CHANNEL"):
        value = get(name)
        if value is not None and not re.fullmatch(r"[CGD][A-Z0-9]{2,}", value):
            problems.append(problem(name, "is not a channel ID (see the channel's details, at the bottom)", value))

    for name, prefix in TOKEN_PREFIXES.items():
        token = get(name)
        if token is not None and not token.startswith(prefix):
            shown = f"it starts with {token[:5]!r}" if re.fullmatch(r"x[a-z]{3}-", token[:5]) else "it does not"
            problems.append(problem(name, f"must start with {prefix} ({shown})"))

    public_address = get("INCIDENT_STATUS_URL")
    if public_address is not None:
        try:
            status_url(public_address)
        except ValueError as error:
            problems.append(problem("INCIDENT_STATUS_URL", str(error), public_address))

    where = (get("INCIDENT_STATUS_PAGE") or "web").lower()
    if where not in ("web", "separate"):
        problems.append(problem("INCIDENT_STATUS_PAGE", "is not web or separate", where))
    mail = mail_settings(get, public_address, problems)
    hops_text = get("INCIDENT_PROXY_HOPS") or "0"
    if not hops_text.isdigit() or int(hops_text) > 10:
        problems.append(problem("INCIDENT_PROXY_HOPS", "is not a number of proxies (0-10)", hops_text))

    guests_read_text = (get("INCIDENT_GUESTS_READ") or "false").lower()
    if guests_read_text not in ("true", "false"):
        problems.append(problem("INCIDENT_GUESTS_READ", "is not true or false", guests_read_text))

    database = DEFAULTS.database_url
    try:
        database = database_url(get("DATABASE_URL") or DEFAULTS.database_url)
    except ValueError as error:
        problems.append(problem("DATABASE_URL", str(error), _redact_url(get("DATABASE_URL") or "")))

    alert_tokens: tuple[AlertToken, ...] = ()
    try:
        alert_tokens = read_tokens(get("INCIDENT_ALERT_TOKENS") or "")
    except ValueError as error:  # never repeats a secret
        problems.append(problem("INCIDENT_ALERT_TOKENS", str(error)))

    alert_rules = DEFAULTS.alert_rules
    rules_path = get("INCIDENT_ALERT_RULES")
    if rules_path is not None:
        try:
            alert_rules = read_rules(read_file("INCIDENT_ALERT_RULES", rules_path))
        except RulesError as error:  # one line per mistake, each naming its rule
            problems.extend(f"INCIDENT_ALERT_RULES={rules_path!r}: {line}" for line in error.problems)
        except ValueError as error:
            problems.append(str(error))

    catalog = DEFAULTS.catalog
    catalog_path = get("INCIDENT_CATALOG")
    if catalog_path is not None:
        try:
            catalog = read_catalog(read_file("INCIDENT_CATALOG", catalog_path))
        except CatalogError as error:  # one line per mistake, each naming its component
            problems.extend(f"INCIDENT_CATALOG={catalog_path!r}: {line}" for line in error.problems)
        except ValueError as error:
            problems.append(str(error))

    if problems:
        raise ConfigError(problems)
    return Settings(
        bot_token=get("SLACK_BOT_TOKEN"),
        signing_secret=get("SLACK_SIGNING_SECRET"),
        app_token=get("SLACK_APP_TOKEN"),
        api_url=api_url,
        database_url=database,
        port=port,
        announce_channel=get("INCIDENT_ANNOUNCE_CHANNEL"),
        status_channel=get("INCIDENT_STATUS_CHANNEL"),
        zone=zone,
        public_name=public_name,
        languages=languages or DEFAULTS.languages,
        reminders=reminders,
        status_url=public_address,
        status_page_on_web=where == "web",
        alert_tokens=alert_tokens,
        alert_channel=get("INCIDENT_ALERT_CHANNEL"),
        alert_rules=alert_rules,
        catalog=catalog,
        page_escalate_after=escalate_after,
        pagerduty_events_url=pagerduty_url,
        smtp=mail[0],
        mail_from=mail[1],
        secret_key=get("INCIDENT_SECRET_KEY"),
        proxy_hops=int(hops_text) if hops_text.isdigit() else 0,
        guests_read=guests_read_text == "true",
    )


def read_file(name: str, path: str) -> str:
    """The text of the file a setting names (relative to the directory the bot starts in); raises
    ValueError with the one line saying why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(problem(name, f"names a file that does not exist (from {Path.cwd()})", path)) from None
    except IsADirectoryError:
        raise ValueError(problem(name, "names a folder, not a file", path)) from None
    except UnicodeDecodeError:
        raise ValueError(problem(name, "is not a UTF-8 text file", path)) from None
    except OSError as error:
        raise ValueError(problem(name, f"cannot be read ({error.strerror})", path)) from None


def _wording_problems(languages: tuple[str, ...], public_name: str) -> list[str]:
    """Languages must exist and be complete, and the public name must fit the short drafts."""
    from bot.domain.drafts import check_public_name
    from bot.domain.language import available_languages, check_languages

    known = available_languages()
    unknown = [code for code in languages if code not in known]
    if unknown:
        return [problem("INCIDENT_LANGUAGES", f"has {', '.join(unknown)}; available: {', '.join(known)}")]
    problems = []
    try:
        check_languages(languages)
    except ValueError as error:
        problems.append(problem("INCIDENT_LANGUAGES", f"cannot be used: {error}"))
    try:
        check_public_name(public_name)
    except ValueError:
        problems.append(
            problem("INCIDENT_PUBLIC_NAME", f"is too long ({len(public_name)} characters) for 280-character drafts")
        )
    return problems
