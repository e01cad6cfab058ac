"""The gunicorn target: `gunicorn bot.wsgi:application` (see the Procfile).

The only module that builds the app at import time. Each gunicorn worker process imports it,
so each gets its own outbox sender thread (do not use --preload: threads do not survive fork).
A setting problem prints one line each and exits with status 4, gunicorn's "App failed to
load", so gunicorn stops instead of booting workers again and again (the Procfile's config,
`bot.gunicorn_config`, checks the same in the master first and exits 2).
"""

from __future__ import annotations

from bot.runtime import build
from bot.startup import WEB_REQUIRES, start

GUNICORN_APP_LOAD_ERROR = 4

runtime = build(start(WEB_REQUIRES, exit_status=GUNICORN_APP_LOAD_ERROR)).start_background()
runtime.identity.resolve()
application = runtime.wsgi()
