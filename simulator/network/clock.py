"""The network's wall clock: turns the device's ``now`` (seconds, e.g. ``loop.time()``) into dates.

Time stamps in PDUs need a calendar date; the device only knows a monotonic float. Counting
from a fixed origin keeps every test reproducible.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

ORIGIN: Final = datetime(2026, 1, 1, tzinfo=UTC)


def network_time(now: float) -> datetime:
    """Return the network date for device time ``now`` (whole seconds, UTC)."""
    return ORIGIN + timedelta(seconds=int(max(now, 0.0)))


def text_mode_time(moment: datetime) -> str:
    """Format a time stamp as text mode shows it: ``yy/MM/dd,hh:mm:ss±zz`` (quarter hours)."""
    offset = moment.utcoffset() or timedelta()
    quarters = int(offset.total_seconds() // 900)
    return moment.strftime("%y/%m/%d,%H:%M:%S") + f"{quarters:+03d}"
