"""The ``/sms`` endpoints: parse the request, call the message service, answer JSON.

No SQL and no AT here. Every rule about the request's *shape* lives in :mod:`gsmgateway.api.requests`;
every rule that needs stored state (recipients, idempotency, limits) lives in the service. Either way
a refused request has stored nothing.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from gsmgateway.api.body import read_json
from gsmgateway.api.context import CALLER, CONFIG, SERVICE
from gsmgateway.api.render import detail_json, message_json, messages_json, page_json
from gsmgateway.api.requests import BATCH_BODY_FACTOR, DEFAULT_LIST_LIMIT, LIST_SMS, SUBMIT_BATCH, SUBMIT_SMS
from gsmgateway.api.scopes import ADMIN, SMS_READ, SMS_READ_NUMBERS, has_scope
from gsmgateway.core.errors import BatchValidationError, GatewayError, MessageNotFoundError, ValidationError
from gsmgateway.core.models import MessageStatus
from gsmgateway.messages.message_service import MessageQuery, SubmitRequest
from gsmgateway.messages.submission import MAX_KEY_LENGTH

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
MAX_MESSAGE_ID: Final = 2**63 - 1


def show_numbers(request: web.Request) -> bool:
    """Whether the caller may see phone numbers whole (``sms:read-numbers``), not masked."""
    return has_scope(request[CALLER], (SMS_READ_NUMBERS,))


def _submit_request(fields: dict[str, Any]) -> SubmitRequest:
    return SubmitRequest(
        message=fields["message"],
        client_id=fields.get("client_id"),
        staff_id=fields.get("staff_id"),
        send_at=fields.get("send_at"),
        external_id=fields.get("external_id"),
    )


def idempotency_key(request: web.Request) -> str | None:
    """Return the ``Idempotency-Key`` header, if sent.

    :raises ValidationError: the key is blank, longer than ``MAX_KEY_LENGTH`` or not printable ASCII.
    """
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(
            f"{IDEMPOTENCY_HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters",
            field=IDEMPOTENCY_HEADER,
            error_type="invalid_idempotency_key",
        )
    return key


def message_id(request: web.Request) -> int:
    """Return the ``{id}`` of the URL.

    :raises MessageNotFoundError: the id is not a positive whole number, so no message has it.
    """
    raw = request.match_info["id"]
    if len(raw) > 19 or not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_MESSAGE_ID:
        raise MessageNotFoundError(f"no message with id {raw!r}")
    return int(raw)


async def submit_sms(request: web.Request) -> web.Response:
    """``POST /sms``: accept one message (202), or replay the first one for a repeated key (200)."""
    body = await read_json(request, max_bytes=request.app[CONFIG].api.max_body_bytes)
    submit = _submit_request(SUBMIT_SMS.parse(body))
    key = idempotency_key(request)
    view, created = await request.app[SERVICE].submit(submit, caller=request[CALLER], idempotency_key=key)
    headers = {"Location": f"/sms/{view.id}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return web.json_response(
        message_json(view, show_number=show_numbers(request)),
        status=202 if created else 200,
        headers=headers,
    )


def _parse_batch_items(items: list[Any]) -> list[SubmitRequest]:
    """Parse every item, collecting each item's first error so the caller can fix them all at once."""
    requests: list[SubmitRequest] = []
    problems: list[tuple[int, GatewayError]] = []
    for index, item in enumerate(items):
        try:
            requests.append(_submit_request(SUBMIT_SMS.parse(item)))
        except ValidationError as exc:
            problems.append((index, exc))
    if problems:
        raise BatchValidationError(problems)
    return requests


async def submit_batch(request: web.Request) -> web.Response:
    """``POST /sms/batch``: accept every item or none; refused items are listed with their index."""
    config = request.app[CONFIG]
    body = await read_json(request, max_bytes=config.api.max_body_bytes * BATCH_BODY_FACTOR)
    items = SUBMIT_BATCH.parse(body)["items"]
    if len(items) > config.api.max_batch:
        raise ValidationError(
            f"a batch holds at most {config.api.max_batch} items", field="items", error_type="too_many_items"
        )
    views = await request.app[SERVICE].submit_batch(_parse_batch_items(items), caller=request[CALLER])
    show = show_numbers(request)
    return web.json_response({"items": messages_json(views, show_number=show)}, status=202)


async def list_sms(request: web.Request) -> web.Response:
    """``GET /sms``: filter by status, recipient and creation time; newest first, paged by cursor."""
    fields = LIST_SMS.parse_query(request.query, list(request.query.keys()))
    created_from, created_to = fields.get("created_from"), fields.get("created_to")
    if created_from is not None and created_to is not None and created_from >= created_to:
        raise ValidationError(
            "createdFrom must be before createdTo", field="createdFrom", error_type="invalid_range"
        )
    status = fields.get("status")
    query = MessageQuery(
        status=MessageStatus(status) if status is not None else None,
        client_id=fields.get("client_id"),
        staff_id=fields.get("staff_id"),
        created_from=created_from,
        created_to=created_to,
        cursor=fields.get("cursor"),
        limit=fields.get("limit", DEFAULT_LIST_LIMIT),
    )
    page = await request.app[SERVICE].list(query)
    return web.json_response(page_json(page, show_number=show_numbers(request)))


async def get_sms(request: web.Request) -> web.Response:
    """``GET /sms/{id}``: the message with its parts, attempts and event timeline."""
    detail = await request.app[SERVICE].get(message_id(request))
    return web.json_response(detail_json(detail, show_number=show_numbers(request)))


async def cancel_sms(request: web.Request) -> web.Response:
    """``POST /sms/{id}/cancel``: cancel a message of the caller's that has not started sending (else 409).

    Only the key that created the message may cancel it (``admin`` may cancel any); to any other key
    it does not exist. The answer shows the message only to a key that may read messages
    (``sms:read``); others get its id and new status.
    """
    if request.can_read_body and (await request.read()).strip():
        raise ValidationError("cancel takes no request body", error_type="invalid_body")
    caller = request[CALLER]
    view = await request.app[SERVICE].cancel(
        message_id(request), caller=caller, any_owner=ADMIN in caller.scopes
    )
    if not has_scope(caller, (SMS_READ,)):
        return web.json_response({"id": view.id, "status": view.status.value})
    return web.json_response(message_json(view, show_number=show_numbers(request)))
