"""Operations endpoints: liveness, readiness, modem status, metrics and the OpenAPI document.

``/health`` answers as long as the event loop runs (systemd and load balancers use it to restart a hung
process); ``/ready`` says whether sending can work now: the store answers a query, its last write did not
fail for want of disk or permission, and at least one modem is ``ready``. A gateway that is alive but not
ready still accepts messages — they wait in the queue — so ``/ready`` is for monitoring, not for taking
the API away.
"""

from __future__ import annotations

import logging

from aiohttp import web

from gsmgateway.api.context import METRICS, MODEMS, OPENAPI, SERVICE, STORE_HEALTH
from gsmgateway.api.error_responses import error_body
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
    health = request.app.get(STORE_HEALTH)
    writable = health is None or health.writable
    try:
        statuses = await request.app[MODEMS].modem_statuses()
    except GatewayError as exc:
        logger.warning("readiness: modem status not available: %s", exc)
        statuses = []
    ready_modems = [s.modem_id for s in statuses if s.state == ModemState.READY.value]
    is_ready = store_ok and writable and bool(ready_modems)
    body: dict[str, object] = {
        "status": "ready" if is_ready else "not_ready",
        "store": "ok" if store_ok and writable else "unavailable" if not store_ok else "not_writable",
        "readyModems": ready_modems,
    }
    if health is not None and health.problem is not None:
        body["storeProblem"] = health.problem
    return web.json_response(body, status=200 if is_ready else 503)


async def metrics(request: web.Request) -> web.Response:
    """``GET /metrics``: Prometheus text (loopback without a key, else the ``metrics:read`` scope)."""
    source = request.app.get(METRICS)
    if source is None:
        return web.json_response(error_body("not_found", "metrics are not served by this app"), status=404)
    body = await source.render()
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


async def modems(request: web.Request) -> web.Response:
    """``GET /modems``: every modem's state, signal, operator, last error and counters."""
    return web.json_response(modems_json(await request.app[MODEMS].modem_statuses()))


async def openapi(request: web.Request) -> web.Response:
    """``GET /openapi.json``: the contract, rendered from the schemas the handlers validate with."""
    return web.json_response(request.app[OPENAPI])
