"""Typed keys for what the console app holds and what its guard puts on each request."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from gsmgateway.api.context import ModemStatusProvider
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.console_sessions import ConsoleSession
from gsmgateway.messages.inbound import InboundService
from gsmgateway.messages.message_service import MessageService
from gsmgateway.messages.operator import OperatorService

OPERATOR: Final = web.AppKey("operator", OperatorService)
MESSAGES: Final = web.AppKey("messages", MessageService)
DIRECTORY: Final = web.AppKey("directory", DirectoryService)
INBOUND: Final = web.AppKey("inbound", InboundService)
MODEM_STATUS: Final = web.AppKey("modem_status", ModemStatusProvider)
SESSION: Final = web.RequestKey("console_session", ConsoleSession)
SESSION_ID: Final = web.RequestKey("console_session_id", str)
