"""Operations endpoints: liveness, readiness, modem status and the OpenAPI document.

``/health`` answers as long as the event loop runs (systemd and load balancers use it to restart a
hung process); ``/ready`` says whether sending can work now: the store answers a query and at least
one modem is ``ready``. A gateway that is alive but not ready still accepts messages — they wait
in the queue — so ``/ready`` is for monitoring, not for taking the API away.
"""

from __future__ import annotations

import logging

from aiohttp import web

from gsmgateway.api.context import MODEMS, OPENAPI, SERVICE
from gsmgateway.api.render import modems_json
from gsmgateway.core.errors import GatewayError
from gsmgateway.core.models import ModemState
from gsmgateway.messages.message_service import MessageQuery

logger = logging.getLogger(__name__)


async def health(request: web.Request) -> web.Response:
    """``GET /health``: the process is alive; no auth, no IO."""
    return web.json_response({"status": "ok"})


async def _store_ok(request: web.Request) -> bool:
    probe = MessageQuery(
        status=None, client_id=None, staff_id=None, created_from=None, created_to=None, cursor=None, limit=1
    )
    try:
        await request.app[SERVICE].list(probe)
    except GatewayError as exc:
        logger.warning("readiness: store not answering: %s", exc)
        return False
    return True


async def ready(request: web.Request) -> web.Response:
    """``GET /ready``: 200 when the store answers and a modem is ready, else 503 saying which is missing."""
    store_ok = await _store_ok(request)
    try:
        statuses = await request.app[MODEMS].modem_statuses()
    except GatewayError as exc:
        logger.warning("readiness: modem status not available: %s", exc)
        statuses = []
    ready_modems = [s.modem_id for s in statuses if s.state == ModemState.READY.value]
    is_ready = store_ok and bool(ready_modems)
    body = {
        "status": "ready" if is_ready else "not_ready",
        "store": "ok" if store_ok else "unavailable",
        "readyModems": ready_modems,
    }
    return web.json_response(body, status=200 if is_ready else 503)


async def modems(request: web.Request) -> web.Response:
    """``GET /modems``: every modem's state, signal, operator, last error and counters."""
    return web.json_response(modems_json(await request.app[MODEMS].modem_statuses()))


async def openapi(request: web.Request) -> web.Response:
    """``GET /openapi.json``: the contract, rendered from the schemas the handlers validate with."""
    return web.json_response(request.app[OPENAPI])
