"""What the operator console's overview shows besides the modems: the queue and each day's outcomes.

Frozen values the store builds from a few index-only queries (``store/overview.py``) and the
console renders; counts are keyed by :class:`MessageStatus`, so a status added later is counted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from gsmgateway.core.models import MessageStatus

StatusCounts = Mapping[MessageStatus, int]


@dataclass(frozen=True, kw_only=True)
class QueueFigures:
    """How much is waiting, and for how long: what tells an operator that something is stuck.

    Counts stop at ``cap`` (the page says "more than"): counting a huge backlog exactly would cost
    a walk of the whole backlog on every refresh, and "more than 10,000" is all a person needs.
    """

    queued: int
    oldest_queued_at: datetime | None  # when the longest-waiting queued message was accepted
    due_later: int  # queued with a sendAt or a retry still in the future
    sending: int
    unknown: int
    cap: int


@dataclass(frozen=True, kw_only=True)
class DayFigures:
    """The messages accepted on one local day, counted by the status each has now."""

    day: date
    counts: StatusCounts = field(default_factory=dict)

    def count(self, *statuses: MessageStatus) -> int:
        """Return how many of the day's messages are in one of ``statuses``."""
        return sum(self.counts.get(status, 0) for status in statuses)

    @property
    def total(self) -> int:
        """Every message accepted that day."""
        return sum(self.counts.values())


@dataclass(frozen=True, kw_only=True)
class ActivityFigures:
    """Today's and the previous six days' outcomes, and today's per modem (oldest day first)."""

    days: tuple[DayFigures, ...]
    modems_today: Mapping[str, StatusCounts]
    queue: QueueFigures
