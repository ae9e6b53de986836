"""Workers claim the oldest due message by compare-and-set: never the same message twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from gsmgateway.core.models import MessageStatus as S
from gsmgateway.core.records import ClaimedMessage
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import MessageQuery
from gsmgateway.store.repository import MessageRepository
from gsmgateway.wiring import Services
from tests.store.conftest import Clock, StoreTarget, submit


async def test_claim_takes_oldest_due_and_records_attempt(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    later = await submit(stack, caller, "later", send_at=clock() + timedelta(hours=1))
    first = await submit(stack, caller, "first")
    clock.advance(timedelta(seconds=1))
    second = await submit(stack, caller, "second")
    claimed = await stack.dispatch.claim_next("modem-a")
    assert claimed == ClaimedMessage(
        id=first.id, number="+255712345678", text="first", attempt=1, parts_total=1
    )
    claimed2 = await stack.dispatch.claim_next("modem-b")
    assert claimed2 is not None
    assert claimed2.id == second.id
    assert await stack.dispatch.claim_next("modem-a") is None  # `later` is not due yet
    clock.advance(timedelta(hours=1))
    claimed3 = await stack.dispatch.claim_next("modem-a")
    assert claimed3 is not None
    assert claimed3.id == later.id
    detail = await stack.messages.get(first.id)
    assert detail.message.status is S.SENDING
    assert detail.message.modem_id == "modem-a"
    assert [(a.modem_id, a.attempt) for a in detail.attempts] == [("modem-a", 1)]


async def test_next_due_at_tells_workers_how_long_to_sleep(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    assert await stack.dispatch.next_due_at() is None
    due = clock() + timedelta(minutes=10)
    await submit(stack, caller, send_at=due)
    assert await stack.dispatch.next_due_at() == due
    clock.advance(timedelta(days=2))  # past its validity: unclaimable until the expiry job runs
    assert await stack.dispatch.claim_next("m1") is None
    assert await stack.dispatch.next_due_at() is None  # so no worker is woken for it


async def _drain(repo: MessageRepository, modem_id: str, clock: Clock, start: asyncio.Barrier) -> list[int]:
    """Claim until nothing is left; every claimer first takes one, then all race for the rest."""
    first = await repo.claim_next(modem_id, clock())
    await start.wait()
    got = [first.id] if first is not None else []
    while (claimed := await repo.claim_next(modem_id, clock())) is not None:
        got.append(claimed.id)
    return got


async def test_concurrent_claimers_on_separate_pools_never_share_a_message(
    stack: Services, caller: Caller, clock: Clock, target: StoreTarget
) -> None:
    ids = {(await submit(stack, caller, f"m{i}")).id for i in range(60)}
    second_pool = await target.open()
    try:
        repos = [MessageRepository(stack.database), MessageRepository(second_pool)]
        start = asyncio.Barrier(4)
        results = await asyncio.gather(*(_drain(repos[i % 2], f"modem-{i}", clock, start) for i in range(4)))
    finally:
        await second_pool.close()
    claimed = [message_id for result in results for message_id in result]
    assert sorted(claimed) == sorted(ids)  # every message claimed exactly once
    assert all(results)  # every claimer took part in the race
    page = await stack.messages.list(_query(limit=100))
    assert {m.status for m in page.items} == {S.SENDING}
    assert all(m.attempts == 1 for m in page.items)


def _query(limit: int) -> MessageQuery:
    return MessageQuery(None, None, None, None, None, None, limit)
