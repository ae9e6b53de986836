"""Status reports: matched per part on (modem, MR, number, window), then rolled up to the message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from gsmgateway.core.config import DirectoryConfig, GatewayConfig
from gsmgateway.core.errors import OutcomeUnknownError
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.core.models import ReportOutcome as R
from gsmgateway.core.records import ClaimedMessage, RecipientKind
from gsmgateway.messages.message_service import Caller
from gsmgateway.wiring import Services
from tests.store.conftest import Clock, OpenStack, submit

LONG = "x" * 200  # two GSM-7 parts
NO_CMGS = OutcomeUnknownError("no +CMGS")  # the PDU may have left: the message becomes unknown


async def _send(stack: Services, modem: str, mrs: list[int], *, finish: bool = True) -> ClaimedMessage:
    claimed = await stack.dispatch.claim_next(modem)
    assert claimed is not None
    for part_no, mr in enumerate(mrs, start=1):
        await stack.dispatch.record_part_sent(claimed, part_no, modem_id=modem, mr=mr)
    if finish:
        await stack.dispatch.mark_sent(claimed, modem_id=modem)
    return claimed


async def _report(
    stack: Services, modem: str, mr: int, outcome: R, number: str = "+255712345678"
) -> int | None:
    match = await stack.dispatch.record_report(
        modem_id=modem, mr=mr, recipient=number, outcome=outcome, tp_st=0
    )
    return match.message_id if match else None


async def test_single_part_delivered(stack: Services, caller: Caller) -> None:
    view = await submit(stack, caller)
    await _send(stack, "m1", [17])
    assert await _report(stack, "m1", 17, R.DELIVERED) == view.id
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.DELIVERED
    assert detail.parts[0].report_outcome is R.DELIVERED
    assert [e.to_status for e in detail.events] == [S.QUEUED, S.SENDING, S.SENT, S.DELIVERED]


async def test_multipart_needs_every_part_and_temporary_keeps_sent(stack: Services, caller: Caller) -> None:
    view = await submit(stack, caller, LONG)
    assert view.parts_total == 2
    await _send(stack, "m1", [5, 6])
    await _report(stack, "m1", 5, R.DELIVERED)
    await _report(stack, "m1", 6, R.PENDING)
    assert (await stack.messages.get(view.id)).message.status is S.SENT
    await _report(stack, "m1", 6, R.DELIVERED)  # the final report replaces the temporary one
    assert (await stack.messages.get(view.id)).message.status is S.DELIVERED


async def test_any_failed_part_makes_the_message_undelivered(stack: Services, caller: Caller) -> None:
    view = await submit(stack, caller, LONG)
    await _send(stack, "m1", [8, 9])
    await _report(stack, "m1", 9, R.FAILED)
    assert (await stack.messages.get(view.id)).message.status is S.UNDELIVERED


async def test_never_matches_on_mr_alone(stack: Services, caller: Caller) -> None:
    view = await submit(stack, caller)
    await _send(stack, "m1", [42])
    assert await _report(stack, "m2", 42, R.DELIVERED) is None  # other modem
    assert await _report(stack, "m1", 42, R.DELIVERED, number="+255799999999") is None  # other number
    assert await _report(stack, "m1", 43, R.DELIVERED) is None  # other MR
    assert (await stack.messages.get(view.id)).message.status is S.SENT


async def test_report_number_is_normalised_before_matching(
    open_stack: OpenStack, make_config: Callable[..., GatewayConfig], clock: Clock
) -> None:
    services = await open_stack(make_config(directory=DirectoryConfig(default_country_code="255")))
    await services.directory.put(RecipientKind.CLIENT, "12", mobile="0712345678", opted_out=False, name=None)
    key_id = await services.api_keys.create(name="p", key_hash="1" * 64, scopes=frozenset(), now=clock())
    view = await submit(services, Caller(key_id, "p", frozenset()))
    assert view.number == "+255712345678"
    await _send(services, "m1", [3])
    assert await _report(services, "m1", 3, R.DELIVERED, number="0712345678") == view.id


async def test_mr_wrap_matches_the_most_recent_open_part_within_window(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    old = await submit(stack, caller, "old")
    await _send(stack, "m1", [200])
    clock.advance(timedelta(hours=80))  # older than the 72 h match window
    new = await submit(stack, caller, "new")
    await _send(stack, "m1", [200])  # MR wrapped round to the same value for the same number
    assert await _report(stack, "m1", 200, R.DELIVERED) == new.id
    assert (await stack.messages.get(old.id)).message.status is S.SENT
    assert await _report(stack, "m1", 200, R.DELIVERED) is None  # the old part is outside the window


async def test_late_report_resolves_unknown_and_expired(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    unknown = await submit(stack, caller, "crash")
    claimed = await _send(stack, "m1", [11], finish=False)
    status = await stack.dispatch.mark_attempt_failed(
        claimed, OutcomeUnknownError("no +CMGS"), modem_id="m1", parts_sent=0
    )
    assert status is S.UNKNOWN
    await _report(stack, "m1", 11, R.DELIVERED)
    assert (await stack.messages.get(unknown.id)).message.status is S.DELIVERED

    expired = await submit(stack, caller, "slow network")
    await _send(stack, "m1", [12])
    clock.advance(timedelta(hours=49))
    assert await stack.maintenance.expire_unreported() == [expired.id]
    detail = await stack.messages.get(expired.id)
    assert (detail.message.status, detail.message.status_reason) == (S.EXPIRED, "no-report")
    await _report(stack, "m1", 12, R.FAILED)
    assert (await stack.messages.get(expired.id)).message.status is S.UNDELIVERED


async def test_temporary_report_moves_unknown_to_sent(stack: Services, caller: Caller) -> None:
    view = await submit(stack, caller)
    claimed = await _send(stack, "m1", [21], finish=False)
    await stack.dispatch.mark_attempt_failed(
        claimed, OutcomeUnknownError("no +CMGS"), modem_id="m1", parts_sent=0
    )
    await _report(stack, "m1", 21, R.PENDING)
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.SENT
    assert detail.events[-1].reason.startswith("late report (unknown): ")
    await _report(stack, "m1", 21, R.DELIVERED)
    assert (await stack.messages.get(view.id)).message.status is S.DELIVERED


async def test_report_resolves_unknown_whose_cmgs_answer_never_came(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller, "crash before +CMGS")
    claimed = await _send(stack, "m1", [], finish=False)  # the PDU left; no MR was ever recorded
    await stack.dispatch.mark_attempt_failed(
        claimed, OutcomeUnknownError("no +CMGS"), modem_id="m1", parts_sent=0
    )
    assert await _report(stack, "m1", 77, R.DELIVERED, number="+255799999999") is None  # other number
    assert await _report(stack, "m2", 77, R.DELIVERED) is None  # other modem
    assert (await stack.messages.get(view.id)).message.status is S.UNKNOWN
    clock.advance(timedelta(minutes=3))
    assert await _report(stack, "m1", 77, R.DELIVERED) == view.id
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.DELIVERED
    assert [(p.part_no, p.mr, p.report_outcome) for p in detail.parts] == [(1, 77, R.DELIVERED)]


async def test_unknown_multipart_stays_unknown_until_every_part_is_proven(
    stack: Services, caller: Caller
) -> None:
    view = await submit(stack, caller, LONG)
    claimed = await _send(stack, "m1", [30], finish=False)  # part 1 left; part 2's answer never came
    await stack.dispatch.mark_attempt_failed(
        claimed, OutcomeUnknownError("no +CMGS"), modem_id="m1", parts_sent=0
    )
    assert await _report(stack, "m1", 30, R.DELIVERED) == view.id
    assert (await stack.messages.get(view.id)).message.status is S.UNKNOWN  # part 2 may never have left
    assert await _report(stack, "m1", 31, R.DELIVERED) == view.id  # the network saw part 2 after all
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.DELIVERED
    assert [(p.part_no, p.mr) for p in detail.parts] == [(1, 30), (2, 31)]


async def test_unknown_outside_the_window_or_already_complete_adopts_nothing(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    old = await submit(stack, caller, "long ago")
    claimed = await _send(stack, "m1", [], finish=False)
    await stack.dispatch.mark_attempt_failed(
        claimed, OutcomeUnknownError("no +CMGS"), modem_id="m1", parts_sent=0
    )
    clock.advance(timedelta(days=30))
    assert await _report(stack, "m1", 5, R.DELIVERED) is None
    assert (await stack.messages.get(old.id)).message.status is S.UNKNOWN
