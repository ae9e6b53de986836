"""``GET /metrics``: the gateway's picture in Prometheus text format (``prometheus-client``).

Each scrape first catches up with the store: the audit trail's events since the last scrape move
the counters (``gsmgateway_message_status_changes_total``, the send-error and latency figures) and
the messages stored since then move ``gsmgateway_messages_accepted_total``; then the gauges are
set from the store (messages by status, the queue and the age of its oldest message) and from the
live modem workers (state, signal, registration, reconnects, storage use per memory). Counters count
from this process's start, as Prometheus expects; a restart is a counter reset it knows how to handle.

Two-way messaging the same way: received messages (counted once, when complete or shown incomplete,
by modem and by how the sender matched), the webhook delivery log (each call by endpoint and
outcome), each endpoint's outbox (depth, age of the oldest pending event) and its circuit breaker
(from the live dispatcher).

Labels are statuses, error codes, modem ids and webhook endpoint *names* from the configuration —
never a phone number, a message id, a client id or a webhook URL (it may carry a password or a
token), which would leak data or grow without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from gsmgateway.core.circuit import BreakerState
from gsmgateway.core.inbound import RECEIVED_STATES, InboundState, MatchStatus
from gsmgateway.core.models import MessageStatus, ModemState
from gsmgateway.core.records import MemoryUsage
from gsmgateway.store.statistics import InboundFact, StatisticsQueries

#: Seconds from the claim to ``+CMGS`` for every part: a modem's submit takes 1-10 s, 90 s at worst.
SEND_BUCKETS = (0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 90, 120)
#: Seconds from ``sent`` to the final status report: usually seconds, hours for a phone that is off.
DELIVERY_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: What came of one webhook call (``store/statistics.AttemptFact``).
DELIVERY_OUTCOMES = ("delivered", "failed_attempt", "given_up")
_RECEIVED = frozenset(state.value for state in RECEIVED_STATES)


@dataclass(frozen=True)
class ModemFigures:
    """One modem as the metrics show it (from its worker and driver, read at scrape time)."""

    modem_id: str
    state: str
    signal_dbm: int | None
    registered: bool | None  # None: not asked yet
    reconnects: int
    storage: tuple[MemoryUsage, ...] = ()  # each memory's slots, while the modem is connected


class GatewayMetrics:
    """The registry of one gateway, refreshed from the store and the modems at every :meth:`render`."""

    def __init__(
        self,
        statistics: StatisticsQueries,
        modems: Callable[[], Sequence[ModemFigures]],
        *,
        clock: Callable[[], datetime],
        breakers: Callable[[], Mapping[str, BreakerState]] = dict,
    ) -> None:
        self._statistics = statistics
        self._modems = modems
        self._clock = clock
        self._breakers = breakers  # endpoint name → state, from the webhook dispatcher
        self._lock = asyncio.Lock()
        self._seen: tuple[int, int] | None = None  # (last event id, last message id) counted
        self._inbound_seen = 0  # the last received message looked at
        self._partial: set[int] = set()  # messages still waiting for parts: looked at again each scrape
        self._attempt_seen = 0  # the last webhook call counted
        self.registry = r = CollectorRegistry(auto_describe=True)
        self._accepted = Counter(
            "gsmgateway_messages_accepted", "Messages accepted and stored (POST /sms, batches, Fineract)",
            registry=r,
        )  # fmt: skip
        self._changes = Counter(
            "gsmgateway_message_status_changes", "Messages entering a status", ["status"], registry=r
        )
        self._errors = Counter(
            "gsmgateway_send_errors", "Failed send attempts by the modem's error code (CMS/CME)", ["code"],
            registry=r,
        )  # fmt: skip
        self._send_seconds = Histogram(
            "gsmgateway_send_seconds",
            "Claim to +CMGS for every part",
            buckets=SEND_BUCKETS,
            registry=r,
        )
        self._delivery_seconds = Histogram(
            "gsmgateway_delivery_seconds", "Sent to the final status report", buckets=DELIVERY_BUCKETS,
            registry=r,
        )  # fmt: skip
        self._by_status = Gauge("gsmgateway_messages", "Messages in each status now", ["status"], registry=r)
        self._queue_depth = Gauge("gsmgateway_queue_depth", "Messages queued now", registry=r)
        self._oldest = Gauge(
            "gsmgateway_queue_oldest_age_seconds",
            "Age of the oldest queued message (0: none)",
            registry=r,
        )
        self._modem_state = Gauge(
            "gsmgateway_modem_state", "1 for the modem's current state", ["modem", "state"], registry=r
        )
        self._signal = Gauge("gsmgateway_modem_signal_dbm", "Last signal strength", ["modem"], registry=r)
        self._registered = Gauge(
            "gsmgateway_modem_registered", "1 if registered on a network at the last look", ["modem"],
            registry=r,
        )  # fmt: skip
        self._reconnects = Gauge(
            "gsmgateway_modem_reconnects", "Reconnects since the start", ["modem"], registry=r
        )
        self._storage_used = Gauge(
            "gsmgateway_modem_storage_used", "Slots in use in a modem memory (SM, ME, SR…)",
            ["modem", "memory"], registry=r,
        )  # fmt: skip
        self._storage_total = Gauge(
            "gsmgateway_modem_storage_total", "Slots of a modem memory", ["modem", "memory"], registry=r
        )
        self._received = Counter(
            "gsmgateway_inbound_received", "Received SMS (complete or shown incomplete)",
            ["modem", "match"], registry=r,
        )  # fmt: skip
        self._incomplete = Counter(
            "gsmgateway_inbound_incomplete", "Received long SMS still missing parts after the timeout",
            ["modem"], registry=r,
        )  # fmt: skip
        self._deliveries = Counter(
            "gsmgateway_webhook_deliveries", "Webhook calls by endpoint name and outcome",
            ["endpoint", "outcome"], registry=r,
        )  # fmt: skip
        self._pending = Gauge(
            "gsmgateway_webhook_outbox_pending", "Webhook events waiting to be delivered", ["endpoint"],
            registry=r,
        )  # fmt: skip
        self._pending_age = Gauge(
            "gsmgateway_webhook_outbox_oldest_age_seconds",
            "Age of the oldest waiting webhook event (0: none)",
            ["endpoint"],
            registry=r,
        )  # fmt: skip
        self._breaker = Gauge(
            "gsmgateway_webhook_breaker_state", "1 for the endpoint's circuit breaker state",
            ["endpoint", "state"], registry=r,
        )  # fmt: skip
        for status in MessageStatus:
            self._changes.labels(status.value)
            self._by_status.labels(status.value)

    async def render(self) -> bytes:
        """Catch up with the store, set the gauges, and return the exposition text.

        :raises StoreError: the store could not be read (the scrape fails; nothing half-counted).
        """
        async with self._lock:  # two scrapes at once must not count the same events twice
            await self._catch_up()
            await self._count_two_way()
            await self._set_store_gauges()
            self._set_modem_gauges()
            await self._set_webhook_gauges()
            return generate_latest(self.registry)

    async def start(self) -> None:
        """Count from now on: what the store holds already is history, not news."""
        self._seen = await self._statistics.high_water()
        self._inbound_seen, partial, self._attempt_seen = await self._statistics.two_way_high_water()
        self._partial = set(partial)
        for modem in self._modems():
            for match in MatchStatus:
                self._received.labels(modem.modem_id, match.value)
            self._incomplete.labels(modem.modem_id)
        for endpoint in self._breakers():
            for outcome in DELIVERY_OUTCOMES:
                self._deliveries.labels(endpoint, outcome)

    async def _count_two_way(self) -> None:
        """Count messages received (or shown incomplete) and webhook calls made since the last scrape.

        Each batch read is counted before the mark moves past it: a read that fails leaves the rest
        to the next scrape, neither lost nor counted twice.
        """
        if self._partial:
            facts = await self._statistics.inbound_by_ids(self._partial)
            self._partial = set()
            self._count_received(facts)
        while batch := await self._statistics.inbound_after(self._inbound_seen):
            self._count_received(batch)
            self._inbound_seen = batch[-1].id
        while calls := await self._statistics.attempts_after(self._attempt_seen):
            for call in calls:
                self._deliveries.labels(call.endpoint, call.outcome).inc()
            self._attempt_seen = calls[-1].id

    def _count_received(self, facts: Sequence[InboundFact]) -> None:
        for fact in facts:
            if fact.state not in _RECEIVED:
                self._partial.add(fact.id)  # still waiting for parts: counted once they are in (or not)
                continue
            self._received.labels(fact.modem_id, fact.match_status).inc()
            if fact.state == InboundState.INCOMPLETE:
                self._incomplete.labels(fact.modem_id).inc()

    async def _catch_up(self) -> None:
        if self._seen is None:
            await self.start()
            return
        last_event, last_message = self._seen
        stored, last_message = await self._statistics.messages_after(last_message)
        self._accepted.inc(stored)
        self._seen = (last_event, last_message)
        while events := await self._statistics.events_after(last_event):
            for event in events:
                self._changes.labels(event.to_status).inc()
                if event.error_code is not None and event.from_status == MessageStatus.SENDING.value:
                    self._errors.labels(str(event.error_code)).inc()  # not a report's TP-ST
                if event.seconds is not None:
                    sent = event.to_status == MessageStatus.SENT.value
                    (self._send_seconds if sent else self._delivery_seconds).observe(event.seconds)
            last_event = events[-1].id
            self._seen = (last_event, last_message)

    async def _set_store_gauges(self) -> None:
        counts = await self._statistics.status_counts()
        for status in MessageStatus:
            self._by_status.labels(status.value).set(counts.get(status.value, 0))
        queue = await self._statistics.queue()
        self._queue_depth.set(queue.depth)
        oldest = queue.oldest_created_at
        self._oldest.set(0 if oldest is None else max(0.0, (self._clock() - oldest).total_seconds()))

    async def _set_webhook_gauges(self) -> None:
        now = self._clock()
        for endpoint, pending in (await self._statistics.pending_deliveries()).items():
            self._pending.labels(endpoint).set(pending.depth)
            oldest = pending.oldest_occurred_at
            self._pending_age.labels(endpoint).set(
                0 if oldest is None else max(0.0, (now - oldest).total_seconds())
            )
        for endpoint, current in self._breakers().items():
            for state in BreakerState:
                self._breaker.labels(endpoint, state.value).set(1 if state is current else 0)

    def _set_modem_gauges(self) -> None:
        for modem in self._modems():
            for state in ModemState:
                self._modem_state.labels(modem.modem_id, state.value).set(
                    1 if modem.state == state.value else 0
                )
            if modem.signal_dbm is not None:
                self._signal.labels(modem.modem_id).set(modem.signal_dbm)
            else:  # unknown (+CSQ 99, disconnected): no figure rather than a stale one
                with suppress(KeyError):
                    self._signal.remove(modem.modem_id)
            if modem.registered is not None:
                self._registered.labels(modem.modem_id).set(1 if modem.registered else 0)
            self._reconnects.labels(modem.modem_id).set(modem.reconnects)
            for memory in modem.storage:
                if memory.used is not None and memory.total is not None:
                    self._storage_used.labels(modem.modem_id, memory.memory).set(memory.used)
                    self._storage_total.labels(modem.modem_id, memory.memory).set(memory.total)
