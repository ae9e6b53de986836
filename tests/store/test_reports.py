"""Status reports, journaled then applied: matched per part on (modem, MR, number, window, SCTS).

Reports are built as the network sends them, with the simulator's own encoder (TS 23.040
§9.2.2.3), journaled through the collection service the driver's sink calls, and applied by it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import DirectoryConfig
from gsmgateway.core.errors import CmsError, OutcomeUnknownError
from gsmgateway.core.inbox import InboxEntry, InboxOutcome
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.core.models import ReportOutcome as R
from gsmgateway.core.records import ClaimedMessage, RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.collection import UNMATCHED_GRACE, CollectionService
from gsmgateway.store.inbox import InboxRepository
from gsmgateway.store.reports import ReportRepository
from gsmgateway.wiring import Services
from tests.reports import DELIVERED, FAILED, TEMPORARY, deliver_report, journal_report
from tests.store.conftest import Clock, OpenStack, submit

LONG = "x" * 200  # two GSM-7 parts
NUMBER = "+255712345678"
TP_ST = {R.DELIVERED: DELIVERED, R.PENDING: TEMPORARY, R.FAILED: FAILED}


async def _send(
    stack: Services, modem: str, mrs: list[int], *, finish: bool = True, written: int = 0
) -> ClaimedMessage:
    """Claim the next message, record ``mrs`` for its first parts and a written mark for ``written`` more."""
    claimed = await stack.dispatch.claim_next(modem)
    assert claimed is not None
    for part_no, mr in enumerate(mrs, start=1):
        await stack.dispatch.record_part_written(claimed, part_no, modem_id=modem)
        await stack.dispatch.record_part_sent(claimed, part_no, modem_id=modem, mr=mr)
    for extra in range(written):
        await stack.dispatch.record_part_written(claimed, len(mrs) + 1 + extra, modem_id=modem)
    if finish:
        await stack.dispatch.mark_sent(claimed, modem_id=modem)
    return claimed


async def _unknown(stack: Services, claimed: ClaimedMessage, parts_sent: int = 0) -> None:
    status = await stack.dispatch.mark_attempt_failed(
        claimed, OutcomeUnknownError("no +CMGS"), modem_id="m1", parts_sent=parts_sent
    )
    assert status is S.UNKNOWN


async def _journal(
    stack: Services, modem: str, mr: int, outcome: R, *, number: str, scts: datetime
) -> list[int]:
    return await journal_report(
        stack.collection, modem, mr=mr, number=number, scts=scts, tp_st=TP_ST[outcome]
    )


async def _report(
    stack: Services,
    clock: Clock,
    modem: str,
    mr: int,
    outcome: R,
    *,
    number: str = NUMBER,
    scts: datetime | None = None,
) -> InboxEntry:
    """Journal a report stamped ``scts`` (default: now), apply what is pending, return its entry."""
    return await deliver_report(
        stack.collection, modem, mr=mr, number=number, scts=scts or clock(), tp_st=TP_ST[outcome]
    )


def landed(entry: InboxEntry) -> int | None:
    return entry.message_id if entry.outcome is InboxOutcome.APPLIED else None


async def test_single_part_delivered(stack: Services, caller: Caller, clock: Clock) -> None:
    view = await submit(stack, caller)
    await _send(stack, "m1", [17])
    assert landed(await _report(stack, clock, "m1", 17, R.DELIVERED)) == view.id
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.DELIVERED
    assert detail.parts[0].report_outcome is R.DELIVERED
    assert [e.to_status for e in detail.events] == [S.QUEUED, S.SENDING, S.SENT, S.DELIVERED]


async def test_multipart_needs_every_part_and_temporary_keeps_sent(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller, LONG)
    assert view.parts_total == 2
    await _send(stack, "m1", [5, 6])
    stamp = clock()
    await _report(stack, clock, "m1", 5, R.DELIVERED, scts=stamp)
    await _report(stack, clock, "m1", 6, R.PENDING, scts=stamp)
    assert (await stack.messages.get(view.id)).message.status is S.SENT
    clock.advance(timedelta(minutes=1))  # the final report of the same SMS carries the same SCTS
    await _report(stack, clock, "m1", 6, R.DELIVERED, scts=stamp)
    assert (await stack.messages.get(view.id)).message.status is S.DELIVERED


async def test_any_failed_part_makes_the_message_undelivered(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller, LONG)
    await _send(stack, "m1", [8, 9])
    await _report(stack, clock, "m1", 9, R.FAILED)
    assert (await stack.messages.get(view.id)).message.status is S.UNDELIVERED


async def test_never_matches_on_mr_alone_and_settles_the_unmatched_after_the_grace(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller)
    await _send(stack, "m1", [42])
    strays = [
        await _report(stack, clock, "m2", 42, R.DELIVERED),  # other modem
        await _report(stack, clock, "m1", 42, R.DELIVERED, number="+255799999999"),  # other number
        await _report(stack, clock, "m1", 43, R.DELIVERED),  # other MR
    ]
    assert [e.outcome for e in strays] == [None, None, None]  # kept pending: the part may come yet
    assert (await stack.messages.get(view.id)).message.status is S.SENT
    clock.advance(UNMATCHED_GRACE)
    await stack.collection.apply_pending()
    settled = [await stack.collection.inbox.get(e.id) for e in strays]
    assert [e.outcome if e else None for e in settled] == [InboxOutcome.UNMATCHED] * 3
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
    assert landed(await _report(services, clock, "m1", 3, R.DELIVERED, number="0712345678")) == view.id


async def test_mr_wrap_matches_only_a_part_within_the_window(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    old = await submit(stack, caller, "old")
    await _send(stack, "m1", [200])
    clock.advance(timedelta(hours=80))  # older than the 72 h match window
    new = await submit(stack, caller, "new")
    await _send(stack, "m1", [200])  # MR wrapped round to the same value for the same number
    assert landed(await _report(stack, clock, "m1", 200, R.DELIVERED)) == new.id
    assert (await stack.messages.get(old.id)).message.status is S.SENT
    clock.advance(timedelta(seconds=1))
    assert landed(await _report(stack, clock, "m1", 200, R.DELIVERED)) is None  # the old part is too old


async def test_same_mr_to_one_number_goes_to_the_part_closest_to_the_scts(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    """Issue 8 §3: 262 messages to one number; the reports of the first ones come after the MR wrapped."""
    first = await submit(stack, caller, "first of the day")
    await _send(stack, "m1", [7])
    first_written = clock()
    clock.advance(timedelta(seconds=20))
    wrapped = await submit(stack, caller, "256 messages later")
    await _send(stack, "m1", [7])
    smsc = timedelta(hours=-3)  # this SMSC's clock runs three hours behind ours: nothing is assumed
    clock.advance(timedelta(seconds=35))
    late = await _report(stack, clock, "m1", 7, R.DELIVERED, scts=first_written + smsc + timedelta(seconds=1))
    assert late.outcome is None  # two candidates and no learnt offset: nothing is guessed yet
    teachers = [await submit(stack, caller, f"teacher {n}") for n in range(3)]
    for n, view in enumerate(teachers):  # unambiguous matches teach the SMSC's offset
        clock.advance(timedelta(seconds=2))
        written = clock()
        await _send(stack, "m1", [100 + n])
        assert landed(await _report(stack, clock, "m1", 100 + n, R.DELIVERED, scts=written + smsc)) == view.id
    again = await stack.collection.inbox.get(late.id)
    assert again is not None
    assert landed(again) == first.id
    assert (await stack.messages.get(first.id)).message.status is S.DELIVERED
    assert (await stack.messages.get(wrapped.id)).message.status is S.SENT


async def test_a_part_written_after_the_scts_is_never_credited(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    for n in range(3):  # learn an offset of zero
        view = await submit(stack, caller, f"teacher {n}")
        await _send(stack, "m1", [50 + n])
        assert landed(await _report(stack, clock, "m1", 50 + n, R.DELIVERED)) == view.id
        clock.advance(timedelta(seconds=1))
    older = await submit(stack, caller, "older, report lost")
    await _send(stack, "m1", [9])
    stamp = clock()
    clock.advance(timedelta(minutes=10))
    newer = await submit(stack, caller, "newer")
    await _send(stack, "m1", [9])
    clock.advance(timedelta(seconds=30))
    assert landed(await _report(stack, clock, "m1", 9, R.DELIVERED, scts=stamp)) == older.id
    assert (await stack.messages.get(newer.id)).message.status is S.SENT


async def test_two_equally_fitting_parts_are_settled_ambiguous_and_both_messages_say_so(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    one = await submit(stack, caller, "one")
    await _send(stack, "m1", [33])
    two = await submit(stack, caller, "two")
    await _send(stack, "m1", [33])  # same second, same MR, same number: the SCTS cannot tell them apart
    entry = await _report(stack, clock, "m1", 33, R.DELIVERED)
    assert entry.outcome is None
    clock.advance(UNMATCHED_GRACE)
    await stack.collection.apply_pending("m1")
    settled = await stack.collection.inbox.get(entry.id)
    assert settled is not None
    assert settled.outcome is InboxOutcome.AMBIGUOUS
    for view in (one, two):
        detail = await stack.messages.get(view.id)
        assert detail.message.status is S.SENT
        note = detail.events[-1]
        assert (note.from_status, note.to_status) == (S.SENT, S.SENT)
        assert f"{one.id}, {two.id}" in (note.reason or "")


async def test_late_report_resolves_unknown_and_expired(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    unknown = await submit(stack, caller, "crash")
    await _unknown(stack, await _send(stack, "m1", [], finish=False, written=1))
    await _report(stack, clock, "m1", 11, R.DELIVERED)
    assert (await stack.messages.get(unknown.id)).message.status is S.DELIVERED

    expired = await submit(stack, caller, "slow network")
    await _send(stack, "m1", [12])
    clock.advance(timedelta(hours=49))
    assert await stack.maintenance.expire_unreported() == [expired.id]
    detail = await stack.messages.get(expired.id)
    assert (detail.message.status, detail.message.status_reason) == (S.EXPIRED, "no-report")
    await _report(stack, clock, "m1", 12, R.FAILED)
    assert (await stack.messages.get(expired.id)).message.status is S.UNDELIVERED


async def test_temporary_report_moves_unknown_to_sent(stack: Services, caller: Caller, clock: Clock) -> None:
    view = await submit(stack, caller)
    await _unknown(stack, await _send(stack, "m1", [], finish=False, written=1))
    stamp = clock()
    await _report(stack, clock, "m1", 21, R.PENDING, scts=stamp)
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.SENT
    assert detail.events[-1].reason.startswith("late report (unknown): ")
    await _report(stack, clock, "m1", 21, R.DELIVERED, scts=stamp)
    assert (await stack.messages.get(view.id)).message.status is S.DELIVERED


async def test_every_part_with_an_mr_makes_an_unknown_message_sent(stack: Services, caller: Caller) -> None:
    view = await submit(stack, caller, LONG)
    claimed = await _send(stack, "m1", [1, 2], finish=False)
    error = OutcomeUnknownError("no answer after the last +CMGS")
    status = await stack.dispatch.mark_attempt_failed(claimed, error, modem_id="m1", parts_sent=2)
    assert status is S.SENT
    detail = await stack.messages.get(view.id)
    assert [e.to_status for e in detail.events][-2:] == [S.UNKNOWN, S.SENT]


async def test_report_resolves_unknown_whose_pdu_was_written_but_got_no_answer(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller, "crash before +CMGS")
    await _unknown(stack, await _send(stack, "m1", [], finish=False, written=1))
    assert (await _report(stack, clock, "m1", 77, R.DELIVERED, number="+255799999999")).outcome is None
    assert (await _report(stack, clock, "m2", 77, R.DELIVERED)).outcome is None
    assert (await stack.messages.get(view.id)).message.status is S.UNKNOWN
    clock.advance(timedelta(seconds=3))
    assert landed(await _report(stack, clock, "m1", 77, R.DELIVERED)) == view.id
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.DELIVERED
    assert [(p.part_no, p.mr, p.report_outcome) for p in detail.parts] == [(1, 77, R.DELIVERED)]


async def test_a_late_report_never_goes_to_a_part_whose_pdu_was_not_written(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    """Issue 8 §6: two unknown messages to one client; only one of them had its PDU written."""
    left = await submit(stack, caller, "its PDU left")
    await _unknown(stack, await _send(stack, "m1", [], finish=False, written=1))
    never = await submit(stack, caller, "no prompt ever came")
    await _unknown(stack, await _send(stack, "m1", [], finish=False, written=0))
    clock.advance(timedelta(seconds=2))
    assert landed(await _report(stack, clock, "m1", 90, R.DELIVERED)) == left.id
    assert (await stack.messages.get(never.id)).message.status is S.UNKNOWN
    clock.advance(timedelta(seconds=1))
    entry = await _report(stack, clock, "m1", 91, R.DELIVERED)
    assert entry.outcome is None  # nothing written is left to credit


async def test_unknown_multipart_stays_unknown_until_every_part_is_proven(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller, LONG)
    claimed = await _send(stack, "m1", [30], finish=False, written=1)  # part 2 written, no answer
    await _unknown(stack, claimed, parts_sent=1)
    reason = (await stack.messages.get(view.id)).message.status_reason
    assert (reason or "").startswith("outcome unknown: 1 of 2 parts sent, part 2 may have left")
    assert landed(await _report(stack, clock, "m1", 30, R.DELIVERED)) == view.id
    assert (await stack.messages.get(view.id)).message.status is S.UNKNOWN  # part 2 may never have left
    clock.advance(timedelta(seconds=1))
    assert landed(await _report(stack, clock, "m1", 31, R.DELIVERED)) == view.id  # the network saw part 2
    detail = await stack.messages.get(view.id)
    assert detail.message.status is S.DELIVERED
    assert [(p.part_no, p.mr) for p in detail.parts] == [(1, 30), (2, 31)]


async def test_unknown_outside_the_window_adopts_nothing(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    old = await submit(stack, caller, "long ago")
    await _unknown(stack, await _send(stack, "m1", [], finish=False, written=1))
    clock.advance(timedelta(days=30))
    assert (await _report(stack, clock, "m1", 5, R.DELIVERED)).outcome is None
    assert (await stack.messages.get(old.id)).message.status is S.UNKNOWN


async def test_a_report_that_beats_its_mr_lands_once_the_message_is_sent(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller, "fast network")
    claimed = await _send(stack, "m1", [], finish=False, written=1)  # +CMGS not answered yet
    entry = await _report(stack, clock, "m1", 64, R.DELIVERED)
    assert entry.outcome is None  # no part has MR 64 yet, and a sending message adopts nothing
    await stack.dispatch.record_part_sent(claimed, 1, modem_id="m1", mr=64)
    await stack.dispatch.mark_sent(claimed, modem_id="m1")
    await stack.collection.apply_pending("m1")
    detail = await stack.messages.get(view.id)
    assert [e.to_status for e in detail.events][-2:] == [S.SENT, S.DELIVERED]


async def test_a_refused_part_loses_its_written_mark(stack: Services, caller: Caller) -> None:
    await submit(stack, caller, "refused after the PDU")
    claimed = await _send(stack, "m1", [], finish=False, written=1)
    await stack.dispatch.forget_part_written(claimed, 1)
    status = await stack.dispatch.mark_attempt_failed(
        claimed, CmsError("+CMS ERROR: 41", code=41, category="transient"), modem_id="m1", parts_sent=0
    )
    assert status is S.QUEUED
    assert (await stack.messages.get(claimed.id)).parts == ()


async def test_the_same_report_read_twice_is_journaled_and_applied_once(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    view = await submit(stack, caller)
    await _send(stack, "m1", [18])
    stamp = clock()
    first = await _journal(stack, "m1", 18, R.DELIVERED, number=NUMBER, scts=stamp)
    again = await _journal(stack, "m1", 18, R.DELIVERED, number=NUMBER, scts=stamp)  # crash before AT+CMGD
    assert (len(first), again) == (1, [])
    await stack.collection.apply_pending()
    detail = await stack.messages.get(view.id)
    assert [e.to_status for e in detail.events].count(S.DELIVERED) == 1


async def test_concurrent_processors_apply_each_report_once(
    stack: Services, caller: Caller, clock: Clock
) -> None:
    """Two processors on one store (a stop racing a start, or two passes): the compare-and-set wins."""
    views = [await submit(stack, caller, f"message {n}") for n in range(6)]
    for n in range(6):
        await _send(stack, "m1", [120 + n])
    for n in range(6):
        await _journal(stack, "m1", 120 + n, R.DELIVERED, number=NUMBER, scts=clock() + timedelta(seconds=n))
    other = CollectionService(
        config=stack.config, inbox=InboxRepository(stack.database), reports=ReportRepository(stack.database),
        clock=clock,
    )  # fmt: skip
    summaries = await asyncio.gather(stack.collection.apply_pending(), other.apply_pending())
    assert sum(s.applied for s in summaries) == 6
    for view in views:
        detail = await stack.messages.get(view.id)
        assert [e.to_status for e in detail.events].count(S.DELIVERED) == 1
