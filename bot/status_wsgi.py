"""The `status` process's gunicorn target: `gunicorn bot.status_wsgi:application` (see the Procfile).

Serves the public status page, its feeds, the JSON API and its own `/healthz` (bot.status_page.app)
from the database the web process writes, so readers by the hundred thousand never touch the
process that answers Slack. It needs no Slack token: only what the page shows (DATABASE_URL,
INCIDENT_TIMEZONE, INCIDENT_PUBLIC_NAME, INCIDENT_LANGUAGES, INCIDENT_STATUS_URL), the same as the
web process has them. It migrates nothing and creates nothing: a database that is not the bot's
(not there, or not migrated) stops it with one line, since an empty page would tell readers all
is well (`bot.startup.status_problems`; the Procfile's config, `bot.gunicorn_status_config`,
checks the same in the master first and exits 2).
"""

from __future__ import annotations

from bot.clock import utc_now
from bot.logs import configure_logging
from bot.startup import GUNICORN_APP_LOAD_ERROR, refuse, status_problems
from bot.status_page.app import StatusHttp
from bot.status_page.site import StatusSite
from bot.storage.db import Database
from bot.subscribers import SubscriberService

settings, problems = status_problems()
if problems or settings is None:
    refuse(problems, exit_status=GUNICORN_APP_LOAD_ERROR)
configure_logging()
database = Database(settings.database_url)
forms = SubscriberService.from_settings(database, settings, clock=utc_now) if settings.subscriptions else None
application = StatusHttp(StatusSite(database, settings, clock=utc_now, subscriptions=forms), database)
