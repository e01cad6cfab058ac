"""The public status page and its feeds (docs/behaviour.md, Status page), served by the bot.

`StatusSite` (site.py) is a WSGI app for `GET /status`, `/status/history.atom|.rss` and the
Statuspage-compatible `/api/v2/*.json`: one indexed query each (`bot.storage.public`), built only
from published updates (`bot.domain.public`), rendered by Jinja2 templates shipped here
(autoescaped) or as JSON. No Slack, no sign-in, no JavaScript; ETag, Last-Modified and 304.
"""
