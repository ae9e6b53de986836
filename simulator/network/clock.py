"""The service centre's clock: turns the device's ``now`` (seconds, e.g. ``loop.time()``) into dates.

Time stamps in PDUs (TP-SCTS, TP-DT) need a calendar date; the device only knows a monotonic
float. A clock maps it onto a date from a fixed origin (so unit tests are reproducible) or onto the
wall clock (:meth:`NetworkClock.from_wall_clock`, what a running simulator uses, so a gateway can
compare a report's TP-SCTS with its own submit time), in the SMSC's time zone and with the skew a
real SMSC clock has. The 23.040 time stamp has one-second resolution: fractions are dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

ORIGIN: Final = datetime(2026, 1, 1, tzinfo=UTC)
#: Widest UTC offset a TP-SCTS can carry (23.040 §9.2.3.11: quarter hours, 7 bits).
MAX_OFFSET: Final = timedelta(hours=19, minutes=45)


@dataclass(frozen=True)
class NetworkClock:
    """``origin`` is the network date at device time 0; ``utc_offset`` the zone stamps are written in."""

    origin: datetime = ORIGIN
    utc_offset: timedelta = timedelta()

    def __post_init__(self) -> None:
        """Refuse a zone the time stamp cannot carry or that is not whole quarter hours."""
        if abs(self.utc_offset) > MAX_OFFSET or self.utc_offset % timedelta(minutes=15):
            raise ValueError("the SMSC's UTC offset must be whole quarter hours within ±19:45")

    @classmethod
    def from_wall_clock(
        cls, device_now: float, *, skew: float = 0.0, utc_offset: timedelta = timedelta()
    ) -> NetworkClock:
        """Return a clock that reads the wall clock (plus ``skew`` seconds) at device time ``device_now``."""
        wall = datetime.fromtimestamp(time.time() + skew, UTC)
        return cls(origin=wall - timedelta(seconds=device_now), utc_offset=utc_offset)

    def at(self, now: float) -> datetime:
        """Return the network date for device time ``now`` (whole seconds, in the SMSC's zone)."""
        moment = self.origin + timedelta(seconds=now)
        moment = moment.astimezone(timezone(self.utc_offset)).replace(microsecond=0)
        return moment


def text_mode_time(moment: datetime) -> str:
    """Format a time stamp as text mode shows it: ``yy/MM/dd,hh:mm:ss±zz`` (quarter hours)."""
    offset = moment.utcoffset() or timedelta()
    quarters = int(offset.total_seconds() // 900)
    return moment.strftime("%y/%m/%d,%H:%M:%S") + f"{quarters:+03d}"
