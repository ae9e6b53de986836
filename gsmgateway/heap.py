"""One start-up step for a long-running process: take the start-up heap out of the collector's sight.

CPython's full (generation 2) collection walks every tracked object. In the daemon most of them
are made at start-up and live until exit (modules, SQLAlchemy metadata and compiled statements,
aiohttp routes); walking them took about 40 ms, and it fell inside whichever request was running
at the time — a 500-item ``GET /sms`` page, say. :func:`freeze_startup_objects` collects once and
then :func:`gc.freeze` moves the survivors to the permanent generation, so later full collections
walk only what was made since. Call it once, after everything is built and before serving.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect garbage, then freeze everything still alive; return how many objects were frozen.

    Objects frozen here are never collected, which is right only for what lives as long as the
    process: call this once at start-up, not per request or per test.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
