"""How an attempt ends decides the next status: retry, refund, fail, or unknown — never a blind resend."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import QuietHours, RetryPolicy
from gsmgateway.core.errors import (
    CmeError,
    CmsError,
    ModemProtocolError,
    ModemTimeoutError,
    ModemUnavailableError,
    OutcomeUnknownError,
    PduError,
)
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.core.records import ClaimedMessage, RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import SubmitRequest
from gsmgateway.wiring import Services, open_services

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 12:00 in Dar es Salaam


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def services(tmp_path: Path, clock: Clock) -> AsyncIterator[Services]:
    config = GatewayConfig(
        state_dir=str(tmp_path), retry=RetryPolicy(max_attempts=3, base_delay_seconds=10, jitter=0.0)
    )
    services = await open_services(config, clock=clock, rng=random.Random(1))
    await services.directory.put(
        RecipientKind.CLIENT, "12", mobile="+255712345678", opted_out=False, name=None
    )
    yield services
    await services.close()


async def _queue_and_claim(services: Services, text: str = "Hello") -> ClaimedMessage:
    key_id = await services.api_keys.create(
        name="p", key_hash=f"{text:x>64}"[:64], scopes=frozenset(), now=NOW
    )
    await services.messages.submit(
        SubmitRequest(text, "12", None, None, None),
        caller=Caller(key_id, "p", frozenset()),
        idempotency_key=None,
    )
    claimed = await services.dispatch.claim_next("m1")
    assert claimed is not None
    return claimed


async def _fail(services: Services, claimed: ClaimedMessage, error: Exception) -> S:
    """Settle an attempt that failed before any part left (the worker's ``parts_sent=0``)."""
    return await services.dispatch.mark_attempt_failed(claimed, error, modem_id="m1", parts_sent=0)


async def test_transient_error_retries_with_backoff_then_fails(services: Services, clock: Clock) -> None:
    claimed = await _queue_and_claim(services)
    network_busy = CmsError("network busy", code=42, category="transient")
    assert await _fail(services, claimed, network_busy) is S.QUEUED
    assert await services.dispatch.claim_next("m1") is None  # backing off
    assert await services.dispatch.next_due_at() == NOW + timedelta(seconds=10)
    clock.now += timedelta(seconds=10)
    second = await services.dispatch.claim_next("m1")
    assert second is not None
    assert second.attempt == 2
    await services.dispatch.mark_attempt_failed(
        second, ModemTimeoutError("no answer"), modem_id="m1", parts_sent=0
    )
    clock.now += timedelta(seconds=20)
    third = await services.dispatch.claim_next("m1")
    assert third is not None
    assert third.attempt == 3
    assert await _fail(services, third, network_busy) is S.FAILED
    detail = await services.messages.get(claimed.id)
    assert detail.message.status is S.FAILED
    assert detail.message.status_reason is not None
    assert detail.message.status_reason.startswith("retries exhausted after 3")
    assert [a.attempt for a in detail.attempts] == [1, 2, 3]
    assert detail.events[1].error_code is None
    assert [e.error_code for e in detail.events if e.to_status is S.QUEUED][1:] == [42, None]
    modems = await services.dispatch.list_modems()
    assert [(m.modem_id, m.failed_count, m.sent_count) for m in modems] == [("m1", 1, 0)]


@pytest.mark.parametrize(
    "error",
    [
        CmsError("invalid PDU", code=304, category="permanent"),
        PduError("cannot encode"),
    ],
)
async def test_permanent_errors_fail_at_once(services: Services, error: Exception) -> None:
    claimed = await _queue_and_claim(services)
    assert await _fail(services, claimed, error) is S.FAILED
    assert await services.dispatch.claim_next("m1") is None


async def test_modem_unavailable_requeues_without_spending_an_attempt(services: Services) -> None:
    claimed = await _queue_and_claim(services)
    for _ in range(5):  # more than max_attempts: an unplugged modem must not use up retries
        unplugged = ModemUnavailableError("unplugged", modem_id="m1")
        assert await _fail(services, claimed, unplugged) is S.QUEUED
        again = await services.dispatch.claim_next("m2")
        assert again is not None
        assert again.attempt == 1
        claimed = again


@pytest.mark.parametrize(
    "error",
    [
        CmeError("SIM not inserted", code=10, category="configuration"),
        CmsError("SMSC address unknown", code=330, category="configuration"),
    ],
)
async def test_a_modem_that_needs_attention_requeues_without_spending_an_attempt(
    services: Services, error: Exception
) -> None:
    claimed = await _queue_and_claim(services)
    assert await _fail(services, claimed, error) is S.QUEUED
    again = await services.dispatch.claim_next("m2")
    assert again is not None
    assert again.attempt == 1
    detail = await services.messages.get(claimed.id)
    assert detail.events[-2].reason is not None
    assert detail.events[-2].reason.startswith("modem unavailable: modem needs attention")
    assert detail.events[-2].error_code == error.code if isinstance(error, CmeError | CmsError) else False


@pytest.mark.parametrize("error", [OutcomeUnknownError("no +CMGS after PDU"), RuntimeError("bug")])
async def test_outcome_unknown_is_never_resent(services: Services, clock: Clock, error: Exception) -> None:
    claimed = await _queue_and_claim(services)
    assert await _fail(services, claimed, error) is S.UNKNOWN
    clock.now += timedelta(days=1)
    assert await services.dispatch.claim_next("m1") is None


async def test_failure_after_a_part_left_is_not_resent(services: Services) -> None:
    claimed = await _queue_and_claim(services, "x" * 300)
    assert claimed.parts_total == 2
    await services.dispatch.record_part_sent(claimed, 1, modem_id="m1", mr=7)
    status = await services.dispatch.mark_attempt_failed(
        claimed, ModemProtocolError("garbage"), modem_id="m1", parts_sent=1
    )
    assert status is S.FAILED
    detail = await services.messages.get(claimed.id)
    assert detail.message.status_reason is not None
    assert detail.message.status_reason.startswith("1 of 2 parts sent")


async def test_quiet_hours_hold_messages_until_they_end(tmp_path: Path, clock: Clock) -> None:
    quiet = QuietHours(enabled=True, start=time(11), end=time(13), timezone="Africa/Dar_es_Salaam")
    services = await open_services(
        replace(GatewayConfig(state_dir=str(tmp_path)), quiet_hours=quiet), clock=clock
    )
    try:
        await services.directory.put(
            RecipientKind.CLIENT, "12", mobile="+255712345678", opted_out=False, name=None
        )
        key_id = await services.api_keys.create(name="p", key_hash="c" * 64, scopes=frozenset(), now=NOW)
        await services.messages.submit(
            SubmitRequest("Hi", "12", None, None, None),
            caller=Caller(key_id, "p", frozenset()),
            idempotency_key=None,
        )
        assert await services.dispatch.claim_next("m1") is None
        assert await services.dispatch.next_due_at() == NOW + timedelta(hours=1)  # 13:00 local
        clock.now += timedelta(hours=1)
        assert await services.dispatch.claim_next("m1") is not None
    finally:
        await services.close()


async def test_modem_state_rows(services: Services, clock: Clock) -> None:
    await services.dispatch.save_modem_state("m1", "ready", signal=21, operator="Vodacom")
    clock.now += timedelta(minutes=1)
    await services.dispatch.save_modem_state("m1", "disconnected", last_error="unplugged")
    [modem] = await services.dispatch.list_modems()
    assert (modem.state, modem.signal, modem.operator, modem.last_error) == (
        "disconnected", 21, "Vodacom", "unplugged",
    )  # fmt: skip
    assert modem.updated_at == clock.now
