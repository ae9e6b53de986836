"""Failed attempts end as the dispatch rules say: retry, fail, refund, or admit the outcome is unknown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from gsmgateway.core.config_sections import RetryPolicy
from gsmgateway.core.models import MessageStatus, ModemState
from gsmgateway.messages.worker import ModemWorker
from simulator import FaultPlan
from simulator.faults import CommandMatch, SendError, Silence, SilenceStage
from tests.worker.support import FAST_WORKER, START, base_config, rig

S = MessageStatus
TRANSIENT_CMS = 42  # congestion
PERMANENT_CMS = 21  # short message transfer rejected
LONG = "Dear client, " + "your group meeting moves to Thursday at the branch. " * 5  # two parts


async def test_transient_error_requeues_with_backoff_then_sends(tmp_path: Path) -> None:
    config = base_config(tmp_path, retry=RetryPolicy(base_delay_seconds=30, jitter=0))
    faults = FaultPlan(send_errors=(SendError(code=TRANSIENT_CMS, nth_send=1),))
    async with rig(config, faults=faults) as r:
        message_id = await r.submit("retry me")
        await r.until_settled(message_id)
        await r.settle()
        detail = await r.detail(message_id)
        assert detail.message.status is S.QUEUED
        assert detail.message.attempts == 1
        assert detail.events[-1].error_code == TRANSIENT_CMS
        assert await r.services.dispatch.next_due_at() == START + timedelta(seconds=30)
        assert r.sim.submits == []
        r.clock.advance(timedelta(seconds=31))
        await r.settle()
        await r.until_status(message_id, S.DELIVERED)
        assert [s.text for s in r.sim.submits] == ["retry me"]
        assert (await r.detail(message_id)).message.attempts == 2


async def test_permanent_error_fails_at_once_and_counts(tmp_path: Path) -> None:
    faults = FaultPlan(send_errors=(SendError(code=PERMANENT_CMS),))
    async with rig(base_config(tmp_path), faults=faults) as r:
        message_id = await r.submit("refused")
        await r.until_status(message_id, S.FAILED)
        detail = await r.detail(message_id)
        assert detail.message.attempts == 1
        assert "permanent" in (detail.message.status_reason or "")
        (row,) = await r.services.dispatch.list_modems()
        assert (row.sent_count, row.failed_count) == (0, 1)
        assert r.worker.last_error is not None
        assert str(message_id) in r.worker.last_error


async def test_retries_end_in_failed_after_max_attempts(tmp_path: Path) -> None:
    config = base_config(tmp_path, retry=RetryPolicy(max_attempts=2, base_delay_seconds=10, jitter=0))
    faults = FaultPlan(send_errors=(SendError(code=TRANSIENT_CMS),))
    async with rig(config, faults=faults) as r:
        message_id = await r.submit("never")
        await r.until_settled(message_id)
        await r.settle()
        r.clock.advance(timedelta(seconds=11))
        await r.settle()
        await r.until_status(message_id, S.FAILED)
        detail = await r.detail(message_id)
        assert detail.message.attempts == 2
        assert "retries exhausted" in (detail.message.status_reason or "")


async def test_unplugged_modem_claims_nothing_then_sends_after_replug(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        await r.sim.unplug()
        await r.drivers[0].wait_for_state(ModemState.DISCONNECTED, timeout=5)
        message_id = await r.submit("waits for the modem")
        await r.settle()
        assert r.worker.waiting_for.startswith("modem ")
        detail = await r.detail(message_id)
        assert (detail.message.status, detail.message.attempts) == (S.QUEUED, 0)
        await r.sim.replug()
        await r.until_status(message_id, S.DELIVERED)
        assert [s.text for s in r.sim.submits] == ["waits for the modem"]


async def test_modem_lost_during_send_requeues_without_spending_an_attempt(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        await r.settle()
        r.sim.set_faults(FaultPlan(unplug_after_commands=1))  # the AT+CMGS line pulls the plug
        message_id = await r.submit("interrupted before the PDU")
        await r.until_settled(message_id)
        detail = await r.detail(message_id)
        assert (detail.message.status, detail.message.attempts) == (S.QUEUED, 0)
        assert "unavailable" in (detail.events[-1].reason or "")
        assert r.sim.submits == []
        await r.sim.replug()
        await r.until_status(message_id, S.DELIVERED)
        assert [s.text for s in r.sim.submits] == ["interrupted before the PDU"]


async def test_silence_after_the_pdu_is_unknown_and_never_resent(tmp_path: Path) -> None:
    silence = Silence(match=CommandMatch(command="+CMGS"), stage=SilenceStage.AFTER_PDU)
    async with rig(base_config(tmp_path), faults=FaultPlan(silences=(silence,))) as r:
        message_id = await r.submit("did it leave?")
        await r.until_status(message_id, S.UNKNOWN)
        assert len(r.sim.submits) == 1  # it did leave; we could not know
        r.sim.set_faults(FaultPlan())
        await r.settle()
        assert await r.status(message_id) is S.UNKNOWN
        assert len(r.sim.submits) == 1


async def test_multipart_resumes_on_the_same_modem_after_a_transient_error(tmp_path: Path) -> None:
    faults = FaultPlan(send_errors=(SendError(code=TRANSIENT_CMS, nth_send=2),))
    async with rig(base_config(tmp_path), faults=faults) as r:
        message_id = await r.submit(LONG)
        await r.until_status(message_id, S.DELIVERED)
        submits = r.sim.submits
        assert [s.concat for s in submits] == [(message_id % 256, 2, 1), (message_id % 256, 2, 2)]
        assert submits[-1].text == LONG
        detail = await r.detail(message_id)
        assert detail.message.attempts == 1
        assert [p.part_no for p in detail.parts] == [1, 2]


async def test_multipart_that_cannot_finish_fails_with_the_count_and_is_not_resent(tmp_path: Path) -> None:
    faults = FaultPlan(send_errors=(SendError(code=PERMANENT_CMS, nth_send=2),))
    async with rig(base_config(tmp_path), faults=faults) as r:
        message_id = await r.submit(LONG)
        await r.until_status(message_id, S.FAILED)
        detail = await r.detail(message_id)
        assert "1 of 2 parts sent" in (detail.message.status_reason or "")
        assert len(r.sim.submits) == 1
        await r.settle()
        assert len(r.sim.submits) == 1


async def test_configuration_error_requeues_without_attempt_and_pauses_the_worker(tmp_path: Path) -> None:
    smsc_unknown = 330
    faults = FaultPlan(send_errors=(SendError(code=smsc_unknown),))
    async with rig(base_config(tmp_path), faults=faults) as r:
        message_id = await r.submit("waits for an operator")
        await r.until_settled(message_id)
        detail = await r.detail(message_id)
        assert (detail.message.status, detail.message.attempts) == (S.QUEUED, 0)
        assert detail.events[-1].error_code == smsc_unknown
        await r.until(_waiting(r.worker, "modem needs attention"))
        r.sim.set_faults(FaultPlan())
        await r.settle()
        await r.until_status(message_id, S.DELIVERED)
        assert [s.text for s in r.sim.submits] == ["waits for an operator"]


def _waiting(worker: ModemWorker, reason: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return worker.waiting_for == reason

    return check


async def test_multipart_resumes_after_the_modem_drops_out_between_parts(tmp_path: Path) -> None:
    options = replace(FAST_WORKER, resume_delay=0.2)
    async with rig(base_config(tmp_path), worker_options=options) as r:
        await r.settle()
        r.sim.set_faults(FaultPlan(unplug_after_commands=2))  # part 2's AT+CMGS pulls the plug
        message_id = await r.submit(LONG)
        await r.sim.wait_until(lambda: not r.sim.plugged)
        await r.sim.replug()
        await r.until_status(message_id, S.DELIVERED)
        submits = r.sim.submits
        assert [s.concat for s in submits] == [(message_id % 256, 2, 1), (message_id % 256, 2, 2)]
        assert submits[-1].text == LONG
        assert (await r.detail(message_id)).message.attempts == 1
