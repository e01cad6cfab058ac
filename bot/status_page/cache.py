"""Rendered answers kept per route and language, keyed by the database's public version.

A page is rendered once per change rather than once per request: an answer is served again only
while `bot.storage.public.version` is still the version read before its data was (so it shows at
least everything up to that version: never stale, in any process), and, for `/status`, until
its oldest resolved incident leaves the 90-day window. Bounded (least recently used first out);
safe to share between threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

MAX_ANSWERS = 64


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    modified: datetime | None  # the latest published update or correction shown
    until: datetime | None = None  # what it shows changes by itself after this time (None: never)
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "etag", '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"')


Key = tuple[str, str]  # route, language


class AnswerCache:
    def __init__(self, size: int = MAX_ANSWERS) -> None:
        self.size = size
        self._answers: OrderedDict[Key, tuple[int, Answer]] = OrderedDict()
        self._lock = threading.Lock()
        self.rendering = threading.Lock()  # one render at a time: a burst of readers after a change waits for it

    def get(self, key: Key, version: int | None, now: datetime) -> Answer | None:
        if version is None:
            return None
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                return None
            kept, answer = found
            if kept < version or (answer.until is not None and now > answer.until):
                return None
            self._answers.move_to_end(key)
            return answer

    def put(self, key: Key, version: int | None, answer: Answer) -> None:
        if version is None:
            return
        with self._lock:
            found = self._answers.get(key)
            if found is not None and found[0] > version:
                return  # a newer one is already kept
            self._answers[key] = (version, answer)
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
