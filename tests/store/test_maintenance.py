"""Start-up recovery, validity and report-window expiry, retention."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.core.records import RecipientKind
from gsmgateway.messages.message_service import Caller
from gsmgateway.wiring import Services
from tests.store.conftest import Clock, OpenStack, submit


async def test_sending_at_restart_becomes_unknown_and_is_never_claimed_again(
    stack: Services, caller: Caller
) -> None:
    view = await submit(stack, caller)
    assert await stack.dispatch.claim_next("m1") is not None
    # the process dies here; the next start runs the recovery
    assert await stack.maintenance.recover_after_restart() == [view.id]
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.UNKNOWN
    assert detail.events[-1].reason == "restart: interrupted while sending"
    assert await stack.dispatch.claim_next("m1") is None
    assert await stack.maintenance.recover_after_restart() == []


async def test_at_least_once_requeues_sending_at_restart(
    open_stack: OpenStack, make_config: Callable[..., GatewayConfig], clock: Clock
) -> None:
    base = make_config()
    services = await open_stack(replace(base, dispatch=replace(base.dispatch, at_least_once=True)))
    await services.directory.put(
        RecipientKind.CLIENT, "12", mobile="+255712345678", opted_out=False, name=None
    )
    key_id = await services.api_keys.create(name="p", key_hash="2" * 64, scopes=frozenset(), now=clock())
    view = await submit(services, Caller(key_id, "p", frozenset()))
    await services.dispatch.claim_next("m1")
    assert await services.maintenance.recover_after_restart() == [view.id]
    claimed = await services.dispatch.claim_next("m1")
    assert claimed is not None
    assert claimed.attempt == 2

    # A multipart message whose first part left is half on the air: never requeued from part 1.
    half = await submit(services, Caller(key_id, "p", frozenset()), "x" * 200)
    half_claim = await services.dispatch.claim_next("m1")
    assert half_claim is not None
    assert half_claim.id == half.id
    await services.dispatch.record_part_sent(half_claim, 1, modem_id="m1", mr=7)
    # both are sending when the process dies again
    assert sorted(await services.maintenance.recover_after_restart()) == sorted([view.id, half.id])
    assert (await services.messages.get(view.id)).message.status is S.QUEUED
    detail = await services.messages.get(half.id)
    assert detail.message.status is S.UNKNOWN
    assert [p.mr for p in detail.parts] == [7]


async def test_unsent_messages_expire_after_validity(stack: Services, caller: Caller, clock: Clock) -> None:
    view = await submit(stack, caller)
    clock.advance(timedelta(hours=23))
    assert await stack.maintenance.expire_unsent() == []
    clock.advance(timedelta(hours=1))
    assert await stack.maintenance.expire_unsent() == [view.id]
    detail = await stack.messages.get(view.id)
    assert (detail.message.status, detail.message.status_reason) == (S.EXPIRED, "validity")
    assert await stack.dispatch.claim_next("m1") is None


async def test_validity_counts_from_send_at(stack: Services, caller: Caller, clock: Clock) -> None:
    view = await submit(stack, caller, send_at=clock() + timedelta(days=2))
    clock.advance(timedelta(days=2, hours=23))
    assert await stack.maintenance.expire_unsent() == []
    claimed = await stack.dispatch.claim_next("m1")
    assert claimed is not None
    assert claimed.id == view.id


async def test_retention_removes_text_of_done_messages_only(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    done = await submit(stack, caller, "secret balance 100")
    await stack.messages.cancel(done.id, caller=caller)
    waiting = await submit(stack, caller, "still queued", send_at=clock() + timedelta(days=30))
    clock.advance(timedelta(days=91))
    assert await stack.maintenance.apply_retention() == 1
    kept = await stack.messages.get(done.id)
    assert kept.message.message is None
    assert kept.message.number == "+255712345678"  # metadata stays
    assert len(kept.events) == 2
    assert (await stack.messages.get(waiting.id)).message.message == "still queued"
    assert await stack.maintenance.apply_retention() == 0
