"""The gunicorn target: `gunicorn bot.wsgi:application` (see the Procfile).

The only module that builds the app at import time. Each gunicorn worker process imports it,
so each gets its own outbox sender thread (do not use --preload: threads do not survive fork).
"""

from __future__ import annotations

import os
import sys

from dotenv import load_dotenv

from bot.config import load_settings
from bot.logs import configure_logging
from bot.runtime import build
from bot.slack.identity import TokenRejected

load_dotenv()
configure_logging()
runtime = build(load_settings(os.environ, require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))).start_background()
try:
    runtime.check_token()
except TokenRejected as refused:  # one line, then gunicorn's "worker failed to boot" (3): the master stops
    print(refused, file=sys.stderr)
    raise SystemExit(3) from None
application = runtime.wsgi(multiprocess_metrics=bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")))
