"""Domain errors to HTTP: one table, one JSON shape, one middleware.

Every error leaves the API as ``{"error": {"type", "message", "field"?}}`` so a caller can branch on
``type`` without parsing prose. The domain tree (``gsmgateway.core.errors``) knows nothing of HTTP; this
module is where the two meet. aiohttp's own HTTP errors (no such route, wrong method, body too
large) are rewritten into the same shape, and anything unexpected is logged and answered with a
500 that reveals nothing internal.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from gsmgateway.core import errors

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

RECIPIENT_ERROR_TYPES: Final = {
    "unknown": "unknown_recipient",
    "no_number": "recipient_without_number",
    "opted_out": "recipient_opted_out",
    "invalid_number": "recipient_number_invalid",
}

ERROR_TYPES: Final = {
    # 400: the request itself is wrong
    "malformed_json": "the body is not valid UTF-8 JSON (or uses NaN/Infinity)",
    "invalid_body": "the body is valid JSON but not an object",
    "duplicate_field": "a key appears twice in one object",
    "unknown_field": "a field or query parameter the API does not define",
    "missing_field": "a required field is absent",
    "invalid_type": "a value of the wrong JSON type",
    "invalid_value": "a value outside its allowed set or pattern",
    "out_of_range": "a number or a time outside its allowed range (e.g. sendAt beyond the horizon)",
    "too_long": "a text longer than its maximum",
    "too_short": "a text shorter than its minimum",
    "too_many_items": "a batch with more items than allowed",
    "empty_message": "a message that is empty or only whitespace",
    "invalid_characters": "a control character other than newline, or a lone surrogate",
    "message_too_long": "a message that needs more SMS parts than configured",
    "invalid_recipient": "not exactly one of clientId and staffId",
    "missing_timezone": "a date-time without an offset",
    "invalid_datetime": "a date-time that cannot be parsed",
    "invalid_range": "createdFrom is not before createdTo",
    "invalid_cursor": "a cursor the server did not issue",
    "invalid_id": "a client or staff id that is empty, too long or has spaces",
    "invalid_key": "an externalId or idempotency key that is too long or not printable",
    "invalid_idempotency_key": "an Idempotency-Key header that is blank, too long or not ASCII",
    "invalid_number": "a mobile number that cannot be read: not a number, wrong length, or ambiguous "
    "(national or international?); the message says what to change",
    "batch_invalid": "some batch items were refused; error.items lists each with its index",
    "validation_error": "any other rule of the request",
    "bad_request": "an HTTP-level problem aiohttp found before the API saw the request",
    # other statuses
    "unauthorized": "401: missing or invalid API key",
    "forbidden": "403: the key lacks the needed scope",
    "not_found": "404: no such message, directory entry or route",
    "method_not_allowed": "405: the route exists but not with this method",
    "conflict": "409: the idempotency key was used before with a different body",
    "invalid_state": "409: the message is past the point where this is possible (e.g. cancel)",
    "body_too_large": "413: the body is larger than allowed",
    "unsupported_media_type": "415: the body is not application/json",
    "unknown_recipient": "422: no such client or staff member",
    "recipient_without_number": "422: the recipient has no mobile number",
    "recipient_opted_out": "422: the recipient (or another entry with the same number) opted out of SMS",
    "recipient_number_invalid": "422: the number Fineract holds for the recipient cannot be read",
    "rate_limited": "429: too many requests for the key or messages for the recipient; see Retry-After",
    "directory_unavailable": "503: the live directory (Fineract) did not answer",
    "store_unavailable": "503: the database did not answer",
    "modem_unavailable": "503: no modem could take the request",
    "internal_error": "500: a bug; the server log has the details",
}
"""Every ``error.type`` the API answers with, and what it means; published in the OpenAPI document."""

# Most specific class first: the first isinstance match wins.
_STATUS_TABLE: Final[tuple[tuple[type[errors.GatewayError], int, str], ...]] = (
    (errors.ValidationError, 400, "validation_error"),
    (errors.ForbiddenError, 403, "forbidden"),
    (errors.AuthError, 401, "unauthorized"),
    (errors.RateLimitedError, 429, "rate_limited"),
    (errors.ConflictError, 409, "conflict"),
    (errors.RecipientError, 422, "recipient_error"),
    (errors.DirectoryError, 503, "directory_unavailable"),
    (errors.MessageNotFoundError, 404, "not_found"),
    (errors.StaleTransitionError, 409, "invalid_state"),
    (errors.StoreError, 503, "store_unavailable"),
    (errors.ModemError, 503, "modem_unavailable"),
)

_HTTP_ERROR_TYPES: Final = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def error_body(error_type: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """Return the JSON error envelope every failing response carries."""
    detail: dict[str, Any] = {"type": error_type, "message": message}
    if field is not None:
        detail["field"] = field
    detail.update(extra)
    return {"error": detail}


def describe(exc: errors.GatewayError) -> tuple[int, dict[str, Any]]:
    """Return ``(http_status, error detail)`` for a domain error (the detail without the envelope)."""
    matches = ((status, kind) for cls, status, kind in _STATUS_TABLE if isinstance(exc, cls))
    status, error_type = next(matches, (500, "internal_error"))
    field: str | None = getattr(exc, "field", None)
    if isinstance(exc, errors.ValidationError):
        error_type = exc.error_type
    elif isinstance(exc, errors.RecipientError):
        error_type = RECIPIENT_ERROR_TYPES.get(exc.reason, error_type)
    message = exc.message if status != 500 else "internal error"
    return status, error_body(error_type, message, field)["error"]


def _describe_batch(exc: errors.BatchValidationError) -> tuple[int, dict[str, Any]]:
    """Describe a refused batch: every bad item with its index, under one status.

    400 when any item is malformed (the caller must fix its request), otherwise the items' own
    status (422 for recipients that cannot receive SMS, 429 for a recipient over its limit).
    """
    items: list[dict[str, Any]] = []
    statuses: set[int] = set()
    for index, error in exc.items:
        status, detail = describe(error)
        statuses.add(status)
        items.append({"index": index, **detail})
    status = 400 if 400 in statuses or not statuses else max(statuses)
    message = f"{len(items)} item(s) of the batch were refused; nothing was accepted"
    return status, error_body(exc.error_type, message, items=items)["error"]


def error_response(exc: errors.GatewayError) -> web.Response:
    """Return the HTTP response for a domain error, with ``Retry-After`` / ``WWW-Authenticate`` as due."""
    headers: dict[str, str] = {}
    limited: list[float] = []
    if isinstance(exc, errors.BatchValidationError):
        status, detail = _describe_batch(exc)
        limited = [e.retry_after for _, e in exc.items if isinstance(e, errors.RateLimitedError)]
    else:
        status, detail = describe(exc)
    if isinstance(exc, errors.RateLimitedError):
        limited.append(exc.retry_after)
    if limited and status == 429:
        headers["Retry-After"] = str(max(1, math.ceil(max(limited))))
    if isinstance(exc, errors.AuthError) and not isinstance(exc, errors.ForbiddenError):
        headers["WWW-Authenticate"] = 'Bearer realm="gsmgateway"'
    return web.json_response({"error": detail}, status=status, headers=headers)


def _http_error_response(exc: web.HTTPException) -> web.Response:
    error_type = _HTTP_ERROR_TYPES.get(exc.status, "http_error")
    message = exc.reason if exc.status != 413 else "the request body is too large"
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
    return web.json_response(error_body(error_type, message), status=exc.status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every exception a handler raises into the JSON error envelope.

    This is one of the three places allowed ``except Exception``: an unexpected failure is logged
    with its traceback and the caller gets a plain 500.
    """
    try:
        return await handler(request)
    except errors.GatewayError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http_error_response(exc)
    except Exception:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return web.json_response(error_body("internal_error", "internal error"), status=500)
