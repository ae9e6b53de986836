"""The ``/inbound`` endpoints: received SMS, listed and read (scope ``inbound:read``).

The sender's number is masked to its last three digits unless the key also holds
``sms:read-numbers``, as for outbound messages.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gsmgateway.api.context import INBOUND
from gsmgateway.api.handlers_sms import message_id, show_numbers
from gsmgateway.api.requests import DEFAULT_LIST_LIMIT
from gsmgateway.api.requests_inbound import LIST_INBOUND
from gsmgateway.core.errors import MessageNotFoundError, ValidationError
from gsmgateway.core.inbound import RECEIVED_STATES, InboundDetail, InboundQuery, InboundState, MatchStatus
from gsmgateway.messages.inbound_json import inbound_json, utc_text


async def list_inbound(request: web.Request) -> web.Response:
    """``GET /inbound``: filter by sender, modem, time and match; newest first, paged by cursor."""
    fields = LIST_INBOUND.parse_query(request.query, list(request.query.keys()))
    received_from, received_to = fields.get("received_from"), fields.get("received_to")
    if received_from is not None and received_to is not None and received_from >= received_to:
        raise ValidationError(
            "receivedFrom must be before receivedTo", field="receivedFrom", error_type="invalid_range"
        )
    state, match = fields.get("state"), fields.get("match")
    query = InboundQuery(
        client_id=fields.get("client_id"),
        staff_id=fields.get("staff_id"),
        modem_id=fields.get("modem_id"),
        received_from=received_from,
        received_to=received_to,
        match_status=MatchStatus(match) if match is not None else None,
        states=(InboundState(state),) if state is not None else RECEIVED_STATES,
        cursor=fields.get("cursor"),
        limit=fields.get("limit", DEFAULT_LIST_LIMIT),
    )
    page = await request.app[INBOUND].list(query)
    show = show_numbers(request)
    return web.json_response(
        {
            "items": [inbound_json(item, show_number=show) for item in page.items],
            "nextCursor": page.next_cursor,
        }
    )


async def get_inbound(request: web.Request) -> web.Response:
    """``GET /inbound/{id}``: one received message, its missing parts and what its keyword changed."""
    try:
        inbound_id = message_id(request)
    except MessageNotFoundError:
        raise MessageNotFoundError(f"no received message with id {request.match_info['id']!r}") from None
    detail = await request.app[INBOUND].get(inbound_id)
    return web.json_response(detail_json(detail, show_number=show_numbers(request)))


def detail_json(detail: InboundDetail, *, show_number: bool) -> dict[str, Any]:
    """Return a received message with ``missingParts`` and ``directoryChange``."""
    body = inbound_json(detail.message, show_number=show_number)
    body["missingParts"] = list(detail.missing_parts)
    change = detail.change
    body["directoryChange"] = (
        None
        if change is None
        else {
            "kind": change.kind.value,
            "id": change.entry_id,
            "change": change.change,
            "at": utc_text(change.at),
        }
    )
    return body
