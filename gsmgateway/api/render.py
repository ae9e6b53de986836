"""Records to JSON: camelCase fields, UTC ISO 8601 times, and phone numbers masked by default.

A message's number is personal data. Callers see only its last digits unless their key has the
``sms:read-numbers`` scope; the recipient's id is what the platform works with anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from gsmgateway.core.numbers import mask_number
from gsmgateway.core.records import (
    DirectoryEntry,
    EventView,
    MessageDetail,
    MessagePage,
    MessageView,
    ModemStatusView,
    PartView,
    RecipientKind,
)

_last_iso: tuple[datetime | None, str | None] = (None, None)


def iso(moment: datetime | None) -> str | None:
    """Return ``moment`` as ISO 8601 in UTC; a naive time (SQLite drops offsets) is taken as UTC.

    The last answer is remembered: every message of a batch has the same creation time, and a
    stored message's ``updatedAt`` often equals its ``createdAt``. Equal moments (naive only equals
    naive) give the same text, so the memo never changes an answer.
    """
    global _last_iso  # a one-entry memo, replaced as a whole, so a reader never sees half of it
    if moment is None:
        return None
    last = _last_iso
    if moment == last[0]:
        return last[1]
    if moment.tzinfo is None:
        text = moment.isoformat() + "Z"
    elif moment.tzinfo is UTC:
        text = moment.isoformat()[:-6] + "Z"  # drop "+00:00": the cheapest way on the batch hot path
    else:
        text = moment.astimezone(UTC).isoformat()[:-6] + "Z"
    _last_iso = (moment, text)
    return text


_CLIENT: Final = RecipientKind.CLIENT
_STAFF: Final = RecipientKind.STAFF


def message_json(view: MessageView, *, show_number: bool) -> dict[str, Any]:
    """Return one message as the API shows it in lists and in the answer to ``POST /sms``.

    ``clientId``/``staffId`` are :attr:`MessageView.client_id`/``staff_id``, spelled out here
    because this runs for every item of a batch answer or a 500-item page.
    """
    kind = view.recipient_kind
    return {
        "id": view.id,
        "status": view.status.value,
        "clientId": view.recipient_id if kind is _CLIENT else None,
        "staffId": view.recipient_id if kind is _STAFF else None,
        "number": view.number if show_number else mask_number(view.number),
        "message": view.message,
        "partCount": view.parts_total,
        "attemptCount": view.attempts,
        "externalId": view.external_id,
        "sendAt": iso(view.send_at),
        "createdAt": iso(view.created_at),
        "updatedAt": iso(view.updated_at),
        "statusReason": view.status_reason,
        "modemId": view.modem_id,
    }


def _part_json(part: PartView) -> dict[str, Any]:
    return {
        "partNo": part.part_no,
        "modemId": part.modem_id,
        "mr": part.mr,
        "sentAt": iso(part.sent_at),
        "reportOutcome": part.report_outcome.value if part.report_outcome is not None else None,
        "tpSt": part.tp_st,
        "reportAt": iso(part.report_at),
    }


def _event_json(event: EventView) -> dict[str, Any]:
    return {
        "at": iso(event.at),
        "from": event.from_status.value if event.from_status is not None else None,
        "to": event.to_status.value,
        "reason": event.reason,
        "modemId": event.modem_id,
        "errorCode": event.error_code,
        "attempt": event.attempt,
    }


def detail_json(detail: MessageDetail, *, show_number: bool) -> dict[str, Any]:
    """Return a message with its parts, its send attempts and the whole event timeline."""
    body = message_json(detail.message, show_number=show_number)
    body["parts"] = [_part_json(p) for p in detail.parts]
    body["attempts"] = [_event_json(e) for e in detail.attempts]
    body["events"] = [_event_json(e) for e in detail.events]
    return body


def page_json(page: MessagePage, *, show_number: bool) -> dict[str, Any]:
    """Return one page of a message list with the cursor of the next page (null on the last)."""
    return {
        "items": [message_json(v, show_number=show_number) for v in page.items],
        "nextCursor": page.next_cursor,
    }


def directory_json(entry: DirectoryEntry) -> dict[str, Any]:
    """Return a directory entry; only keys allowed to manage the directory ever see it."""
    return {
        "kind": entry.kind.value,
        "id": entry.entry_id,
        "mobile": entry.mobile,
        "optedOut": entry.opted_out,
        "name": entry.name,
        "updatedAt": iso(entry.updated_at),
    }


def modems_json(statuses: Sequence[ModemStatusView]) -> dict[str, Any]:
    """Return every modem's state, radio, last error and counters."""
    return {
        "items": [
            {
                "id": s.modem_id,
                "state": s.state,
                "signal": s.signal,
                "operator": s.operator,
                "lastError": s.last_error,
                "counters": {"sent": s.sent_count, "failed": s.failed_count},
                "updatedAt": iso(s.updated_at),
            }
            for s in statuses
        ]
    }
