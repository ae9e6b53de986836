"""The submit use case: every bad input gets its own clear error and stores nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import LimitsConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.errors import (
    AuthError,
    ConflictError,
    RateLimitedError,
    RecipientError,
    StoreError,
    ValidationError,
)
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import MessageQuery, SubmitRequest
from gsmgateway.messages.platform_intake import PlatformRow, RowFate
from gsmgateway.messages.submission import check_text
from gsmgateway.modem.sms import count_parts
from gsmgateway.wiring import Services, open_services

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW
        self.mono = 0.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


MakeServices = Callable[..., Awaitable[Services]]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_services(tmp_path: Path, clock: Clock) -> AsyncIterator[MakeServices]:
    opened: list[Services] = []

    async def make(**changes: Any) -> Services:
        config = replace(GatewayConfig(state_dir=str(tmp_path)), **changes)
        services = await open_services(config, clock=clock, monotonic=clock.monotonic)
        opened.append(services)
        await services.directory.put(
            RecipientKind.CLIENT, "12", mobile="+255712345678", opted_out=False, name=None
        )
        await services.directory.put(
            RecipientKind.CLIENT, "13", mobile="+255712345679", opted_out=True, name=None
        )
        await services.directory.put(RecipientKind.STAFF, "7", mobile=None, opted_out=False, name=None)
        return services

    yield make
    for services in opened:
        await services.close()


@pytest.fixture
async def services(make_services: MakeServices) -> Services:
    return await make_services()


@pytest.fixture
async def caller(services: Services) -> Caller:
    key_id = await services.api_keys.create(name="platform", key_hash="a" * 64, scopes=frozenset(), now=NOW)
    return Caller(key_id, "platform", frozenset())


def req(
    text: str = "Hello",
    client: str | None = "12",
    staff: str | None = None,
    send_at: datetime | None = None,
    external_id: str | None = None,
) -> SubmitRequest:
    return SubmitRequest(text, client, staff, send_at, external_id)


async def stored(services: Services) -> int:
    page = await services.messages.list(MessageQuery(None, None, None, None, None, None, 500))
    return len(page.items)


@pytest.mark.parametrize(
    ("request_", "field", "error_type"),
    [
        (req(""), "message", "empty_message"),
        (req(" \n "), "message", "empty_message"),
        (req("tab\there"), "message", "invalid_characters"),
        (req("bell\x07"), "message", "invalid_characters"),
        (req("cr\r\nlf"), "message", "invalid_characters"),
        (req("lone \ud800 surrogate"), "message", "invalid_characters"),
        (req("x" * 919), "message", "message_too_long"),  # 7 GSM-7 parts (153 each)
        (req("é" + "😀" * 200), "message", "message_too_long"),  # UCS-2: emoji are two units each
        (req(client=None), "clientId", "invalid_recipient"),
        (req(client="12", staff="7"), "clientId", "invalid_recipient"),
        (req(client="a b"), "clientId", "invalid_id"),
        (req(client=None, staff="x" * 65), "staffId", "invalid_id"),
        (req(send_at=datetime(2026, 3, 2, 10, 0)), "sendAt", "invalid_datetime"),
        (req(send_at=NOW + timedelta(days=31)), "sendAt", "out_of_range"),
        (req(external_id=""), "externalId", "invalid_key"),
        (req(external_id="e" * 201), "externalId", "invalid_key"),
    ],
)
async def test_bad_input_is_refused_with_its_field_and_nothing_is_stored(
    services: Services, caller: Caller, request_: SubmitRequest, field: str, error_type: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await services.messages.submit(request_, caller=caller, idempotency_key=None)
    assert (caught.value.field, caught.value.error_type) == (field, error_type)
    assert await stored(services) == 0


async def test_max_parts_boundary_uses_real_segmentation(services: Services, caller: Caller) -> None:
    six, _ = await services.messages.submit(req("x" * 918), caller=caller, idempotency_key=None)
    assert six.parts_total == 6
    emoji, _ = await services.messages.submit(req("Asante 🙏 " * 20), caller=caller, idempotency_key=None)
    assert emoji.parts_total == 3  # 200 characters, 220 UTF-16 units → 3 UCS-2 parts of 67
    with pytest.raises(ValidationError):
        await services.messages.submit(req("x" * 919), caller=caller, idempotency_key=None)


@pytest.mark.parametrize(("client", "reason"), [("13", "opted_out"), ("404", "unknown")])
async def test_unusable_recipients_are_refused(
    services: Services, caller: Caller, client: str, reason: str
) -> None:
    with pytest.raises(RecipientError) as caught:
        await services.messages.submit(req(client=client), caller=caller, idempotency_key=None)
    assert caught.value.reason == reason
    with pytest.raises(RecipientError) as no_number:
        await services.messages.submit(req(client=None, staff="7"), caller=caller, idempotency_key=None)
    assert (no_number.value.reason, no_number.value.field) == ("no_number", "staffId")
    assert await stored(services) == 0


async def test_per_recipient_rate_limit_with_retry_after(make_services: MakeServices, clock: Clock) -> None:
    services = await make_services(limits=LimitsConfig(per_recipient_per_hour=60, per_recipient_burst=2))
    key_id = await services.api_keys.create(name="p", key_hash="b" * 64, scopes=frozenset(), now=NOW)
    caller = Caller(key_id, "p", frozenset())
    for _ in range(2):
        await services.messages.submit(req(), caller=caller, idempotency_key=None)
    with pytest.raises(RateLimitedError) as caught:
        await services.messages.submit(req(), caller=caller, idempotency_key=None)
    assert caught.value.retry_after == pytest.approx(60)
    assert await stored(services) == 2
    clock.advance(60)
    await services.messages.submit(req(), caller=caller, idempotency_key=None)
    assert await stored(services) == 3


async def test_send_at_in_the_past_sends_now_and_in_the_future_waits(
    services: Services, caller: Caller
) -> None:
    past, _ = await services.messages.submit(
        req(send_at=NOW - timedelta(hours=1)), caller=caller, idempotency_key=None
    )
    future, _ = await services.messages.submit(
        req(send_at=(NOW + timedelta(hours=2)).astimezone()), caller=caller, idempotency_key=None
    )
    assert future.send_at == NOW + timedelta(hours=2)
    claimed = await services.dispatch.claim_next("m1")
    assert claimed is not None
    assert claimed.id == past.id
    assert await services.dispatch.claim_next("m1") is None


async def test_authenticate_by_hashed_key_with_cache_and_unknown_keys(
    services: Services, clock: Clock
) -> None:
    key = generate_key()
    key_id = await services.api_keys.create(
        name="platform", key_hash=hash_key(key), scopes=frozenset({"sms:send"}), now=NOW
    )
    caller = await services.authenticator.authenticate(key)
    assert caller == Caller(key_id, "platform", frozenset({"sms:send"}))
    for bad in ["", "gsk_wrong", key + "x", "ключ", "k" * 500]:
        with pytest.raises(AuthError):
            await services.authenticator.authenticate(bad)
    assert await services.api_keys.revoke(key_id, now=NOW)
    assert await services.authenticator.authenticate(key) == caller  # cached for a minute
    clock.advance(61)
    with pytest.raises(AuthError):
        await services.authenticator.authenticate(key)


async def test_immediate_dispatch_wakes_workers_and_scheduled_does_not(
    make_services: MakeServices, services: Services, caller: Caller
) -> None:
    woken: list[str] = []
    services.messages.add_wake_listener(lambda: woken.append("x"))
    await services.messages.submit(req(), caller=caller, idempotency_key="k")
    await services.messages.submit(req(), caller=caller, idempotency_key="k")  # replay: nothing new
    assert woken == ["x"]
    base = services.config
    scheduled = await make_services(dispatch=replace(base.dispatch, mode="scheduled"))
    scheduled.messages.add_wake_listener(lambda: woken.append("y"))
    await scheduled.messages.submit(req(), caller=caller, idempotency_key=None)
    assert woken == ["x"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("Az09 \n!\"#$%&'()*+,./:;<=>?@_-[]{}~^|\\€é😀`"), max_size=400))
def test_single_part_shortcut_agrees_with_segmentation(text: str) -> None:
    assume(text.strip())
    assert check_text(text, max_parts=100, count_parts=count_parts) == count_parts(text)


async def test_platform_rows_are_all_stored_keyed_and_never_twice(services: Services, caller: Caller) -> None:
    rows = [
        PlatformRow(external_id="fineract-default-77", mobile="+255 754 000 111", text="Repayment due"),
        PlatformRow(external_id="fineract-default-78", mobile="0754000111", text="x"),  # no country set
        PlatformRow(external_id="fineract-default-79", mobile="+255754000111", text=" "),
        PlatformRow(external_id=None, mobile=None, text="triggered, no internalId, no number"),
    ]
    first = await services.platform.accept(rows, caller=caller)
    assert [r.fate for r in first] == [RowFate.QUEUED, RowFate.REFUSED, RowFate.REFUSED, RowFate.REFUSED]
    sent = first[0].view
    assert sent is not None
    assert (sent.number, sent.recipient_kind, sent.client_id, sent.staff_id) == (
        "+255754000111", RecipientKind.NUMBER, None, None,
    )  # fmt: skip
    refused = [r.view for r in first[1:]]
    assert all(v is not None and v.status is MessageStatus.FAILED for v in refused)
    assert "directory.default_country_code" in (first[1].reason or "")
    assert "empty" in (first[2].reason or "")
    again = await services.platform.accept(rows[:3], caller=caller)
    assert [r.fate for r in again] == [RowFate.REPLAYED] * 3
    assert [r.view.id for r in again if r.view] == [r.view.id for r in first[:3] if r.view]
    found = await services.messages.find_by_external_ids(["fineract-default-77", "fineract-default-78", "no"])
    assert sorted(found) == ["fineract-default-77", "fineract-default-78"]
    assert await stored(services) == 4


async def test_store_failure_reaches_every_waiter_and_stores_nothing(
    services: Services, caller: Caller
) -> None:
    async with services.database.write.begin() as conn:
        await conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    results = await asyncio.gather(
        *(services.messages.submit(req(f"m{i}"), caller=caller, idempotency_key=None) for i in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(r, StoreError) for r in results)
    async with services.database.write.begin() as conn:
        await conn.exec_driver_sql("DROP TRIGGER refuse")
    assert await stored(services) == 0
    view, created = await services.messages.submit(req("after"), caller=caller, idempotency_key=None)
    assert created  # the writer survived the failure
    assert view.message == "after"


async def test_replay_is_answered_even_when_the_recipient_is_rate_limited(
    make_services: MakeServices, clock: Clock
) -> None:
    services = await make_services(limits=LimitsConfig(per_recipient_per_hour=1, per_recipient_burst=1))
    key_id = await services.api_keys.create(name="p", key_hash="d" * 64, scopes=frozenset(), now=NOW)
    caller = Caller(key_id, "p", frozenset())
    first, _ = await services.messages.submit(req(), caller=caller, idempotency_key="retry-me")
    again, created = await services.messages.submit(req(), caller=caller, idempotency_key="retry-me")
    assert (again.id, created) == (first.id, False)
    with pytest.raises(ConflictError):
        await services.messages.submit(req("other"), caller=caller, idempotency_key="retry-me")
    with pytest.raises(RateLimitedError):
        await services.messages.submit(req(), caller=caller, idempotency_key="new-key")
