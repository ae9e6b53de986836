"""Read-only value types that the store returns and the service hands to the API, workers and jobs.

They are frozen dataclasses with snake_case fields so that no layer above the store ever holds a
database row (or a SQLAlchemy object) and no layer below the API knows about camelCase JSON. Every
one is built with keywords only: several have neighbouring fields of one type (``recipient_id`` and
``number``, ``status_reason`` and ``modem_id``) that positional arguments could swap unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gsmgateway.core.models import MessageStatus, ReportOutcome


class RecipientKind(StrEnum):
    """Who a message is for: a client or a staff member, by id.

    ``number`` exists only for the Fineract compatibility endpoints, where the platform has already
    resolved the number; the public API never accepts one.
    """

    CLIENT = "client"
    STAFF = "staff"
    NUMBER = "number"


@dataclass(frozen=True, kw_only=True)
class MessageView:
    """One message as a caller sees it in lists and in the answer to ``POST /sms``."""

    id: int
    status: MessageStatus
    recipient_kind: RecipientKind
    recipient_id: str
    number: str | None  # None only for a Fineract row refused because its number could not be read
    message: str | None  # None once retention removed the text
    parts_total: int
    attempts: int
    external_id: str | None
    send_at: datetime | None
    created_at: datetime
    updated_at: datetime
    status_reason: str | None
    modem_id: str | None

    @property
    def client_id(self) -> str | None:
        """The client id when the recipient is a client, else None (the API's ``clientId``)."""
        return self.recipient_id if self.recipient_kind is RecipientKind.CLIENT else None

    @property
    def staff_id(self) -> str | None:
        """The staff id when the recipient is a staff member, else None (the API's ``staffId``)."""
        return self.recipient_id if self.recipient_kind is RecipientKind.STAFF else None


_new_object = object.__new__
_set_attribute = object.__setattr__


def build_message_view(
    *,
    id: int,
    status: MessageStatus,
    recipient_kind: RecipientKind,
    recipient_id: str,
    number: str | None,
    message: str | None,
    parts_total: int,
    attempts: int,
    external_id: str | None,
    send_at: datetime | None,
    created_at: datetime,
    updated_at: datetime,
    status_reason: str | None,
    modem_id: str | None,
) -> MessageView:
    """Return ``MessageView(...)`` of these fields, a third of the cost of the frozen ``__init__``.

    The store builds a view per row of a 500-item page and per item of a 1000-item batch; the
    dataclass ``__init__`` sets each field through ``object.__setattr__`` (fourteen calls), here the
    instance gets its attribute dictionary in one step. The result is an ordinary, equal, frozen
    ``MessageView`` (a test compares the two ways field by field).
    """
    view = _new_object(MessageView)
    _set_attribute(view, "__dict__", {
        "id": id, "status": status, "recipient_kind": recipient_kind, "recipient_id": recipient_id,
        "number": number, "message": message, "parts_total": parts_total, "attempts": attempts,
        "external_id": external_id, "send_at": send_at, "created_at": created_at,
        "updated_at": updated_at, "status_reason": status_reason, "modem_id": modem_id,
    })  # fmt: skip
    return view


@dataclass(frozen=True, kw_only=True)
class PartView:
    """One SMS part as it went out: which modem, its TP-MR and what the status report said.

    ``written_at`` is when its PDU began to be written to the modem; ``mr`` and ``sent_at`` are None
    while (or if never) ``+CMGS`` answered: such a part may or may not have left.
    """

    part_no: int
    modem_id: str
    mr: int | None
    written_at: datetime | None
    sent_at: datetime | None
    report_outcome: ReportOutcome | None
    tp_st: int | None
    report_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class EventView:
    """One step of a message's audit trail: a status move, why, and on which modem."""

    at: datetime
    from_status: MessageStatus | None  # None for the creation event
    to_status: MessageStatus
    reason: str | None
    modem_id: str | None
    error_code: int | None
    attempt: int


@dataclass(frozen=True, kw_only=True)
class MessageDetail:
    """A message with its parts, the attempts made and the whole event timeline (``GET /sms/{id}``)."""

    message: MessageView
    parts: tuple[PartView, ...]
    events: tuple[EventView, ...]

    @property
    def attempts(self) -> tuple[EventView, ...]:
        """The events that started a send attempt (every ``queued → sending`` move)."""
        return tuple(e for e in self.events if e.to_status is MessageStatus.SENDING)


@dataclass(frozen=True, kw_only=True)
class MessagePage:
    """One page of a message list; ``next_cursor`` is None on the last page."""

    items: tuple[MessageView, ...]
    next_cursor: str | None


@dataclass(frozen=True, kw_only=True)
class DirectoryEntry:
    """A client or staff member with the normalised number the gateway sends to."""

    kind: RecipientKind
    entry_id: str
    mobile: str | None
    opted_out: bool
    name: str | None
    updated_at: datetime


@dataclass(frozen=True)
class OptedOutEntry:
    """An entry opted out now, and since when: its latest opt-out event, not its last rewrite.

    ``updated_at`` moves with every import or rename; ``since`` only when the person opts out
    (it is ``updated_at`` only for an entry opted out before events were recorded).
    """

    entry: DirectoryEntry
    since: datetime


@dataclass(frozen=True, kw_only=True)
class DirectoryEvent:
    """An opt-out or opt-in of a directory entry, and who or what made it (``directory_events``).

    ``inbound_id`` names the received STOP/START that made it; otherwise ``reason`` says who did
    (an operator at the console, an API key, a directory import).
    """

    id: int
    kind: RecipientKind
    entry_id: str
    at: datetime
    change: str  # opted_out | opted_in | deleted (an entry removed while opted out)
    inbound_id: int | None
    reason: str | None


@dataclass(frozen=True, kw_only=True)
class ResolvedRecipient:
    """The number a message will go to, and where the gateway found it (``local`` or ``fineract``)."""

    kind: RecipientKind
    entry_id: str
    number: str
    source: str


@dataclass(frozen=True, kw_only=True)
class ClaimedMessage:
    """A message a worker has moved to ``sending``: everything it needs to put it on the air."""

    id: int
    number: str
    text: str
    attempt: int  # this attempt's number, 1 for the first
    parts_total: int


@dataclass(frozen=True, kw_only=True)
class MemoryUsage:
    """One message memory of a modem as last swept: slots used and total, or why it was unreadable."""

    memory: str
    used: int | None
    total: int | None
    problem: str | None = None


@dataclass(frozen=True, kw_only=True)
class ModemStatusView:
    """What ``GET /modems`` shows about one modem: its state and why, radio, storage and counters.

    ``reason`` (a ``core/models.ModemReason`` value, None while ready) and ``since`` say why the
    modem is in its state and since when; signal and operator are None unless it is connected;
    ``last_error`` is an error that is still current (a later success clears it).
    """

    modem_id: str
    state: str
    signal: int | None
    operator: str | None
    last_error: str | None
    sent_count: int
    failed_count: int
    updated_at: datetime
    reason: str | None = None
    since: datetime | None = None
    storage: tuple[MemoryUsage, ...] = ()
