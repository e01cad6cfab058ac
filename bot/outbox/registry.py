"""Every kind of Slack work, found in `bot.outbox.kinds`: the one place that knows them all.

Each module of that package defines exactly one `Payload` subclass, a frozen dataclass with its
own `kind` value; two modules never store the same value. A module that breaks these rules stops
the bot at start-up (`KindError`) rather than leaving rows nobody can read.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from bot.outbox import kinds
from bot.outbox.payload import Payload


class KindError(TypeError):
    """A module of `bot.outbox.kinds` does not define exactly one payload with a kind of its own."""


def payload_of(module: ModuleType) -> type[Payload]:
    """The one `Payload` subclass `module` defines."""
    defined = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Payload) and value.__module__ == module.__name__
    ]
    if len(defined) != 1:
        raise KindError(f"{module.__name__} defines {len(defined)} payloads, not one")
    [payload] = defined
    params = vars(payload).get("__dataclass_params__")  # set by @dataclass on this class itself
    if "kind" not in vars(payload) or params is None or not params.frozen:
        raise KindError(f"{payload.__name__} must be a frozen dataclass with a `kind` of its own")
    return payload


def discover(package: ModuleType) -> dict[str, type[Payload]]:
    """The payload of each module of `package`, by its stored kind."""
    found: dict[str, type[Payload]] = {}
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        payload = payload_of(importlib.import_module(f"{package.__name__}.{module_info.name}"))
        if payload.kind in found:
            raise KindError(f"{payload.__name__} and {found[payload.kind].__name__} both store {payload.kind!r}")
        found[payload.kind] = payload
    return found


KINDS: dict[str, type[Payload]] = discover(kinds)
