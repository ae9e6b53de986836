"""Fineract's own message-gateway contract, as a separate app on its own port (off by default).

An unmodified Apache Fineract posts ``[{internalId, mobileNumber, message, providerId}]`` to
``POST /sms`` and expects exactly ``202``; it polls ``POST /sms/report`` with its own row ids and
expects ``200`` with ``{id, externalId, deliveryStatus, hasError: false}`` per known id; it lists
providers with ``GET /smsbridges`` (see reference/fineract-gateway-contract.md §3 and §7).

This is the one place a raw phone number enters the gateway — Fineract has already resolved it —
so it has its own credential: the ``Fineract-Platform-TenantId`` header must name the configured
tenant and ``Fineract-Tenant-App-Key`` must be an API key of this gateway with the ``platform``
scope (create one with ``gsmgateway apikey create --name fineract --scopes platform``). Each item is
keyed by (tenant, ``internalId``), so the repeated report polls and any resend are harmless.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Sequence
from typing import Any, Final, Protocol

from aiohttp import web

from gsmgateway.api.body import read_json
from gsmgateway.api.error_responses import describe, error_middleware
from gsmgateway.api.scopes import PLATFORM, has_scope
from gsmgateway.core.errors import AuthError, ForbiddenError, GatewayError, ValidationError
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import MessageView
from gsmgateway.messages.message_service import Caller

logger = logging.getLogger(__name__)

MAX_ITEMS: Final = 1000
MAX_BODY_BYTES: Final = 1024 * 1024
BRIDGE_ID: Final = 1

# Fineract keeps polling 100/150; 200 stops polling (so only use it when no report will come);
# 300 delivered; 400 failed. See the contract, §3.4.
PENDING, WAITING, SENT, DELIVERED, FAILED = 100, 150, 200, 300, 400
_DELIVERY_STATUS: Final = {
    MessageStatus.QUEUED: PENDING,
    MessageStatus.SENDING: PENDING,
    MessageStatus.SENT: WAITING,
    MessageStatus.DELIVERED: DELIVERED,
    MessageStatus.UNDELIVERED: FAILED,
    MessageStatus.FAILED: FAILED,
    MessageStatus.CANCELLED: FAILED,
    MessageStatus.EXPIRED: FAILED,
    MessageStatus.UNKNOWN: SENT,  # may have gone out; no report is expected any more
}


class FineractBridgeService(Protocol):
    """What the compatibility app needs from the message service (structural; the real one fits)."""

    async def authenticate(self, presented_key: str) -> Caller:
        """Return who the key belongs to; :raises AuthError: unknown key."""
        ...

    async def submit_number(
        self, number: str, message: str, *, external_id: str | None, caller: Caller
    ) -> tuple[MessageView, bool]:
        """Queue a message to a number the platform resolved; same ``external_id`` → the first message."""
        ...

    async def find_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, MessageView]:
        """Return the messages with these external ids (unknown ids are left out)."""
        ...


_SERVICE: Final = web.AppKey("fineract_service", FineractBridgeService)
_TENANT: Final = web.AppKey("fineract_tenant", str)


def delivery_status(view: MessageView) -> int:
    """Return Fineract's ``deliveryStatus`` for a message.

    ``expired`` with reason no-report means the SMS went out but no report came: 200 (sent).
    """
    if view.status is MessageStatus.EXPIRED and view.status_reason == "no-report":
        return SENT
    return _DELIVERY_STATUS[view.status]


def external_id_for(tenant: str, internal_id: Any) -> str | None:
    """Return the idempotency key of one Fineract row, or None when Fineract sent no ``internalId``."""
    if isinstance(internal_id, bool) or not isinstance(internal_id, int | str) or internal_id == "":
        return None
    return f"fineract-{tenant}-{internal_id}"


async def _caller(request: web.Request) -> Caller:
    tenant = request.headers.get("Fineract-Platform-TenantId", "")
    key = request.headers.get("Fineract-Tenant-App-Key", "")
    if not key or not hmac.compare_digest(tenant.encode(), request.app[_TENANT].encode()):
        raise AuthError("unknown tenant or app key")
    caller = await request.app[_SERVICE].authenticate(key)
    if not has_scope(caller, (PLATFORM,)):
        raise ForbiddenError("this app key lacks the platform scope")
    return caller


def _items(body: Any) -> list[Any]:
    if not isinstance(body, list):
        raise ValidationError("the body must be a JSON array of messages", error_type="invalid_body")
    if len(body) > MAX_ITEMS:
        raise ValidationError(f"at most {MAX_ITEMS} messages per request", error_type="too_many_items")
    return body


def _item_problem(item: Any) -> ValidationError | None:
    if not isinstance(item, dict):
        return ValidationError("an item must be a JSON object", error_type="invalid_body")
    for name in ("mobileNumber", "message"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            return ValidationError(
                f"{name} must be a non-empty string", field=name, error_type="invalid_type"
            )
    return None


async def _submit_all(request: web.Request, items: list[Any], caller: Caller) -> list[dict[str, Any]]:
    """Submit every usable item concurrently (one group commit); return the refused ones."""
    service, tenant = request.app[_SERVICE], request.app[_TENANT]
    refused: list[dict[str, Any]] = []

    def refuse(index: int, item: Any, error: GatewayError) -> None:
        internal_id = item.get("internalId") if isinstance(item, dict) else None
        _, detail = describe(error)
        refused.append({"index": index, "internalId": internal_id, **detail})
        # The type only: the message may quote the number as Fineract sent it (never into a log).
        logger.warning(
            "fineract item %s (internalId %.20r) refused: %s", index, internal_id, detail.get("type")
        )

    async def one(index: int, item: dict[str, Any]) -> None:
        try:
            external_id = external_id_for(tenant, item.get("internalId"))
            await service.submit_number(
                item["mobileNumber"], item["message"], external_id=external_id, caller=caller
            )
        except GatewayError as exc:
            refuse(index, item, exc)

    async with asyncio.TaskGroup() as group:
        for index, item in enumerate(items):
            problem = _item_problem(item)
            if problem is not None:
                refuse(index, item, problem)
            else:
                group.create_task(one(index, item))
    return sorted(refused, key=lambda r: int(r["index"]))


async def send(request: web.Request) -> web.Response:
    """``POST /sms``: queue every usable item (idempotent per internalId) and answer ``202``.

    Fineract marks its rows "waiting" before it posts and never resends, so refusing a whole batch
    for one bad number would strand every good message in it. Items with no usable number or text
    are left out (logged, and listed under ``refused`` in the body, which Fineract ignores); they
    never appear in ``/sms/report``, so Fineract keeps them waiting. A malformed body is a 400.
    """
    caller = await _caller(request)
    items = _items(await read_json(request, max_bytes=MAX_BODY_BYTES))
    refused = await _submit_all(request, items, caller)
    return web.json_response({"accepted": len(items) - len(refused), "refused": refused}, status=202)


async def report(request: web.Request) -> web.Response:
    """``POST /sms/report``: the delivery status of each known id; unknown ids are left out."""
    await _caller(request)
    body = await read_json(request, max_bytes=MAX_BODY_BYTES)
    if not isinstance(body, list) or len(body) > MAX_ITEMS:
        raise ValidationError(
            f"the body must be a JSON array of at most {MAX_ITEMS} ids", error_type="invalid_body"
        )
    tenant = request.app[_TENANT]
    wanted = {key: raw for raw in body if (key := external_id_for(tenant, raw)) is not None}
    found = await request.app[_SERVICE].find_by_external_ids(list(wanted))
    answer = [
        {
            "id": str(wanted[key]),
            "externalId": str(view.id),
            "deliveryStatus": delivery_status(view),
            "hasError": False,
            "errorMessage": view.status_reason if delivery_status(view) == FAILED else None,
        }
        for key, view in found.items()
    ]
    return web.json_response(answer)


async def bridges(request: web.Request) -> web.Response:
    """``GET /smsbridges``: the one "provider" this gateway is; its id is what Fineract sends back."""
    await _caller(request)
    bridge = {
        "id": BRIDGE_ID,
        "tenantId": 1,
        "phoneNo": "",
        "providerName": "gsmgateway",
        "providerDescription": "GSM modems through gsmgateway",
    }
    return web.json_response([bridge])


def create_fineract_app(service: FineractBridgeService, *, tenant: str) -> web.Application:
    """Return the Fineract compatibility app; serve it on its own port, only when configured.

    :param service: the message service (it provides :class:`FineractBridgeService`).
    :param tenant: the Fineract tenant identifier expected in ``Fineract-Platform-TenantId``.
    """
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app[_SERVICE] = service
    app[_TENANT] = tenant
    app.router.add_post("/sms", send)
    app.router.add_post("/sms/report", report)
    app.router.add_get("/smsbridges", bridges)
    return app
