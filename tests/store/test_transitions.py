"""The single writer of status: compare-and-set moves, refused moves, and the event trail."""

from __future__ import annotations

import pytest

from gsmgateway.core.errors import MessageNotFoundError, StaleTransitionError
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.messages.authentication import Caller
from gsmgateway.store.repository import MessageRepository
from gsmgateway.wiring import Services
from tests.store.conftest import Clock, submit


async def test_transition_moves_status_and_appends_event(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller)
    repo = MessageRepository(stack.database)
    await repo.transition(view.id, S.QUEUED, S.CANCELLED, now=clock(), reason="by test")
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.CANCELLED
    assert [(e.from_status, e.to_status) for e in detail.events] == [
        (None, S.QUEUED),
        (S.QUEUED, S.CANCELLED),
    ]
    assert detail.events[-1].reason == "by test"
    assert detail.message.status_reason == "by test"


async def test_transition_from_wrong_status_is_stale_and_changes_nothing(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller)
    repo = MessageRepository(stack.database)
    with pytest.raises(StaleTransitionError, match="is queued, not sending"):
        await repo.transition(view.id, S.SENDING, S.SENT, now=clock())
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.QUEUED
    assert len(detail.events) == 1


@pytest.mark.parametrize(
    ("from_", "to"), [(S.UNKNOWN, S.SENDING), (S.DELIVERED, S.QUEUED), (S.QUEUED, S.SENT), (S.SENT, S.QUEUED)]
)
async def test_moves_outside_the_table_are_refused_before_touching_the_row(
    stack: Services, caller: Caller, clock: Clock, from_: S, to: S
) -> None:
    view = await submit(stack, caller)
    with pytest.raises(StaleTransitionError, match="not allowed"):
        await MessageRepository(stack.database).transition(view.id, from_, to, now=clock())
    assert (await stack.messages.get(view.id)).message.status is S.QUEUED


async def test_transition_of_missing_message_is_not_found(stack: Services, clock: Clock) -> None:
    with pytest.raises(MessageNotFoundError):
        await MessageRepository(stack.database).transition(999, S.QUEUED, S.CANCELLED, now=clock())


async def test_cancel_only_while_queued(stack: Services, caller: Caller) -> None:
    view = await submit(stack, caller)
    cancelled = await stack.messages.cancel(view.id, caller=caller)
    assert cancelled.status is S.CANCELLED
    with pytest.raises(StaleTransitionError):
        await stack.messages.cancel(view.id, caller=caller)
    claimed_view = await submit(stack, caller)
    claimed = await stack.dispatch.claim_next("m1")
    assert claimed is not None
    assert claimed.id == claimed_view.id
    with pytest.raises(StaleTransitionError):
        await stack.messages.cancel(claimed.id, caller=caller)
    with pytest.raises(MessageNotFoundError):
        await stack.messages.cancel(12345, caller=caller)
