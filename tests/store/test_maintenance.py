"""Start-up recovery, validity and report-window expiry, retention."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.core.records import RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.wiring import Services
from tests.reports import deliver_report, inbound_sms
from tests.store.conftest import Clock, OpenStack, submit


async def _interrupted(stack: Services, caller: Caller, text: str, *, mrs: list[int], written: int) -> int:
    """Claim a message and record what a kill would leave: ``mrs`` answered, ``written`` more marked."""
    view = await submit(stack, caller, text)
    claimed = await stack.dispatch.claim_next("m1")
    assert claimed is not None
    assert claimed.id == view.id
    for part_no, mr in enumerate(mrs, start=1):
        await stack.dispatch.record_part_written(claimed, part_no, modem_id="m1")
        await stack.dispatch.record_part_sent(claimed, part_no, modem_id="m1", mr=mr)
    for extra in range(written):
        await stack.dispatch.record_part_written(claimed, len(mrs) + 1 + extra, modem_id="m1")
    return view.id


async def test_sending_at_restart_is_settled_by_what_its_parts_prove(stack: Services, caller: Caller) -> None:
    long = "x" * 400  # three GSM-7 parts
    nothing = await _interrupted(stack, caller, "killed before the prompt", mrs=[], written=0)
    maybe = await _interrupted(stack, caller, "killed after the PDU", mrs=[], written=1)
    partly = await _interrupted(stack, caller, long, mrs=[4], written=1)
    cut = await _interrupted(stack, caller, long, mrs=[5, 6], written=0)
    whole = await _interrupted(stack, caller, "killed before `sent`", mrs=[7], written=0)
    # the process dies here; the next start runs the recovery
    assert await stack.maintenance.recover_after_restart() == sorted([nothing, maybe, partly, cut, whole])
    expected = {
        nothing: (S.QUEUED, "restart: nothing had been written; requeued"),
        maybe: (S.UNKNOWN, "restart: interrupted while sending; the SMS may have left"),
        partly: (S.UNKNOWN, "restart: interrupted while sending; 1 of 3 parts sent, part 2 may have left"),
        cut: (S.FAILED, "restart: 2 of 3 parts sent, the rest never left"),
        whole: (S.SENT, "restart: every part had been sent"),
    }
    for message_id, (status, reason) in expected.items():
        detail = await stack.messages.get(message_id)
        assert (detail.message.status, detail.events[-1].reason) == (status, reason)
    assert (await stack.messages.get(nothing)).message.attempts == 0  # the attempt is given back
    claimed = await stack.dispatch.claim_next("m1")
    assert claimed is not None
    assert claimed.id == nothing  # only the one that provably never left is sent again
    assert await stack.maintenance.recover_after_restart() == [nothing]


async def test_at_least_once_requeues_what_may_have_left_but_never_a_half_sent_message(
    open_stack: OpenStack, make_config: Callable[..., GatewayConfig], clock: Clock
) -> None:
    base = make_config()
    services = await open_stack(replace(base, dispatch=replace(base.dispatch, at_least_once=True)))
    await services.directory.put(
        RecipientKind.CLIENT, "12", mobile="+255712345678", opted_out=False, name=None
    )
    key_id = await services.api_keys.create(name="p", key_hash="2" * 64, scopes=frozenset(), now=clock())
    caller = Caller(key_id, "p", frozenset())
    maybe = await _interrupted(services, caller, "may have left", mrs=[], written=1)
    half = await _interrupted(services, caller, "x" * 200, mrs=[7], written=1)
    assert await services.maintenance.recover_after_restart() == sorted([maybe, half])
    assert (await services.messages.get(maybe)).message.status is S.QUEUED
    claimed = await services.dispatch.claim_next("m1")
    assert claimed is not None
    assert (claimed.id, claimed.attempt) == (maybe, 2)
    detail = await services.messages.get(half)
    assert detail.message.status is S.UNKNOWN  # half on the air: never requeued from part 1
    assert [p.mr for p in detail.parts] == [7, None]


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


async def test_retention_prunes_processed_reports_but_keeps_pending_and_received_sms(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller)
    claimed = await stack.dispatch.claim_next("m1")
    assert claimed is not None
    await stack.dispatch.record_part_sent(claimed, 1, modem_id="m1", mr=3)
    await stack.dispatch.mark_sent(claimed, modem_id="m1")
    applied = await deliver_report(stack.collection, "m1", mr=3, number=view.number, scts=clock())
    waiting = await deliver_report(stack.collection, "m1", mr=99, number=view.number, scts=clock())
    (sms,) = await stack.collection.journal("m1", [inbound_sms()])
    clock.advance(timedelta(days=91))
    await stack.maintenance.apply_retention()
    assert await stack.collection.inbox.get(applied.id) is None
    assert await stack.collection.inbox.get(waiting.id) is not None  # still pending: never pruned
    assert await stack.collection.inbox.get(sms) is not None  # inbound processing's to keep
