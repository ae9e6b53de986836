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
from gsmgateway.messages.inbound import InboundService
from gsmgateway.messages.message_service import Caller, MessageService


class ModemStatusProvider(Protocol):
    """Where ``GET /modems`` and ``GET /ready`` learn how the modems are doing.

    The composition root passes the worker registry; it answers from memory, so this is cheap
    enough to call on every readiness probe.
    """

    async def modem_statuses(self) -> Sequence[ModemStatusView]:
        """Return one snapshot per configured modem, in configuration order."""
        ...


SERVICE: Final = web.AppKey("service", MessageService)
DIRECTORY: Final = web.AppKey("directory", DirectoryService)
MODEMS: Final = web.AppKey("modems", ModemStatusProvider)
INBOUND: Final = web.AppKey("inbound", InboundService)
CONFIG: Final = web.AppKey("config", GatewayConfig)
OPENAPI: Final = web.AppKey("openapi", dict[str, Any])
CALLER: Final = web.RequestKey("caller", Caller)
