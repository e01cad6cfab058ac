"""The web process's gunicorn hooks (`bot.gunicorn_config`) that a unit can check: the worker's
start-up heap frozen once its app is loaded."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.gunicorn_config import post_worker_init


class Part:
    """A start-up object the collector tracks."""

    def __init__(self) -> None:
        self.other: Part | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()  # this test process goes on collecting as before


def test_a_loaded_worker_leaves_its_start_up_objects_out_of_every_later_collection(unfrozen: None) -> None:
    kept = Part()
    post_worker_init(object())
    assert gc.get_freeze_count() > 0
    assert not any(tracked is kept for tracked in gc.get_objects())  # no later pass walks it
    made_later = Part()
    assert any(tracked is made_later for tracked in gc.get_objects())


def test_what_start_up_left_as_garbage_is_collected_before_the_freeze_not_kept_for_good(unfrozen: None) -> None:
    first, second = Part(), Part()
    first.other, second.other = second, first  # a cycle only the collector frees
    gone = weakref.ref(first)
    del first, second
    post_worker_init(object())
    assert gone() is None
