"""The console's overview figures, counted on both engines from messages placed on known local days.

The expected numbers are written out by hand per day and status, not computed the way the store
computes them; the day boundaries are Nairobi's (UTC+3), so a message at 22:30 UTC counts as the
next local day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import QuietHours
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.messages.authentication import Caller
from gsmgateway.store.overview import COUNT_CAP
from gsmgateway.store.tables import messages
from gsmgateway.wiring import Services
from tests.store.conftest import Clock, OpenStack, submit

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday 12:00 in Nairobi


async def place(stack: Services, caller: Caller, clock: Clock, at: datetime, status: MessageStatus,
                modem: str | None = None) -> int:  # fmt: skip
    """Accept a message at ``at`` and give it ``status`` (and a modem) directly in the table."""
    clock.now = at
    view = await submit(stack, caller)
    async with stack.database.write.begin() as conn:
        await conn.execute(
            update(messages).where(messages.c.id == view.id).values(status=status.value, modem_id=modem)
        )
    return view.id


async def nairobi_stack(open_stack: OpenStack, make_config: Callable[..., GatewayConfig]) -> Services:
    """Open a second set of services on the test's store whose branch is in Nairobi."""
    return await open_stack(replace(make_config(), quiet_hours=QuietHours(timezone="Africa/Nairobi")))


async def test_days_are_local_and_counted_by_status(
    stack: Services,
    caller: Caller,
    clock: Clock,
    open_stack: OpenStack,
    make_config: Callable[..., GatewayConfig],
) -> None:
    branch = await nairobi_stack(open_stack, make_config)

    await place(
        stack, caller, clock, datetime(2026, 3, 2, 21, 0, tzinfo=UTC), S.DELIVERED
    )  # Mar 3 00:00 local
    await place(
        stack, caller, clock, datetime(2026, 3, 3, 20, 59, tzinfo=UTC), S.DELIVERED
    )  # Mar 3 23:59: first day
    await place(stack, caller, clock, datetime(2026, 3, 8, 20, 30, tzinfo=UTC), S.FAILED)  # Mar 8 23:30 local
    await place(
        stack, caller, clock, datetime(2026, 3, 8, 21, 30, tzinfo=UTC), S.DELIVERED, "m1"
    )  # Mar 9 00:30
    await place(stack, caller, clock, datetime(2026, 3, 9, 6, 0, tzinfo=UTC), S.SENT, "m1")
    await place(stack, caller, clock, datetime(2026, 3, 9, 7, 0, tzinfo=UTC), S.UNKNOWN, "m2")
    await place(stack, caller, clock, datetime(2026, 3, 9, 8, 0, tzinfo=UTC), S.FAILED, "m2")
    await place(stack, caller, clock, datetime(2026, 3, 9, 8, 30, tzinfo=UTC), S.QUEUED)
    clock.now = NOW

    figures = await branch.operator.activity()

    assert [str(day.day) for day in figures.days] == [f"2026-03-{d:02d}" for d in range(3, 10)]
    by_day = {str(day.day): dict(day.counts) for day in figures.days}
    assert by_day == {
        "2026-03-03": {S.DELIVERED: 2},  # the 21:00 UTC one is 00:00 local on the 3rd, the first day shown
        "2026-03-04": {}, "2026-03-05": {}, "2026-03-06": {}, "2026-03-07": {},
        "2026-03-08": {S.FAILED: 1},
        "2026-03-09": {S.DELIVERED: 1, S.SENT: 1, S.UNKNOWN: 1, S.FAILED: 1, S.QUEUED: 1},
    }  # fmt: skip
    assert {modem: dict(counts) for modem, counts in figures.modems_today.items()} == {
        "m1": {S.DELIVERED: 1, S.SENT: 1},
        "m2": {S.UNKNOWN: 1, S.FAILED: 1},
    }


async def test_queue_figures_count_what_waits_and_since_when(
    stack: Services, caller: Caller, clock: Clock
) -> None:

    first = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    await place(stack, caller, clock, first, S.QUEUED)
    await place(stack, caller, clock, first + timedelta(days=3), S.QUEUED)
    await place(stack, caller, clock, first + timedelta(days=4), S.SENDING, "m1")
    await place(stack, caller, clock, first + timedelta(days=5), S.UNKNOWN, "m1")
    clock.now = first + timedelta(days=6)
    later = await submit(stack, caller, send_at=clock.now + timedelta(hours=2))

    queue = (await stack.operator.activity()).queue

    assert later.status is S.QUEUED
    assert (queue.queued, queue.due_later, queue.sending, queue.unknown) == (3, 1, 1, 1)
    assert queue.oldest_queued_at == first


async def test_queue_counts_stop_at_the_cap(stack: Services, caller: Caller, clock: Clock) -> None:
    view = await submit(stack, caller)
    async with stack.database.write.begin() as conn:  # copies of one row, cheaper than submits
        row = dict((await conn.execute(messages.select().where(messages.c.id == view.id))).mappings().one())
        del row["id"]
        await conn.execute(messages.insert(), [row] * (COUNT_CAP + 5))
    queue = (await stack.operator.activity()).queue
    assert queue.queued == COUNT_CAP + 1  # one over the cap: the page says "more than 10,000"
    assert queue.cap == COUNT_CAP
