"""Deliver the webhook outbox: signed JSON POSTs, at least once, without ever holding anything up.

One task takes due outbox rows (``store/outbox.py``) and starts one call per row, within two caps —
``webhook_delivery.max_concurrent`` calls in all and each endpoint's ``max_concurrent`` — and never
waits for a call itself, so a slow endpoint holds only its own slots. Each call has a timeout and
its own task; sending, the API and the other endpoints never wait for it.

* A 2xx answer delivers the row. Anything else (another status, a timeout, a refused connection)
  is logged in ``webhook_attempts`` and the row is tried again after ``base * 2^(n-1)`` seconds
  (capped, ± 20 %); an event still undelivered ``give_up_hours`` after it occurred is marked failed.
* Per endpoint, a :class:`~gsmgateway.core.circuit.CircuitBreaker`: after ``breaker_failures``
  failures in a row nobody calls it for ``breaker_cooldown_seconds``, then one trial call decides.
* A restart resumes: pending rows are simply due again (a call cut off by a stop is repeated —
  receivers drop repeats by the event ``id``, the same on every retry).

Logs name the endpoint by its configured name, never by its URL (it may carry a password or a token),
and never show the payload (it may carry a text) nor the secret.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp

from gsmgateway import __version__
from gsmgateway.core.circuit import BreakerState, CircuitBreaker
from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_inbound import WebhookConfig
from gsmgateway.core.errors import MessageNotFoundError, StoreError
from gsmgateway.core.webhook_signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature_header
from gsmgateway.messages.webhook_payloads import PayloadBuilder
from gsmgateway.store.outbox import OutboxEntry, OutboxRepository

logger = logging.getLogger(__name__)


@dataclass
class _Endpoint:
    """One configured endpoint with its breaker and the calls in flight to it."""

    hook: WebhookConfig
    breaker: CircuitBreaker
    in_flight: set[int] = field(default_factory=set)


class WebhookDispatcher:
    """Deliver outbox rows to the configured endpoints; :meth:`start`, :meth:`wake`, :meth:`stop`."""

    def __init__(
        self,
        config: GatewayConfig,
        outbox: OutboxRepository,
        payloads: PayloadBuilder,
        *,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config.webhook_delivery
        self._hooks = config.webhooks
        self._outbox = outbox
        self._payloads = payloads
        self._clock = clock
        self._monotonic = monotonic
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._endpoints: dict[int, _Endpoint] = {}
        self._calls: dict[int, asyncio.Task[None]] = {}
        self._wakeup = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._picking = asyncio.Lock()  # one start_due at a time: rows are picked once
        self.calls_made = 0

    async def start(self, *, loop: bool = True) -> None:
        """Bring the endpoints table in line with the configuration; start delivering (if any).

        ``loop`` False leaves the calls to whoever calls :meth:`start_due` (tests step it by hand).
        """
        ids = await self._outbox.sync_endpoints(self._hooks, now=self._clock())
        cfg = self._config
        self._endpoints = {ids[hook.name]: _Endpoint(hook, self._breaker()) for hook in self._hooks}
        if self._endpoints and self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=cfg.timeout_seconds),
                headers={"User-Agent": f"gsmgateway/{__version__}", "Content-Type": "application/json"},
            )
        if self._endpoints and loop and self._task is None:
            self._task = asyncio.create_task(self._run(), name="webhooks")

    def _breaker(self) -> CircuitBreaker:
        cfg = self._config
        return CircuitBreaker(
            failures=cfg.breaker_failures, cooldown=cfg.breaker_cooldown_seconds, clock=self._monotonic
        )

    def breaker_states(self) -> dict[str, BreakerState]:
        """Each configured endpoint's circuit breaker by the endpoint's name (``/metrics``)."""
        return {endpoint.hook.name: endpoint.breaker.state for endpoint in self._endpoints.values()}

    def wake(self) -> None:
        """Look at the outbox now (new events were written)."""
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                await self.start_due()
                pause = await self._pause()
            except Exception:  # a busy or failing store must not end delivery; the rows stay pending
                logger.exception("webhook delivery pass failed; retrying")
                pause = self._config.retry_base_seconds
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=pause)

    async def start_due(self) -> list[asyncio.Task[None]]:
        """Start a call for every due row the caps and breakers allow; return the calls started."""
        async with self._picking:
            return await self._start_due()

    async def _start_due(self) -> list[asyncio.Task[None]]:
        limit = self._config.max_concurrent - len(self._calls)
        if limit <= 0 or self._session is None:
            return []
        due = await self._outbox.due(
            now=self._clock(), limit=limit, skip_endpoints=self._paused(), skip_ids=list(self._calls)
        )
        started: list[asyncio.Task[None]] = []
        for entry in due:
            endpoint = self._endpoints.get(entry.endpoint_id)
            if endpoint is None or len(endpoint.in_flight) >= endpoint.hook.max_concurrent:
                continue
            if not endpoint.breaker.allows():  # an open breaker past its cooldown lets one trial go
                continue
            endpoint.in_flight.add(entry.id)
            task = asyncio.create_task(self._call(endpoint, entry), name=f"webhook-{entry.id}")
            self._calls[entry.id] = task
            started.append(task)
        return started

    def _paused(self) -> list[int]:
        """Endpoints whose rows cannot go now: all slots busy, breaker open, or a trial under way."""
        now = self._monotonic()
        paused = []
        for endpoint_id, endpoint in self._endpoints.items():
            breaker = endpoint.breaker
            until = breaker.open_until
            if (
                len(endpoint.in_flight) >= endpoint.hook.max_concurrent
                or breaker.state is BreakerState.HALF_OPEN
                or (until is not None and now < until)
            ):
                paused.append(endpoint_id)
        return paused

    async def _pause(self) -> float:
        """Seconds until a row of an endpoint that may be called falls due, or a breaker's trial."""
        nearest = await self._outbox.next_due_at(skip_endpoints=self._paused())
        wait = self._config.poll_seconds if nearest is None else (nearest - self._clock()).total_seconds()
        for endpoint in self._endpoints.values():
            until = endpoint.breaker.open_until
            if until is not None:
                wait = min(wait, until - self._monotonic())
        return min(max(wait, 0.05), self._config.poll_seconds)

    async def _call(self, endpoint: _Endpoint, entry: OutboxEntry) -> None:
        started = self._monotonic()
        status: int | None = None
        error: str | None = None
        try:
            try:
                body = await self._payloads.body(entry, include_numbers=endpoint.hook.include_numbers)
                status, error = await self._post(endpoint.hook, entry, body)
            except MessageNotFoundError as exc:
                error = f"the event's subject is gone: {exc}"
            self.calls_made += 1
            await self._settle(endpoint, entry, status, error, int((self._monotonic() - started) * 1000))
        except StoreError:  # the row stays pending and is called again: at least once
            logger.exception("webhook %s: could not record event %s", endpoint.hook.name, entry.id)
        finally:  # only now: until the attempt is recorded, the row must not be picked again
            endpoint.in_flight.discard(entry.id)
            self._calls.pop(entry.id, None)
            self._wakeup.set()

    async def _post(
        self, hook: WebhookConfig, entry: OutboxEntry, body: bytes
    ) -> tuple[int | None, str | None]:
        """POST one signed body; return the status and an error text (None: delivered)."""
        assert self._session is not None  # noqa: S101 - started before any call
        headers = {
            SIGNATURE_HEADER: signature_header(hook.secret, int(time.time()), body),
            EVENT_HEADER: entry.event_type,
            DELIVERY_HEADER: str(entry.id),
        }
        try:
            async with self._session.post(
                hook.url, data=body, headers=headers, allow_redirects=False
            ) as answer:
                await answer.read()
                return answer.status, None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return None, hook.scrub(f"{type(exc).__name__}: {exc}")[:300]  # logged and stored: no token

    async def _settle(
        self, endpoint: _Endpoint, entry: OutboxEntry, status: int | None, error: str | None, duration_ms: int
    ) -> None:
        now = self._clock()
        name = endpoint.hook.name
        if error is None:
            if endpoint.breaker.succeeded():
                logger.info("webhook %s answers again; delivering its queued events", name)
        elif endpoint.breaker.failed():
            pause = self._config.breaker_cooldown_seconds
            logger.warning("webhook %s failed %d times in a row (%s); pausing it for %.0f s", name,
                           self._config.breaker_failures, error, pause)  # fmt: skip
        give_up = now - entry.occurred_at >= timedelta(hours=self._config.give_up_hours)
        retry_at = None if error is None else now + self._backoff(entry.attempts + 1)
        await self._outbox.record_attempt(
            entry.id, at=now, duration_ms=duration_ms, http_status=status, error=error,
            next_attempt_at=retry_at, give_up=give_up,
        )  # fmt: skip
        if error is not None and give_up:
            logger.error("webhook %s: event %s given up after %d attempts (%s)", name, entry.id,
                         entry.attempts + 1, error)  # fmt: skip

    def _backoff(self, attempt: int) -> timedelta:
        cfg = self._config
        raw = min(cfg.retry_max_seconds, cfg.retry_base_seconds * 2 ** (attempt - 1))
        return timedelta(seconds=raw * self._rng.uniform(0.8, 1.2))

    async def wait_idle(self) -> None:
        """Wait until no call is in flight (tests and shutdown)."""
        while self._calls:
            await asyncio.gather(*list(self._calls.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Stop delivering: calls in flight are cancelled (their rows stay pending); idempotent."""
        task, self._task = self._task, None
        calls = list(self._calls.values())
        for pending in ([task] if task is not None else []) + calls:
            pending.cancel()
        for pending in ([task] if task is not None else []) + calls:
            with suppress(asyncio.CancelledError):
                await pending
        self._calls.clear()
        session, self._session = self._session, None
        if session is not None:
            await session.close()
