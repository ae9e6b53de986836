"""Fineract's own message-gateway contract, as a separate app on its own port (off by default).

An unmodified Apache Fineract posts ``[{internalId, mobileNumber, message, providerId}]`` to
``POST /sms`` and expects exactly ``202``; it polls the report with its own row ids and expects
``200`` with ``{id, externalId, deliveryStatus, hasError: false}`` per id it asked for; it lists
providers with ``GET /smsbridges`` (reference/fineract-gateway-contract.md, "Corrections" first).
Fineract 1.6 and later build the report URL with JAX-RS ``UriBuilder.build("sms/report")``, which
encodes the slash: the request line is ``POST /sms%2Freport``. Both that (in any case of the escape)
and ``/sms/report`` (Fineract up to 1.5) are answered.

This is the one place a raw phone number enters the gateway — Fineract has already resolved it —
so it has its own credential: the ``Fineract-Platform-TenantId`` header must name the configured
tenant and ``Fineract-Tenant-App-Key`` must be an API key of this gateway with the ``platform``
scope (create one with ``gsmgateway apikey create --name fineract --scopes platform``), and its own
per-key request limit. Every posted row is stored, keyed by (tenant, ``internalId``)
(:mod:`gsmgateway.messages.platform_intake`), so every row gets a final status in the report and
neither the repeated report polls nor a repeated post sends anything twice.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from aiohttp import web

from gsmgateway.api.body import read_json
from gsmgateway.api.error_responses import error_middleware
from gsmgateway.api.render import iso
from gsmgateway.api.scopes import PLATFORM, has_scope
from gsmgateway.core.clock import utc_now
from gsmgateway.core.config_sections import DispatchConfig, LimitsConfig
from gsmgateway.core.errors import AuthError, ForbiddenError, RateLimitedError, ValidationError
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.ratelimit import RateLimiter
from gsmgateway.core.records import MessageView
from gsmgateway.messages.authentication import Authenticate, Caller
from gsmgateway.messages.platform_intake import PlatformIntake, PlatformRow, RowFate, RowResult
from gsmgateway.messages.submission import MAX_KEY_LENGTH

logger = logging.getLogger(__name__)

MAX_ITEMS: Final = 1000
MAX_BODY_BYTES: Final = 1024 * 1024
BRIDGE_ID: Final = 1
REPORT_PATHS: Final = ("/sms/report", "/sms%2Freport")
"""The report's two request paths; aiohttp matches ``%2f`` as ``%2F`` (it routes on the escaped path)."""

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
    MessageStatus.UNKNOWN: SENT,  # may have gone out; once no late report can come any more
}
_TERSE_REASONS: Final = {
    "validity": "expired: not sent within its validity (dispatch.validity_hours)",
    "no-report": "sent, but no delivery report came within dispatch.report_window_hours",
}


class FineractBridgeService(Protocol):
    """What the compatibility app needs from the message service (structural; the real one fits)."""

    async def find_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, MessageView]:
        """Return the messages with these external ids (unknown ids are left out)."""
        ...


_SERVICE: Final = web.AppKey("fineract_service", FineractBridgeService)
_INTAKE: Final = web.AppKey("fineract_intake", PlatformIntake)
_AUTHENTICATE: Final[web.AppKey[Authenticate]] = web.AppKey("fineract_authenticate")
_TENANT: Final = web.AppKey("fineract_tenant", str)
_LIMITER: Final = web.AppKey("fineract_limiter", RateLimiter)
_NOW: Final[web.AppKey[Callable[[], datetime]]] = web.AppKey("fineract_now")
_LATE_REPORTS_FOR: Final = web.AppKey("fineract_late_reports_for", timedelta)


