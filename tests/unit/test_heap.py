"""Freezing the start-up heap: what is alive then leaves the collector's generations."""

from __future__ import annotations

import gc

from gsmgateway.heap import freeze_startup_objects


def test_objects_alive_at_start_up_are_frozen_and_later_ones_are_not() -> None:
    before = [object()]  # a tracked container made "at start-up"
    try:
        frozen = freeze_startup_objects()
        after = [object()]
        assert frozen == gc.get_freeze_count() > 0
        tracked = gc.get_objects()
        assert not any(o is before for o in tracked)
        assert any(o is after for o in tracked)
    finally:
        gc.unfreeze()  # the test process must keep collecting normally
    assert any(o is before for o in gc.get_objects())
