"""A received message as JSON: one shape for ``GET /inbound`` and the ``inbound.received`` webhook.

camelCase fields, UTC times with ``Z``. The sender's number is personal data: masked to its last
three digits unless the caller may see numbers (``sms:read-numbers`` for the API, ``include_numbers``
for a webhook); a sender that is a name (``senderType: alphanumeric``) is no number and shows as is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gsmgateway.core.inbound import InboundView, SenderType
from gsmgateway.core.numbers import mask_number


def utc_text(moment: datetime | None) -> str | None:
    """Return ``moment`` as ISO 8601 in UTC with ``Z`` (None stays None)."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def shown_sender(view: InboundView, *, show_number: bool) -> str:
    """Return the sender as this caller may see it: masked unless ``show_number`` or it is a name."""
    plain = show_number or view.sender_type is SenderType.ALPHANUMERIC
    return view.sender if plain else mask_number(view.sender)


def inbound_json(view: InboundView, *, show_number: bool) -> dict[str, Any]:
    """Return one received message as the API lists it and webhooks carry it."""
    return {
        "id": view.id,
        "modemId": view.modem_id,
        "sender": shown_sender(view, show_number=show_number),
        "senderType": view.sender_type.value,
        "state": view.state.value,
        "encoding": view.encoding.value,
        "text": view.text,
        "dataHex": view.data_hex,
        "partCount": view.parts_total,
        "partsReceived": view.parts_received,
        "sentAt": utc_text(view.sent_at),
        "receivedAt": utc_text(view.received_at),
        "completedAt": utc_text(view.completed_at),
        "match": {
            "status": view.match_status.value,
            "clientId": view.client_id,
            "staffId": view.staff_id,
            "source": view.match_source,
            "candidates": view.candidates,
        },
        "keyword": view.keyword.value if view.keyword else None,
        "keywordResult": view.keyword_result.value if view.keyword_result else None,
        "replyMessageId": view.reply_message_id,
    }