def delivery_status(view: MessageView, *, now: datetime, late_reports_for: timedelta) -> int:
    """Return Fineract's ``deliveryStatus`` for a message.

    ``expired`` with reason no-report means the SMS went out but no report came: 200 (sent). An
    ``unknown`` message may still be resolved by a late status report (or an operator) while a
    report can match it — ``late_reports_for`` since it became unknown —, so Fineract is told 150 and
    keeps asking; after that, 200 (it may have gone out), and Fineract stops asking.
    """
    if view.status is MessageStatus.EXPIRED and view.status_reason == "no-report":
        return SENT
    if view.status is MessageStatus.UNKNOWN and now - view.updated_at < late_reports_for:
        return WAITING
    return _DELIVERY_STATUS[view.status]


def error_message(view: MessageView) -> str | None:
    """Return why a message did not (or may not have) reach its recipient, for ``errorMessage``."""
    if view.status in (
        MessageStatus.QUEUED,
        MessageStatus.SENDING,
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
    ):
        return None
    reason = view.status_reason or str(view.status)
    return _TERSE_REASONS.get(reason, reason)


def external_id_for(tenant: str, internal_id: Any) -> str | None:
    """Return the key of one Fineract row, or None when its ``internalId`` is absent or unusable."""
    if isinstance(internal_id, bool) or not isinstance(internal_id, int | str) or internal_id == "":
        return None
    key = f"fineract-{tenant}-{internal_id}"
    return key if len(key) <= MAX_KEY_LENGTH and key.isprintable() else None


async def _caller(request: web.Request) -> Caller:
    tenant = request.headers.get("Fineract-Platform-TenantId", "")
    key = request.headers.get("Fineract-Tenant-App-Key", "")
    if not key or not hmac.compare_digest(tenant.encode(), request.app[_TENANT].encode()):
        raise AuthError("unknown tenant or app key")
    caller = await request.app[_AUTHENTICATE](key)
    if not has_scope(caller, (PLATFORM,)):
        raise ForbiddenError("this app key lacks the platform scope")
    wait = request.app[_LIMITER].acquire(caller.key_id)
    if wait > 0:
        raise RateLimitedError(f"too many requests for app key {caller.name!r}", retry_after=wait)
    return caller


def _items(body: Any) -> list[Any]:
    if not isinstance(body, list):
        raise ValidationError("the body must be a JSON array of messages", error_type="invalid_body")
    if len(body) > MAX_ITEMS:
        raise ValidationError(f"at most {MAX_ITEMS} messages per request", error_type="too_many_items")
    return body


