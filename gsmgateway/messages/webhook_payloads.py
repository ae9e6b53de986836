"""The JSON body of each webhook call, built from an outbox row when it is sent.

Every body is ``{"id", "type", "occurredAt", "data"}``; ``id`` is the outbox row's (stable over
retries, so a receiver can drop a repeat). ``message.status`` carries the message's ids, the
status it moved to and why (the status and reason *of that event*, even if the message has moved on
since; the reason is the one ``GET /sms/{id}`` shows for that step, null when the step has none);
``inbound.received`` carries the received message as ``GET /inbound/{id}`` shows it. Phone numbers
(the recipient, the sender) are in the body only for an endpoint with ``include_numbers``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gsmgateway.core.records import EventView
from gsmgateway.messages.inbound import InboundService
from gsmgateway.messages.inbound_json import inbound_json, utc_text
from gsmgateway.messages.message_service import MessageService
from gsmgateway.store.outbox import INBOUND_RECEIVED, MESSAGE_STATUS, OutboxEntry


class PayloadBuilder:
    """Build webhook bodies; the subjects are read when the call is made."""

    def __init__(self, messages: MessageService, inbound: InboundService) -> None:
        self._messages = messages
        self._inbound = inbound

    async def body(self, entry: OutboxEntry, *, include_numbers: bool) -> bytes:
        """Return the JSON body for ``entry``. :raises MessageNotFoundError: its subject is gone."""
        if entry.event_type == MESSAGE_STATUS:
            data = await self._status_data(entry, include_numbers=include_numbers)
        elif entry.event_type == INBOUND_RECEIVED:
            data = inbound_json(await self._inbound.view(entry.subject_id), show_number=include_numbers)
        else:
            raise ValueError(f"unknown webhook event {entry.event_type!r}")
        envelope = {
            "id": entry.id,
            "type": entry.event_type,
            "occurredAt": utc_text(entry.occurred_at),
            "data": data,
        }
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    async def _status_data(self, entry: OutboxEntry, *, include_numbers: bool) -> dict[str, Any]:
        detail = await self._messages.get(entry.subject_id)
        view = detail.message
        data: dict[str, Any] = {
            "messageId": view.id,
            "status": entry.status,
            "previousStatus": entry.from_status,
            "reason": _reason_of(detail.events, entry),
            "clientId": view.client_id,
            "staffId": view.staff_id,
            "externalId": view.external_id,
            "partCount": view.parts_total,
            "modemId": view.modem_id,
        }
        if include_numbers:
            data["number"] = view.number
        return data


def _reason_of(events: Sequence[EventView], entry: OutboxEntry) -> str | None:
    """Return the reason of the step ``entry`` announces: its last matching event until then."""
    steps = [
        event for event in events
        if event.to_status == entry.status and event.from_status == entry.from_status
        and event.at <= entry.occurred_at
    ]  # fmt: skip
    return steps[-1].reason if steps else None
