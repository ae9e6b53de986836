"""Preparing the heap for serving: start-up objects leave the collector's generations."""

from __future__ import annotations

import gc
import sys

from gsmgateway.heap import (
    OLDER_THRESHOLDS,
    SWITCH_INTERVAL_SECONDS,
    YOUNG_THRESHOLD,
    prepare_heap_for_serving,
)


def test_objects_alive_at_start_up_are_frozen_and_later_ones_are_not() -> None:
    before = [object()]  # a tracked container made "at start-up"
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # CPython's default, whatever an earlier test left
    try:
        frozen = prepare_heap_for_serving()
        after = [object()]
        assert frozen == gc.get_freeze_count() > 0
        tracked = gc.get_objects()
        assert not any(o is before for o in tracked)
        assert any(o is after for o in tracked)
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
        assert sys.getswitchinterval() == SWITCH_INTERVAL_SECONDS
    finally:
        gc.unfreeze()  # the test process must keep collecting normally
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(interval)
    assert any(o is before for o in gc.get_objects())
