"""The counts behind the console's overview, read from small tables and indexes, never a walk of messages.

Each day's counts by status, and today's by modem, are sums over ``message_counts`` (a row per
quarter hour, status and modem, kept by triggers in the transaction of every change to
``messages``: migration 0008): a week is at most 672 buckets whatever the number of messages. The
queue figures use the ``(status, …)`` indexes the worker already needs, and stop counting at
:data:`COUNT_CAP`. ``bench/console_pages.py`` measures both a million messages over 90 days and a
million within the last seven.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.models import MessageStatus
from gsmgateway.core.overview import ActivityFigures, DayFigures, QueueFigures
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import COUNT_BUCKET_MICROS, message_counts, messages, to_micros

#: Largest count the overview computes exactly; beyond it the page says "more than".
COUNT_CAP = 10_000
_C = message_counts.c


def bucket_of(moment: datetime) -> int:
    """Return the ``message_counts`` bucket that starts at or before ``moment``.

    Local midnight is a bucket's start in every zone whose offset is whole quarter hours (all in
    use today; tests/store/test_message_counts.py checks the zone database), so a day is whole buckets.
    """
    return to_micros(moment) // COUNT_BUCKET_MICROS


class OverviewQueries(Repository):
    """Read-only figures for the operator console."""

    async def activity(
        self, days: Sequence[tuple[date, datetime]], end: datetime, now: datetime
    ) -> ActivityFigures:
        """Return each day's counts by status, today's counts by modem, and the queue.

        :param days: each local day with the UTC moment it starts, oldest first; the last is today.
        :param end: when the last day ends (exclusive).
        """
        edges = [bucket_of(start) for _, start in days] + [bucket_of(end)]
        day_index = case(*((_C.bucket < edge, index) for index, edge in enumerate(edges[1:])))
        in_week = and_(_C.bucket >= edges[0], _C.bucket < edges[-1])
        async with self._read() as conn:
            per_day = await conn.execute(
                select(day_index, _C.status, func.sum(_C.tally)).where(in_week).group_by(day_index, _C.status)
            )
            tallies: list[dict[MessageStatus, int]] = [{} for _ in days]
            for index, status, count in per_day:
                if count:
                    tallies[index][MessageStatus(status)] = int(count)
            per_modem = await conn.execute(
                select(_C.modem_id, _C.status, func.sum(_C.tally))
                .where(_C.bucket >= edges[-2], _C.bucket < edges[-1], _C.modem_id != "")
                .group_by(_C.modem_id, _C.status)
            )
            modems: dict[str, dict[MessageStatus, int]] = {}
            for modem_id, status, count in per_modem:
                if count:
                    modems.setdefault(modem_id, {})[MessageStatus(status)] = int(count)
            queue = await self._queue(conn, now)
        return ActivityFigures(
            days=tuple(
                DayFigures(day=day, counts=tally) for (day, _), tally in zip(days, tallies, strict=True)
            ),
            modems_today=modems,
            queue=queue,
        )

    async def _queue(self, conn: AsyncConnection, now: datetime) -> QueueFigures:
        async def capped(*conditions: ColumnElement[bool]) -> int:
            inner = select(literal(1)).where(and_(*conditions)).limit(COUNT_CAP + 1).subquery()
            return int(await conn.scalar(select(func.count()).select_from(inner)) or 0)

        queued_status = messages.c.status == MessageStatus.QUEUED.value
        oldest = await conn.scalar(select(func.min(messages.c.created_at)).where(queued_status))
        return QueueFigures(
            queued=await capped(queued_status),
            oldest_queued_at=oldest,
            due_later=await capped(queued_status, messages.c.not_before > now),
            sending=await capped(messages.c.status == MessageStatus.SENDING.value),
            unknown=await capped(messages.c.status == MessageStatus.UNKNOWN.value),
            cap=COUNT_CAP,
        )
