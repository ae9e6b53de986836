"""Group commit and idempotency: concurrent submits share transactions, a key never makes two SMS."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

from gsmgateway.core.errors import BatchValidationError, ConflictError
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import MessageQuery, SubmitRequest
from gsmgateway.wiring import Services
from tests.store.conftest import submit


def _req(text: str = "hello", client: str = "12", external_id: str | None = None) -> SubmitRequest:
    return SubmitRequest(text, client, None, None, external_id)


async def _count(stack: Services) -> int:
    page = await stack.messages.list(MessageQuery(None, None, None, None, None, None, 500))
    return len(page.items)


async def test_concurrent_submits_are_all_stored_with_distinct_ids(stack: Services, caller: Caller) -> None:
    results = await asyncio.gather(
        *(stack.messages.submit(_req(f"m{i}"), caller=caller, idempotency_key=None) for i in range(200))
    )
    ids = [view.id for view, created in results]
    assert all(created for _, created in results)
    assert len(set(ids)) == 200
    assert [view.message for view, _ in results] == [f"m{i}" for i in range(200)]  # each got its own row
    assert await _count(stack) == 200


async def test_same_key_concurrently_creates_one_message(stack: Services, caller: Caller) -> None:
    results = await asyncio.gather(
        *(stack.messages.submit(_req(), caller=caller, idempotency_key="k-1") for _ in range(20))
    )
    assert {view.id for view, _ in results} == {results[0][0].id}
    assert sum(created for _, created in results) == 1
    view, created = await stack.messages.submit(_req(), caller=caller, idempotency_key="k-1")
    assert (view.id, created) == (results[0][0].id, False)
    assert await _count(stack) == 1


async def test_same_key_with_other_body_conflicts_and_stores_nothing(stack: Services, caller: Caller) -> None:
    first, _ = await stack.messages.submit(_req("one"), caller=caller, idempotency_key="k")
    with pytest.raises(ConflictError, match=f"message {first.id}"):
        await stack.messages.submit(_req("two"), caller=caller, idempotency_key="k")
    same_batch = await asyncio.gather(
        stack.messages.submit(_req("a"), caller=caller, idempotency_key="k2"),
        stack.messages.submit(_req("b"), caller=caller, idempotency_key="k2"),
        return_exceptions=True,
    )
    assert sum(isinstance(r, ConflictError) for r in same_batch) == 1
    assert await _count(stack) == 2


async def test_external_id_is_an_idempotency_key_per_caller(
    stack: Services, caller: Caller, clock: object
) -> None:
    view = await submit(stack, caller, external_id="loan-77-reminder")
    again = await submit(stack, caller, external_id="loan-77-reminder")
    assert again.id == view.id
    other_key = await stack.api_keys.create(
        name="other", key_hash="f" * 64, scopes=frozenset(), now=view.created_at
    )
    other = await submit(stack, Caller(other_key, "other", frozenset()), external_id="loan-77-reminder")
    assert other.id != view.id  # keys are scoped to the caller


async def test_batch_is_all_or_nothing(stack: Services, caller: Caller) -> None:
    bad = [_req("ok"), _req(""), _req("ok", client="nobody"), _req("fine")]
    with pytest.raises(BatchValidationError) as caught:
        await stack.messages.submit_batch(bad, caller=caller)
    assert [index for index, _ in caught.value.items] == [1, 2]
    assert await _count(stack) == 0
    views = await stack.messages.submit_batch([_req(f"b{i}") for i in range(300)], caller=caller)
    assert [v.message for v in views] == [f"b{i}" for i in range(300)]
    assert {v.status for v in views} == {S.QUEUED}
    assert await _count(stack) == 300


async def test_batch_items_with_known_external_id_are_replays(stack: Services, caller: Caller) -> None:
    first = await submit(stack, caller, "hello", external_id="e-1")
    views = await stack.messages.submit_batch([_req("hello", external_id="e-1"), _req("new")], caller=caller)
    assert views[0].id == first.id
    assert await _count(stack) == 2
    with pytest.raises(BatchValidationError) as caught:
        await stack.messages.submit_batch([_req("x"), _req("changed", external_id="e-1")], caller=caller)
    assert [(i, type(e)) for i, e in caught.value.items] == [(1, ConflictError)]
    assert await _count(stack) == 2


async def test_concurrent_submits_share_transactions(stack: Services, caller: Caller) -> None:
    commits: list[object] = []

    def count(conn: object) -> None:
        commits.append(conn)

    event.listen(stack.database.write.sync_engine, "commit", count)
    try:
        await asyncio.gather(
            *(
                stack.messages.submit(_req(f"m{i}"), caller=caller, idempotency_key=f"k{i}")
                for i in range(100)
            )
        )
    finally:
        event.remove(stack.database.write.sync_engine, "commit", count)
    assert await _count(stack) == 100
    assert len(commits) < 50  # group commit: far fewer transactions than requests
