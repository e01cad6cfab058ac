"""The gunicorn target: `gunicorn bot.wsgi:application` (see the Procfile).

The only module that builds the app at import time. Each gunicorn worker process imports it,
so each gets its own outbox sender thread (do not use --preload: threads do not survive fork),
stopped when gunicorn stops the worker (`bot.gunicorn_config.worker_exit`).
A setting problem prints one line each and exits with status 4, gunicorn's "App failed to
load", so gunicorn stops instead of booting workers again and again (the Procfile's config,
`bot.gunicorn_config`, checks the same in the master first and exits 2). The worker serves
nothing, `/healthz` included, before this module is imported: by then the token was checked,
the members synced (or 2 s passed) and the first statements warmed (`bot.warm`).
"""

from __future__ import annotations

import os
import sys

from bot.runtime import build
from bot.slack.identity import TokenRejected
from bot.startup import GUNICORN_APP_LOAD_ERROR, GUNICORN_WORKER_BOOT_ERROR, WEB_REQUIRES, start

runtime = build(start(WEB_REQUIRES, exit_status=GUNICORN_APP_LOAD_ERROR)).start_background()
try:
    runtime.check_token()
except TokenRejected as refused:  # one line, then the master stops instead of booting workers forever
    print(refused, file=sys.stderr)
    raise SystemExit(GUNICORN_WORKER_BOOT_ERROR) from None
application = runtime.wsgi(multiprocess_metrics=bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")))
threads = os.environ.get("WEB_THREADS", "")  # the Procfile's --threads
runtime.warm_up(request_threads=int(threads) if threads.isdigit() else 8)  # before gunicorn serves /healthz
