"""Typed keys for what the app factory puts on the application and the auth layer on the request.

Handlers reach the service, the directory and the modem registry through these keys rather than
globals, so two apps (the public API and the Fineract compatibility app, or two tests) never share
state by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol

from aiohttp import web

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.records import ModemStatusView
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.inbound import InboundService
from gsmgateway.messages.message_service import MessageService


class ModemStatusProvider(Protocol):
    """Where ``GET /modems`` and ``GET /ready`` learn how the modems are doing.

    The composition root passes the worker registry; it answers from memory, so this is cheap
    enough to call on every readiness probe.
    """

    async def modem_statuses(self) -> Sequence[ModemStatusView]:
        """Return one snapshot per configured modem, in configuration order."""
        ...


class MetricsSource(Protocol):
    """Where ``GET /metrics`` gets its text: the gateway's registry, refreshed per scrape."""

    async def render(self) -> bytes:
        """Return the Prometheus exposition text."""
        ...


class StoreHealthView(Protocol):
    """Whether the store can be written now (``GET /ready``)."""

    @property
    def writable(self) -> bool:
        """False from a failure of the disk or the database file until a write succeeds again."""
        ...

    @property
    def problem(self) -> str | None:
        """What is wrong, in words (``the disk is full``), or None."""
        ...


SERVICE: Final = web.AppKey("service", MessageService)
DIRECTORY: Final = web.AppKey("directory", DirectoryService)
MODEMS: Final = web.AppKey("modems", ModemStatusProvider)
INBOUND: Final = web.AppKey("inbound", InboundService)
CONFIG: Final = web.AppKey("config", GatewayConfig)
METRICS: Final = web.AppKey("metrics", MetricsSource)
STORE_HEALTH: Final = web.AppKey("store_health", StoreHealthView)
OPENAPI: Final = web.AppKey("openapi", dict[str, Any])
CALLER: Final = web.RequestKey("caller", Caller)
