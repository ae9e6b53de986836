"""Turning result rows into the frozen views of :mod:`gsmgateway.core.records` (no row leaves the store)."""

from __future__ import annotations

from typing import Any, Final

from gsmgateway.core.models import MessageStatus, ReportOutcome
from gsmgateway.core.records import EventView, MessageView, PartView, RecipientKind, build_message_view
from gsmgateway.store.tables import message_events, message_parts, messages

MESSAGE_COLUMNS = (
    messages.c.id,
    messages.c.status,
    messages.c.recipient_kind,
    messages.c.recipient_id,
    messages.c.number,
    messages.c.text,
    messages.c.parts_total,
    messages.c.attempts,
    messages.c.external_id,
    messages.c.send_at,
    messages.c.created_at,
    messages.c.updated_at,
    messages.c.status_reason,
    messages.c.modem_id,
)
PART_COLUMNS = (
    message_parts.c.part_no,
    message_parts.c.modem_id,
    message_parts.c.mr,
    message_parts.c.written_at,
    message_parts.c.sent_at,
    message_parts.c.report_outcome,
    message_parts.c.tp_st,
    message_parts.c.report_at,
)
EVENT_COLUMNS = (
    message_events.c.at,
    message_events.c.from_status,
    message_events.c.to_status,
    message_events.c.reason,
    message_events.c.modem_id,
    message_events.c.error_code,
    message_events.c.attempt,
)


_STATUSES: Final = {status.value: status for status in MessageStatus}
_KINDS: Final = {kind.value: kind for kind in RecipientKind}


def message_view(row: Any) -> MessageView:
    """Build a :class:`MessageView` from a row selected with :data:`MESSAGE_COLUMNS` (first, in order).

    By position, with dictionary look-ups for the enums and without the frozen ``__init__``: a
    500-item page builds 500 of these, and ``MessageStatus(value)`` or ``row.name`` cost more.
    """
    return build_message_view(
        id=row[0], status=_STATUSES[row[1]], recipient_kind=_KINDS[row[2]], recipient_id=row[3],
        number=row[4], message=row[5], parts_total=row[6], attempts=row[7], external_id=row[8],
        send_at=row[9], created_at=row[10], updated_at=row[11], status_reason=row[12], modem_id=row[13],
    )  # fmt: skip


def part_view(row: Any) -> PartView:
    """Build a :class:`PartView` from a row selected with :data:`PART_COLUMNS`."""
    return PartView(
        part_no=row.part_no,
        modem_id=row.modem_id,
        mr=row.mr,
        written_at=row.written_at,
        sent_at=row.sent_at,
        report_outcome=ReportOutcome(row.report_outcome) if row.report_outcome else None,
        tp_st=row.tp_st,
        report_at=row.report_at,
    )


def event_view(row: Any) -> EventView:
    """Build an :class:`EventView` from a row selected with :data:`EVENT_COLUMNS`."""
    return EventView(
        at=row.at,
        from_status=MessageStatus(row.from_status) if row.from_status else None,
        to_status=MessageStatus(row.to_status),
        reason=row.reason,
        modem_id=row.modem_id,
        error_code=row.error_code,
        attempt=row.attempt,
    )
