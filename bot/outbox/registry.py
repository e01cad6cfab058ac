"""Every kind of Slack work, found in `bot.outbox.kinds`: the one place that knows them all.

Each module of that package defines exactly one `Effect` subclass, a frozen dataclass with its
own `kind` value; two modules never store the same value. A module that breaks these rules stops
the bot at start-up (`KindError`) rather than leaving rows nobody can read.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from bot.outbox import kinds
from bot.outbox.effect import Effect


class KindError(TypeError):
    """A module of `bot.outbox.kinds` does not define exactly one effect with a kind of its own."""


def effect_of(module: ModuleType) -> type[Effect]:
    """The one `Effect` subclass `module` defines."""
    defined = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Effect) and value.__module__ == module.__name__
    ]
    if len(defined) != 1:
        raise KindError(f"{module.__name__} defines {len(defined)} effects, not one")
    [effect] = defined
    params = vars(effect).get("__dataclass_params__")  # set by @dataclass on this class itself
    if "kind" not in vars(effect) or params is None or not params.frozen:
        raise KindError(f"{effect.__name__} must be a frozen dataclass with a `kind` of its own")
    return effect


def discover(package: ModuleType) -> dict[str, type[Effect]]:
    """The effect of each module of `package`, by its stored kind."""
    found: dict[str, type[Effect]] = {}
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        effect = effect_of(importlib.import_module(f"{package.__name__}.{module_info.name}"))
        if effect.kind in found:
            raise KindError(f"{effect.__name__} and {found[effect.kind].__name__} both store {effect.kind!r}")
        found[effect.kind] = effect
    return found


KINDS: dict[str, type[Effect]] = discover(kinds)


def apart_lanes(kinds: dict[str, type[Effect]]) -> frozenset[str]:
    """The lanes that go apart from the rest of their incident's work (`Effect.lane_apart`)."""
    apart = {effect.lane for effect in kinds.values() if effect.lane_apart and effect.lane is not None}
    for effect in kinds.values():
        if effect.lane_apart and effect.lane is None:
            raise KindError(f"{effect.__name__} goes in a lane apart, but names no lane")
        if effect.lane in apart and not effect.lane_apart:
            raise KindError(f"{effect.__name__} goes in the lane {effect.lane!r}, apart for other kinds, not apart")
    return frozenset(apart)


def own_senders(kinds: dict[str, type[Effect]]) -> dict[str, frozenset[str]]:
    """The kinds each sender of its own sends (`Effect.own_sender`), by sender."""
    found: dict[str, set[str]] = {}
    for kind, effect in kinds.items():
        if effect.own_sender is not None:
            found.setdefault(effect.own_sender, set()).add(kind)
    return {sender: frozenset(members) for sender, members in found.items()}


OWN_SENDERS: dict[str, frozenset[str]] = own_senders(KINDS)
SENT_APART: frozenset[str] = frozenset().union(*OWN_SENDERS.values())  # every kind a sender of its own sends
# The lanes some kind waits for (`Effect.after`): settling work of one lets other work go.
AWAITED_LANES: frozenset[str] = frozenset(effect.after for effect in KINDS.values() if effect.after is not None)
APART_LANES: frozenset[str] = apart_lanes(KINDS)  # neither waiting for an incident's other work nor waited for
# The kinds whose first effect of an alert group, before the group has a message, goes before any
# other due work (`Effect.posts_first`, `bot.outbox.claims`).
POSTS_FIRST: frozenset[str] = frozenset(kind for kind, effect in KINDS.items() if effect.posts_first)
