"""Webhook delivery against a real HTTP receiver: signed, at least once, retried, capped, breaker.

The dispatcher runs on a real SQLite store with the test's clock, and is stepped by hand
(``start(loop=False)`` then ``start_due``/``wait_idle``), so every retry and cooldown is reached by
moving the clock, never by waiting for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_inbound import WebhookConfig, WebhookDeliveryConfig
from gsmgateway.core.config_sections import DirectoryConfig
from gsmgateway.core.errors import OutcomeUnknownError, PduError
from gsmgateway.core.records import RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import SubmitRequest
from gsmgateway.messages.webhook_dispatcher import WebhookDispatcher
from gsmgateway.messages.webhook_payloads import PayloadBuilder
from gsmgateway.store.tables import webhook_attempts
from gsmgateway.wiring import Services, open_services
from tests.inbound import deliver_pdus, receive
from tests.store.conftest import Clock
from tests.webhooks.receiver import Receiver

SECRET = "a-long-enough-signing-secret"
ASHA = "+255712345678"
DELIVERY = WebhookDeliveryConfig(breaker_failures=2, breaker_cooldown_seconds=30.0, retry_base_seconds=1.0)


class Harness:
    """Receivers, services and dispatchers of one test; all stopped at the end."""

    def __init__(self, tmp_path: Path, clock: Clock) -> None:
        self.tmp_path = tmp_path
        self.clock = clock
        self.receivers: list[Receiver] = []
        self.services: list[Services] = []
        self.dispatchers: list[WebhookDispatcher] = []

    async def receiver(self) -> Receiver:
        receiver = Receiver(SECRET)
        await receiver.start()
        self.receivers.append(receiver)
        return receiver

    async def open(self, *hooks: WebhookConfig, delivery: WebhookDeliveryConfig = DELIVERY) -> Services:
        config = GatewayConfig(
            state_dir=str(self.tmp_path), directory=DirectoryConfig(default_country_code="255"),
            webhooks=hooks, webhook_delivery=delivery,
        )  # fmt: skip
        services = await open_services(config, clock=self.clock, monotonic=self.clock.monotonic)
        self.services.append(services)
        await services.directory.put(RecipientKind.CLIENT, "12", mobile=ASHA, opted_out=False, name=None)
        return services

    async def dispatcher(self, services: Services) -> WebhookDispatcher:
        dispatcher = WebhookDispatcher(
            services.config, services.outbox, PayloadBuilder(services.messages, services.inbound),
            clock=self.clock, monotonic=self.clock.monotonic,
        )  # fmt: skip
        await dispatcher.start(loop=False)
        self.dispatchers.append(dispatcher)
        return dispatcher

    async def close(self) -> None:
        for dispatcher in self.dispatchers:
            await dispatcher.stop()
        for services in self.services:
            await services.close()
        for receiver in self.receivers:
            receiver.hold = None
            await receiver.stop()


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    built = Harness(tmp_path, Clock())
    yield built
    await built.close()


def hook(receiver: Receiver, **extra: object) -> WebhookConfig:
    return WebhookConfig(url=receiver.url, secret=SECRET, **extra)  # type: ignore[arg-type]


async def step(dispatcher: WebhookDispatcher) -> int:
    """Start what is due and wait for those calls to be recorded; return how many were started."""
    started = await dispatcher.start_due()
    await dispatcher.wait_idle()
    return len(started)


async def attempts(services: Services) -> list[int | None]:
    async with services.database.read.connect() as conn:
        rows = await conn.scalars(select(webhook_attempts.c.http_status).order_by(webhook_attempts.c.id))
        return list(rows)


async def test_a_received_sms_is_posted_signed_without_the_number(harness: Harness) -> None:
    receiver = await harness.receiver()
    services = await harness.open(hook(receiver))
    dispatcher = await harness.dispatcher(services)
    await receive(services, deliver_pdus("Nimelipa 🙏", sender=ASHA))
    assert await step(dispatcher) == 1
    (call,) = receiver.calls
    assert call.signature_ok
    assert call.headers["X-Gsmgateway-Event"] == "inbound.received"
    assert call.headers["Content-Type"] == "application/json"
    body = call.json
    assert (body["type"], body["id"]) == ("inbound.received", int(call.headers["X-Gsmgateway-Delivery"]))
    assert body["data"]["text"] == "Nimelipa 🙏"
    assert body["data"]["match"]["clientId"] == "12"
    assert ASHA not in call.body.decode()  # include_numbers is false by default
    assert await services.outbox.counts() == {"delivered": 1}
    assert await step(dispatcher) == 0  # delivered once, not again


async def test_status_events_carry_the_number_only_where_configured(harness: Harness) -> None:
    plain, with_numbers = await harness.receiver(), await harness.receiver()
    services = await harness.open(
        hook(plain, name="crm", events=("message.status",)),
        hook(with_numbers, name="audit", include_numbers=True),
    )
    dispatcher = await harness.dispatcher(services)
    key_id = await services.api_keys.create(
        name="p", key_hash="2" * 64, scopes=frozenset(), now=harness.clock()
    )
    caller = Caller(key_id=key_id, name="p", scopes=frozenset())
    view, _ = await services.messages.submit(
        SubmitRequest("Due tomorrow", "12", None, None, "loan-7"), caller=caller, idempotency_key=None
    )
    claimed = await services.dispatch.claim_next("m1")
    assert claimed is not None
    await services.dispatch.record_part_written(claimed, 1, modem_id="m1")
    await services.dispatch.record_part_sent(claimed, 1, modem_id="m1", mr=9)
    await services.dispatch.mark_sent(claimed, modem_id="m1")
    assert await step(dispatcher) == 2
    (first,), (second,) = plain.calls, with_numbers.calls
    for call in (first, second):
        assert call.signature_ok
        data = call.json["data"]
        assert (data["messageId"], data["status"], data["previousStatus"]) == (view.id, "sent", "sending")
        assert (data["clientId"], data["externalId"]) == ("12", "loan-7")
    assert "number" not in first.json["data"]
    assert second.json["data"]["number"] == ASHA


async def test_failed_calls_are_retried_with_back_off_and_logged(harness: Harness) -> None:
    receiver = await harness.receiver()
    receiver.statuses = [500, 503]
    services = await harness.open(hook(receiver), delivery=replace(DELIVERY, breaker_failures=5))
    dispatcher = await harness.dispatcher(services)
    await receive(services, deliver_pdus("hello", sender=ASHA))
    assert await step(dispatcher) == 1
    assert await step(dispatcher) == 0  # not due again before its back-off (1 s ± 20 %)
    harness.clock.advance(timedelta(seconds=1.3))
    assert await step(dispatcher) == 1
    assert await step(dispatcher) == 0
    harness.clock.advance(timedelta(seconds=2.5))
    assert await step(dispatcher) == 1
    assert await attempts(services) == [500, 503, 200]
    assert len({call.json["id"] for call in receiver.calls}) == 1  # one event, the same id each time
    assert await services.outbox.counts() == {"delivered": 1}


async def test_a_dead_endpoint_opens_its_breaker_and_gets_everything_once_back(harness: Harness) -> None:
    receiver = await harness.receiver()
    await receiver.stop()  # down: connections refused
    services = await harness.open(hook(receiver))
    dispatcher = await harness.dispatcher(services)
    for text in ("one", "two", "three"):
        await receive(services, deliver_pdus(text, sender=ASHA))
    assert await step(dispatcher) == 3  # all three fail; the second failure opens the breaker
    assert await attempts(services) == [None, None, None]
    harness.clock.advance(timedelta(seconds=10))  # due again, but the breaker is open
    assert await step(dispatcher) == 0
    harness.clock.advance(timedelta(seconds=25))  # cooldown over: exactly one trial
    assert await step(dispatcher) == 1
    assert await step(dispatcher) == 0  # failed: open again
    await receiver.start()  # back, on the same port
    harness.clock.advance(timedelta(seconds=31))
    assert await step(dispatcher) == 1  # the trial succeeds and closes the breaker
    harness.clock.advance(timedelta(seconds=60))
    assert await step(dispatcher) == 2
    assert sorted(call.json["data"]["text"] for call in receiver.calls) == ["one", "three", "two"]
    assert all(call.signature_ok for call in receiver.calls)
    assert await services.outbox.counts() == {"delivered": 3}


async def test_concurrent_calls_are_capped(harness: Harness) -> None:
    receiver = await harness.receiver()
    receiver.hold = asyncio.Event()
    services = await harness.open(
        hook(receiver, max_concurrent=3), delivery=replace(DELIVERY, max_concurrent=2)
    )
    dispatcher = await harness.dispatcher(services)
    for index in range(5):
        await receive(services, deliver_pdus(f"message {index}", sender=ASHA))
    assert len(await dispatcher.start_due()) == 2  # the global cap
    await receiver.wait_for(2)
    assert await dispatcher.start_due() == []  # both slots busy: nothing more starts
    assert receiver.waiting == 2
    receiver.hold.set()
    await dispatcher.wait_idle()
    assert [await step(dispatcher) for _ in range(3)] == [2, 1, 0]
    assert len(receiver.calls) == 5
    assert await services.outbox.counts() == {"delivered": 5}


async def test_a_stop_in_mid_call_leaves_the_event_for_the_next_start(harness: Harness) -> None:
    receiver = await harness.receiver()
    receiver.hold = asyncio.Event()
    services = await harness.open(hook(receiver))
    first = await harness.dispatcher(services)
    await receive(services, deliver_pdus("survives a restart", sender=ASHA))
    assert len(await first.start_due()) == 1
    await receiver.wait_for(1)
    await first.stop()  # the call is cut off: nothing recorded, the row stays pending
    assert await services.outbox.counts() == {"pending": 1}
    receiver.hold.set()
    second = await harness.dispatcher(services)
    assert await step(second) == 1
    assert [call.json["data"]["text"] for call in receiver.calls] == ["survives a restart"] * 2
    assert await services.outbox.counts() == {"delivered": 1}


async def test_an_event_is_given_up_after_give_up_hours(harness: Harness) -> None:
    receiver = await harness.receiver()
    receiver.statuses = [500] * 10
    services = await harness.open(hook(receiver), delivery=replace(DELIVERY, give_up_hours=1.0))
    dispatcher = await harness.dispatcher(services)
    await receive(services, deliver_pdus("hello", sender=ASHA))
    assert await step(dispatcher) == 1
    harness.clock.advance(timedelta(hours=1))
    assert await step(dispatcher) == 1
    assert await services.outbox.counts() == {"failed": 1}


async def test_removing_an_endpoint_abandons_its_pending_events(harness: Harness) -> None:
    receiver = await harness.receiver()
    services = await harness.open(hook(receiver))
    await receive(services, deliver_pdus("hello", sender=ASHA))
    await services.close()
    harness.services.remove(services)
    again = await harness.open()  # the [[webhooks]] table was removed from the configuration
    assert await again.outbox.counts() == {"abandoned": 1}
    await receive(again, deliver_pdus("after", sender=ASHA))
    assert await again.outbox.counts() == {"abandoned": 1}  # nobody to announce it to


async def test_a_failed_or_unknown_status_carries_the_reason_get_sms_shows(harness: Harness) -> None:
    receiver = await harness.receiver()
    services = await harness.open(hook(receiver, events=("message.status",)))
    dispatcher = await harness.dispatcher(services)
    key_id = await services.api_keys.create(
        name="p", key_hash="3" * 64, scopes=frozenset(), now=harness.clock()
    )
    caller = Caller(key_id=key_id, name="p", scopes=frozenset())
    ids = []
    for text, error in (
        ("Cannot encode", PduError("no PDU for this text")),
        ("Lost", OutcomeUnknownError("x")),
    ):
        view, _ = await services.messages.submit(
            SubmitRequest(text, "12", None, None, None), caller=caller, idempotency_key=None
        )
        claimed = await services.dispatch.claim_next("m1")
        assert claimed is not None
        assert claimed.id == view.id
        await services.dispatch.mark_attempt_failed(claimed, error, modem_id="m1", parts_sent=0)
        ids.append(view.id)
    assert await step(dispatcher) == 2
    payloads = {call.json["data"]["messageId"]: call.json["data"] for call in receiver.calls}
    for message_id, status in zip(ids, ("failed", "unknown"), strict=True):
        shown = (await services.messages.get(message_id)).message  # what GET /sms/{id} renders
        assert (shown.status, payloads[message_id]["status"]) == (status, status)
        assert shown.status_reason
        assert payloads[message_id]["reason"] == shown.status_reason
