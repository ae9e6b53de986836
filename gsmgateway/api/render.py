"""Records to JSON: camelCase fields, UTC ISO 8601 times, and phone numbers masked by default.

A message's number is personal data. Callers see only its last digits unless their key has the
``sms:read-numbers`` scope; the recipient's id is what the platform works with anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def iso(moment: datetime | None) -> str | None:
    """Return ``moment`` as ISO 8601 in UTC; a naive time (SQLite drops offsets) is taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.isoformat() + "Z"
    if moment.tzinfo is UTC:
        return moment.isoformat()[:-6] + "Z"  # drop "+00:00": the cheapest way on the batch hot path
    return moment.astimezone(UTC).isoformat()[:-6] + "Z"


def _iso_once_each() -> Callable[[datetime | None], str | None]:
    """Return :func:`iso` with a memo for one answer: a batch's messages share their times.

    Every message of a ``/sms/batch`` answer has the same ``createdAt`` and ``updatedAt``; formatting
    each distinct moment once per answer saves two thirds of rendering a 1000-item answer
    (docs/store-and-delivery.md). The memo lives as long as the answer, never longer.
    """
    texts: dict[datetime, str | None] = {}

    def stamp(moment: datetime | None) -> str | None:
        if moment is None:
            return None
        text = texts.get(moment)
        if text is None:
            text = texts[moment] = iso(moment)
        return text

    return stamp


_CLIENT: Final = RecipientKind.CLIENT
_STAFF: Final = RecipientKind.STAFF
MAX_JSON_SAFE_INTEGER: Final = 2**53 - 1  # the largest whole number every JSON reader keeps exact


def id_json(entry_id: str | None) -> int | str | None:
    """Return a client or staff id as JSON shows it: a number when it is one, else the text.

    Fineract's ids are numbers, and a caller may send ``"clientId": 3001`` or ``"3001"``; both name
    one person, stored as the text ``3001``. Answers give it back as the number ``3001`` — an id of
    digits without a leading zero, up to 2**53 - 1 — and any other id (``"007"``, ``"A-12"``) as text.
    """
    if (
        entry_id is not None
        and entry_id.isdigit()
        and entry_id.isascii()
        and (entry_id[0] != "0" or entry_id == "0")
        and len(entry_id) <= 16
        and int(entry_id) <= MAX_JSON_SAFE_INTEGER
    ):
        return int(entry_id)
    return entry_id


def message_json(
    view: MessageView, *, show_number: bool, stamp: Callable[[datetime | None], str | None] = iso
) -> dict[str, Any]:
    """Return one message as the API shows it in lists and in the answer to ``POST /sms``.

    ``clientId``/``staffId`` are :attr:`MessageView.client_id`/``staff_id``, spelled out here
    because this runs for every item of a batch answer or a 500-item page.
    """
    kind = view.recipient_kind
    return {
        "id": view.id,
        "status": view.status.value,
        "clientId": id_json(view.recipient_id) if kind is _CLIENT else None,
        "staffId": id_json(view.recipient_id) if kind is _STAFF else None,
        "number": view.number if show_number else mask_number(view.number),
        "message": view.message,
        "partCount": view.parts_total,
        "attemptCount": view.attempts,
        "externalId": view.external_id,
        "sendAt": stamp(view.send_at),
        "createdAt": stamp(view.created_at),
        "updatedAt": stamp(view.updated_at),
        "statusReason": view.status_reason,
        "modemId": view.modem_id,
    }


def messages_json(views: Sequence[MessageView], *, show_number: bool) -> list[dict[str, Any]]:
    """Return many messages (a batch answer, a page), each distinct time formatted once."""
    stamp = _iso_once_each()
    return [message_json(v, show_number=show_number, stamp=stamp) for v in views]


def _part_json(part: PartView) -> dict[str, Any]:
    return {
        "partNo": part.part_no,
        "modemId": part.modem_id,
        "mr": part.mr,
        "writtenAt": iso(part.written_at),
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
        "items": messages_json(page.items, show_number=show_number),
        "nextCursor": page.next_cursor,
    }


def directory_json(entry: DirectoryEntry) -> dict[str, Any]:
    """Return a directory entry; only keys allowed to manage the directory ever see it."""
    return {
        "kind": entry.kind.value,
        "id": id_json(entry.entry_id),
        "mobile": entry.mobile,
        "optedOut": entry.opted_out,
        "name": entry.name,
        "updatedAt": iso(entry.updated_at),
    }


def modems_json(statuses: Sequence[ModemStatusView]) -> dict[str, Any]:
    """Return every modem's state and why, radio, storage use, current error and counters."""
    return {
        "items": [
            {
                "id": s.modem_id,
                "state": s.state,
                "reason": s.reason,
                "since": iso(s.since),
                "signal": s.signal,
                "operator": s.operator,
                "storage": [
                    {"memory": m.memory, "used": m.used, "total": m.total, "problem": m.problem}
                    for m in s.storage
                ],
                "lastError": s.last_error,
                "counters": {"sent": s.sent_count, "failed": s.failed_count},
                "updatedAt": iso(s.updated_at),
            }
            for s in statuses
        ]
    }
