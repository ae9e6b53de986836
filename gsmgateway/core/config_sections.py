"""The sections of the configuration file: one frozen dataclass per TOML table, with its defaults.

This is the reference of what an operator can set (``[api]``, ``[dispatch]``, ``[[modems]]`` …) and
the little behaviour that belongs to a section's values (:meth:`RetryPolicy.delay`,
:meth:`QuietHours.contains`). How a file, the environment and CLI overrides become these, and the
checks across sections, are :mod:`gsmgateway.core.config`'s job; the two-way sections
(``[inbound]``, ``[webhook_delivery]``, ``[[webhooks]]``) are in :mod:`gsmgateway.core.config_inbound`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

DispatchMode = Literal["immediate", "scheduled"]
#: How status reports reach the gateway (``AT+CNMI`` ds=2 / ds=1 / SR sweep only); see modem/options.py.
ReportRoutingChoice = Literal["stored", "direct", "poll"]


@dataclass(frozen=True)
class ModemConfig:
    """One USB modem; ``port`` is best a ``/dev/serial/by-id/…`` path so replugging keeps its name."""

    id: str
    port: str
    baudrate: int = 115200
    rtscts: bool = False
    pin: str | None = None
    messages_per_minute: int = 20  # per-modem send rate; operators get blocked for bursts
    report_routing: ReportRoutingChoice = "stored"
    smsc: str | None = None  # set AT+CSCA when the SIM has no (or a wrong) SMS centre number


@dataclass(frozen=True)
class ApiConfig:
    """Where the REST API listens. Port 0 (any free port) is for tests; a daemon needs a fixed one.

    ``tls_cert``/``tls_key`` (PEM files) switch it to HTTPS. ``max_connections`` caps open
    connections (each is a file descriptor; the unit's ``LimitNOFILE=`` is far above it). A
    connection whose request headers are not complete ``idle_timeout_seconds`` after it opened, or
    after its previous response, is closed: idle and slow clients alike.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 65536
    max_batch: int = 1000
    tls_cert: str = ""
    tls_key: str = ""
    max_connections: int = 1000
    idle_timeout_seconds: float = 15.0


@dataclass(frozen=True)
class StoreConfig:
    """The database; empty ``url`` means an SQLite file ``gsmgateway.db`` in the state directory."""

    url: str = ""
    busy_timeout_ms: int = 5000
    write_batch_max: int = 2000  # most submits the group-commit writer puts in one transaction


@dataclass(frozen=True)
class DispatchConfig:
    """When and how messages leave, and how long the gateway keeps caring about them."""

    mode: DispatchMode = "immediate"
    at_least_once: bool = False  # True: `sending` found at start goes back to `queued` (may duplicate)
    max_parts: int = 6
    send_at_horizon_days: int = 30
    validity_hours: int = 24  # a queued message not sent within this expires
    report_window_hours: int = 48  # `sent` with no final report after this → `expired` (no-report)
    report_match_hours: int = 72  # how far back a status report may match a part
    retention_days: int = 90  # message text removed after this; metadata is kept


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with jitter for transient send errors; then the message fails."""

    max_attempts: int = 5
    base_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0
    jitter: float = 0.2  # ± fraction of the delay, so a burst of failures does not retry in lockstep

    def delay(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        """Return the wait before attempt ``attempt + 1`` after ``attempt`` failed (1-based)."""
        raw = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** max(0, attempt - 1))
        spread = (rng or random.Random()).uniform(-self.jitter, self.jitter)  # noqa: S311 - not crypto
        return timedelta(seconds=max(0.0, raw * (1 + spread)))


@dataclass(frozen=True)
class QuietHours:
    """Hours in the branch's time zone when nothing is sent; messages wait, they are not dropped."""

    enabled: bool = False
    start: time = time(21, 0)
    end: time = time(7, 0)
    timezone: str = "UTC"

    def contains(self, now: datetime) -> bool:
        """Return whether ``now`` (aware) falls inside the quiet period."""
        if not self.enabled or self.start == self.end:
            return False
        local = now.astimezone(ZoneInfo(self.timezone)).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, now: datetime) -> datetime:
        """Return the first moment at or after ``now`` outside the quiet period (UTC)."""
        if not self.contains(now):
            return now
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return end.astimezone(UTC)


@dataclass(frozen=True)
class LimitsConfig:
    """Request limits; a rate of 0 switches that limit off."""

    per_key_per_second: float = 200.0
    per_key_burst: int = 1000
    per_recipient_per_hour: float = 30.0
    per_recipient_burst: int = 10


@dataclass(frozen=True)
class JobsConfig:
    """Intervals of the scheduled jobs, in seconds."""

    sweep_seconds: float = 5.0
    report_poll_seconds: float = 60.0
    health_seconds: float = 30.0
    report_expiry_seconds: float = 300.0
    retention_seconds: float = 3600.0


@dataclass(frozen=True)
class DirectoryConfig:
    """How numbers are normalised, and how long looked-up recipients are cached."""

    default_country_code: str = ""  # e.g. "255": "0712…" becomes "+255712…"; empty: national numbers refused
    cache_ttl_seconds: float = 300.0


@dataclass(frozen=True)
class FineractConfig:
    """Optional live lookup of clients and staff in Fineract (``mobileNo``)."""

    enabled: bool = False
    base_url: str = ""
    username: str = ""
    password: str = ""
    tenant: str = "default"
    timeout_seconds: float = 5.0
    verify_tls: bool = True


@dataclass(frozen=True)
class FineractGatewayConfig:
    """Fineract's own message-gateway contract (``gsmgateway/api/fineract_gateway.py``) on a port of its own.

    Off by default: it is the one place a raw number enters, with its own credential (an API key with
    the ``platform`` scope, sent as ``Fineract-Tenant-App-Key``, and this ``tenant``).
    """

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 9191
    tenant: str = "default"
    tls_cert: str = ""
    tls_key: str = ""


@dataclass(frozen=True)
class ConsoleConfig:
    """The operator console under ``/console`` on the API listener (``gsmgateway/api/console/``).

    A session ends after ``idle_minutes`` without a page view, and ``absolute_hours`` after sign-in
    whatever happens; "today" on its pages is counted in ``quiet_hours.timezone``, the branch's zone.
    """

    enabled: bool = True
    idle_minutes: float = 30.0
    absolute_hours: float = 12.0
