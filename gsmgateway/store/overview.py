"""The counts behind the console's overview, each answered from an index without reading the table.

Each day's count of a status is a stretch of ``ix_messages_status_created`` (status, created_at, id);
"today by modem and status" is one range of ``ix_messages_created_status_modem`` (created_at,
status, modem_id); the queue figures use the ``(status, …)`` indexes the worker already needs, and
stop counting at :data:`COUNT_CAP`. Nothing walks the table: the cost follows the number of messages
of the last seven days, not how many are stored (``bench/console_pages.py`` measures both).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.models import MessageStatus
from gsmgateway.core.overview import ActivityFigures, DayFigures, QueueFigures
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import messages

#: Largest count the overview computes exactly; beyond it the page says "more than".
COUNT_CAP = 10_000


class OverviewQueries(Repository):
    """Read-only figures for the operator console."""

    async def activity(
        self, days: Sequence[tuple[date, datetime]], end: datetime, now: datetime
    ) -> ActivityFigures:
        """Return each day's counts by status, today's counts by modem, and the queue.

        :param days: each local day with the UTC moment it starts, oldest first; the last is today.
        :param end: when the last day ends (exclusive).
        """
        edges = [start for _, start in days] + [end]
        statuses = list(MessageStatus)
        # One statement of range counts, one per (status, day), each a stretch of
        # ix_messages_status_created: SQLite counts index entries without building groups, which
        # costs a fifth of one GROUP BY over the whole week.
        counts = select(
            *(
                select(func.count())
                .where(messages.c.status == status.value)
                .where(messages.c.created_at >= edges[i], messages.c.created_at < edges[i + 1])
                .scalar_subquery()
                for status in statuses
                for i in range(len(days))
            )
        )
        async with self._read() as conn:
            row = (await conn.execute(counts)).one()
            per_modem = await conn.execute(
                select(messages.c.modem_id, messages.c.status, func.count())
                .where(messages.c.created_at >= edges[-2], messages.c.created_at < end)
                .where(messages.c.modem_id.is_not(None))
                .group_by(messages.c.modem_id, messages.c.status)
            )
            modems: dict[str, dict[MessageStatus, int]] = {}
            for modem_id, status, count in per_modem:
                modems.setdefault(modem_id, {})[MessageStatus(status)] = int(count)
            queue = await self._queue(conn, now)
        tallies: list[dict[MessageStatus, int]] = [{} for _ in days]
        for index, count in enumerate(row):
            if count:
                tallies[index % len(days)][statuses[index // len(days)]] = int(count)
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