def _text(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a number typed into a JSON number
    return value if isinstance(value, str) else None


def _refusal(index: int, internal_id: Any, error_type: str, message: str) -> dict[str, Any]:
    return {"index": index, "internalId": internal_id, "type": error_type, "message": message}


async def send(request: web.Request) -> web.Response:
    """``POST /sms``: store every row (idempotent per internalId) and answer ``202``.

    Fineract marks its rows "waiting" before it posts and never resends, so every row is stored:
    a row that cannot be sent is stored ``failed`` with its reason (the report says ``400`` and why),
    a row over its number's limit is deferred. Only an item that is not a JSON object is not a row
    at all; it is listed under ``refused`` (Fineract ignores the body). A malformed body is a 400.
    """
    caller = await _caller(request)
    items = _items(await read_json(request, max_bytes=MAX_BODY_BYTES))
    tenant = request.app[_TENANT]
    rows = {
        index: PlatformRow(
            external_id=external_id_for(tenant, item.get("internalId")),
            mobile=_text(item.get("mobileNumber")),
            text=_text(item.get("message")),
        )
        for index, item in enumerate(items)
        if isinstance(item, dict)
    }
    results = await request.app[_INTAKE].accept(list(rows.values()), caller=caller)
    refused = [_refusal(i, None, "invalid_body", "an item must be a JSON object") for i, item in
               enumerate(items) if not isinstance(item, dict)]  # fmt: skip
    for index, result in zip(rows, results, strict=True):
        if result.fate in (RowFate.REFUSED, RowFate.CONFLICT):
            refused.append(_refused_row(index, items[index].get("internalId"), result))
    refused.sort(key=lambda r: int(r["index"]))
    accepted = sum(r.fate in (RowFate.QUEUED, RowFate.DEFERRED) for r in results)
    deferred = sum(r.fate is RowFate.DEFERRED for r in results)
    return web.json_response({"accepted": accepted, "deferred": deferred, "refused": refused}, status=202)


def _refused_row(index: int, internal_id: Any, result: RowResult) -> dict[str, Any]:
    message = result.reason or "refused"
    logger.warning("fineract row %s (internalId %s): %s", index, internal_id, message)
    stored = "stored_failed" if result.fate is RowFate.REFUSED else "duplicate_internal_id"
    return _refusal(index, internal_id, stored, message)


async def report(request: web.Request) -> web.Response:
    """``POST /sms%2Freport`` and ``/sms/report``: the status of each asked-for id that is known.

    Every answer names an id Fineract asked for (as it was sent: a number stays a number), with a
    ``deliveryStatus`` Fineract maps, ``hasError: false`` (``true`` would make Fineract skip the row)
    and, for a failure, the cause as ``errorMessage``. Ids the gateway never saw are left out.
    """
    await _caller(request)
    body = await read_json(request, max_bytes=MAX_BODY_BYTES)
    if not isinstance(body, list) or len(body) > MAX_ITEMS:
        raise ValidationError(
            f"the body must be a JSON array of at most {MAX_ITEMS} ids", error_type="invalid_body"
        )
    tenant = request.app[_TENANT]
    wanted: dict[str, Any] = {}
    for raw in body:
        key = external_id_for(tenant, raw)
        if key is not None:
            wanted.setdefault(key, raw)
    found = await request.app[_SERVICE].find_by_external_ids(list(wanted))
    now, late_reports_for = request.app[_NOW](), request.app[_LATE_REPORTS_FOR]
    answer = [
        {
            "id": wanted[key],
            "externalId": str(view.id),
            "addedOnDate": iso(view.created_at),
            "deliveredOnDate": iso(view.updated_at) if view.status is MessageStatus.DELIVERED else None,
            "deliveryStatus": delivery_status(view, now=now, late_reports_for=late_reports_for),
            "hasError": False,
            "errorMessage": error_message(view),
        }
        for key, view in found.items()
        if key in wanted
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


def create_fineract_app(
    service: FineractBridgeService,
    intake: PlatformIntake,
    *,
    authenticate: Authenticate,
    tenant: str,
    limits: LimitsConfig | None = None,
    dispatch: DispatchConfig | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = utc_now,
) -> web.Application:
    """Return the Fineract compatibility app; serve it on its own port, only when configured.

    :param service: the message service (it provides :class:`FineractBridgeService`).
    :param intake: where posted rows are stored (:class:`PlatformIntake`).
    :param authenticate: checks the ``Fineract-Tenant-App-Key`` (:class:`KeyAuthenticator`).
    :param tenant: the Fineract tenant identifier expected in ``Fineract-Platform-TenantId``.
    :param limits: the per-key request limit (``limits.per_key_*``), counted apart from the API's.
    :param dispatch: ``report_match_hours``: how long a late report can still resolve an ``unknown``.
    :param clock: monotonic seconds for that limit; tests pass their own.
    :param now: the wall clock the report's answers are judged by.
    """
    limits = limits or LimitsConfig()
    dispatch = dispatch or DispatchConfig()
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app[_SERVICE] = service
    app[_INTAKE] = intake
    app[_AUTHENTICATE] = authenticate
    app[_TENANT] = tenant
    app[_LIMITER] = RateLimiter(limits.per_key_per_second, limits.per_key_burst, clock=clock)
    app[_NOW] = now
    app[_LATE_REPORTS_FOR] = timedelta(hours=dispatch.report_match_hours)
    app.router.add_post("/sms", send)
    for path in REPORT_PATHS:
        app.router.add_post(path, report)
    app.router.add_get("/smsbridges", bridges)
    return app
