"""The use cases behind the API: submit (one or a batch), get, list and cancel messages.

Who the caller is was settled before (:mod:`~gsmgateway.messages.authentication`). Workers and jobs
use :mod:`~gsmgateway.messages.dispatch` and :mod:`~gsmgateway.messages.maintenance`;
all three are built together by :func:`~gsmgateway.wiring.open_services`. Submits are validated here
(text, recipient, timing, per-recipient rate) and then stored by the group-commit writer, so a burst
of concurrent requests costs a few transactions, not one each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.errors import (
    BatchValidationError,
    ConflictError,
    GatewayError,
    MessageNotFoundError,
    RateLimitedError,
    RecipientError,
)
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.numbers import mask_number
from gsmgateway.core.pacing import Pacer
from gsmgateway.core.records import MessageDetail, MessagePage, MessageView, RecipientKind
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.submission import (
    check_key,
    check_list_filters,
    check_send_at,
    check_text,
    fingerprint,
    recipient_of,
)
from gsmgateway.modem.sms import count_parts as _count_parts
from gsmgateway.store.queries import ListFilter, MessageQueries
from gsmgateway.store.repository import MessageRepository
from gsmgateway.store.writer import NewMessage, SubmitWriter

__all__ = ["BatchValidationError", "MessageQuery", "MessageService", "SubmitRequest"]

MAX_LIST_LIMIT = 500


@dataclass(frozen=True)
class SubmitRequest:
    """One message to send, as the API parsed it; exactly one of ``client_id`` / ``staff_id``."""

    message: str
    client_id: str | None
    staff_id: str | None
    send_at: datetime | None
    external_id: str | None


@dataclass(frozen=True)
class MessageQuery:
    """Filters and paging of ``GET /sms``; ``limit`` is 1-500."""

    status: MessageStatus | None
    client_id: str | None
    staff_id: str | None
    created_from: datetime | None
    created_to: datetime | None
    cursor: str | None
    limit: int


class MessageService:
    """Submit, read and cancel messages on behalf of an authenticated caller."""

    def __init__(
        self,
        *,
        config: GatewayConfig,
        repository: MessageRepository,
        queries: MessageQueries,
        writer: SubmitWriter,
        directory: DirectoryService,
        clock: Callable[[], datetime] = utc_now,
        count_parts: Callable[[str], int] = _count_parts,
    ) -> None:
        self._config = config
        self._repository = repository
        self._queries = queries
        self._writer = writer
        self._directory = directory
        self._clock = clock
        self._count_parts = count_parts
        dispatch = config.dispatch
        self._max_parts = dispatch.max_parts
        self._horizon = timedelta(days=dispatch.send_at_horizon_days)
        self._validity = timedelta(hours=dispatch.validity_hours)
        limits = config.limits
        self.pacer = Pacer(limits.per_recipient_per_hour, limits.per_recipient_burst)
        self._pacing_loaded = False
        self._wake_listeners: list[Callable[[], None]] = []

    def add_wake_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever new messages are queued (immediate dispatch wakes workers)."""
        self._wake_listeners.append(listener)

    def wake(self) -> None:
        """Wake the workers (immediate dispatch): new messages are queued."""
        if self._config.dispatch.mode == "immediate":
            for listener in self._wake_listeners:
                listener()

    async def submit(
        self, req: SubmitRequest, *, caller: Caller, idempotency_key: str | None
    ) -> tuple[MessageView, bool]:
        """Queue one message; return it and whether it was created (False: a replay of the first).

        The ``Idempotency-Key`` (else the ``externalId``) makes a retried request return the first
        message instead of queueing a second SMS.

        :raises ValidationError: bad text, recipient ids, ``sendAt`` or key.
        :raises RecipientError: unknown, opted-out or number-less recipient.
        :raises RateLimitedError: too many messages to this recipient.
        :raises ConflictError: the key was used before with a different request.
        """
        new = self._check(req, caller, idempotency_key, now=self._clock())
        recipient = await self._directory.resolve(new.recipient_kind, new.recipient_id)
        new.number = recipient.number
        await self._refuse_opted_out(new)
        return await self._store_one(new)

    async def _refuse_opted_out(self, new: NewMessage) -> None:
        """Refuse a message whose number opted out under any directory entry.

        :raises RecipientError: reason ``opted_out``.
        """
        if new.number is not None and await self._directory.is_opted_out(new.number):
            field = "clientId" if new.recipient_kind is RecipientKind.CLIENT else "staffId"
            raise RecipientError(
                f"number {mask_number(new.number)} of {new.recipient_kind} {new.recipient_id!r} "
                "opted out of SMS (under another directory entry)",
                reason="opted_out",
                field=field,
            )

    async def ensure_pacing(self) -> Pacer:
        """Return the per-number pacer, first rebuilt from the messages the store holds (once).

        The messages of the last validity period (plus one full burst) are replayed; older ones
        cannot hold a slot any more unless a number was sent hundreds of messages a day.
        """
        if not self._pacing_loaded and self.pacer.enabled:
            window = self._validity + timedelta(seconds=self.pacer.tolerance + self.pacer.interval)
            arrivals = await self._queries.arrivals_since(self._clock() - window)
            if not self._pacing_loaded:  # another caller may have loaded it meanwhile
                self.pacer.replay(arrivals)
        self._pacing_loaded = True
        return self.pacer

    async def _store_one(self, new: NewMessage) -> tuple[MessageView, bool]:
        pacer = await self.ensure_pacing()
        number = new.number or ""
        now = self._clock().timestamp()
        wait = pacer.delay(number, now)
        if wait > 0:
            replay = await self._replay_of(new)
            if replay is not None:  # a retried request gets its first answer, never a 429
                return replay, False
            raise RateLimitedError(f"too many messages to number {mask_number(number)}", retry_after=wait)
        pacer.take(number, now)
        try:
            inserted = await self._writer.insert(new)
        except BaseException:
            pacer.give_back(number)
            raise
        if inserted.created:
            self.wake()
        else:
            pacer.give_back(number)  # a replay sends nothing
        return inserted.view, inserted.created

    async def _replay_of(self, new: NewMessage) -> MessageView | None:
        """Return the message already stored under ``new``'s idempotency key, if any.

        :raises ConflictError: that key was used for a different request.
        """
        if new.idempotency_key is None or new.api_key_id is None:
            return None
        found = await self._queries.find_by_idempotency_key(new.api_key_id, new.idempotency_key)
        if found is None:
            return None
        view, stored_fingerprint = found
        if stored_fingerprint != new.fingerprint:
            raise ConflictError(
                f"idempotency key was already used for a different request (message {view.id})"
            )
        return view

    async def submit_batch(self, reqs: list[SubmitRequest], *, caller: Caller) -> list[MessageView]:
        """Queue every message of a batch, or none: all items are validated first.

        Items with the same ``externalId`` as a stored message are replays (the stored one is
        returned). :raises BatchValidationError: with ``(index, error)`` for every bad item.
        """
        now = self._clock()
        checked: list[tuple[int, NewMessage]] = []
        problems: list[tuple[int, GatewayError]] = []
        for index, req in enumerate(reqs):
            try:
                checked.append((index, self._check(req, caller, None, now=now)))
            except GatewayError as exc:
                problems.append((index, exc))
        recipients = await self._directory.resolve_many(
            (new.recipient_kind, new.recipient_id) for _, new in checked
        )
        prepared: list[tuple[int, NewMessage]] = []
        for index, new in checked:
            recipient = recipients[(new.recipient_kind, new.recipient_id)]
            if isinstance(recipient, GatewayError):
                problems.append((index, recipient))
                continue
            new.number = recipient.number
            try:
                await self._refuse_opted_out(new)
            except RecipientError as exc:
                problems.append((index, exc))
                continue
            prepared.append((index, new))
        pacer = await self.ensure_pacing()
        seconds = now.timestamp()
        if pacer.enabled:
            problems.extend(self._check_batch_rate(pacer, prepared, seconds))
        if problems:
            raise BatchValidationError(sorted(problems, key=lambda item: item[0]))
        batch = [new for _, new in prepared]
        if pacer.enabled:
            for new in batch:
                pacer.take(new.number or "", seconds)
        try:
            views = await self._writer.insert_many(batch)
        except BaseException:
            for new in batch if pacer.enabled else ():
                pacer.give_back(new.number or "")
            raise
        self.wake()
        return views

    @staticmethod
    def _check_batch_rate(
        pacer: Pacer, prepared: Sequence[tuple[int, NewMessage]], now: float
    ) -> list[tuple[int, GatewayError]]:
        counts: dict[str, int] = {}
        problems: list[tuple[int, GatewayError]] = []
        for index, new in prepared:
            number = new.number or ""
            counts[number] = counts.get(number, 0) + 1
            wait = pacer.delay(number, now, counts[number])
            if wait > 0:
                error = RateLimitedError(
                    f"too many messages to number {mask_number(number)}", retry_after=wait
                )
                problems.append((index, error))
        return problems

    def _check(
        self, req: SubmitRequest, caller: Caller, idempotency_key: str | None, *, now: datetime
    ) -> NewMessage:
        """Validate one request into a message still without its number; nothing is stored."""
        kind, entry_id = recipient_of(req.client_id, req.staff_id)
        return self._new_message(
            kind, entry_id, req.message, req.send_at, req.external_id, idempotency_key, caller, now=now
        )

    def _new_message(
        self,
        kind: RecipientKind,
        entry_id: str,
        text: str,
        send_at: datetime | None,
        external_id: str | None,
        idempotency_key: str | None,
        caller: Caller,
        *,
        now: datetime,
    ) -> NewMessage:
        parts = check_text(text, max_parts=self._max_parts, count_parts=self._count_parts)
        if send_at is None and external_id is None and idempotency_key is None:  # most batch items
            return NewMessage(kind, entry_id, "", text, parts, now, None, now + self._validity, now,
                              caller.key_id, None, None, None)  # fmt: skip
        send_at = check_send_at(send_at, now=now, horizon=self._horizon)
        send_at = send_at.astimezone(UTC) if send_at is not None else None
        external_id = check_key(external_id, field="externalId")
        key = check_key(idempotency_key, field="Idempotency-Key")
        scoped_key = f"h:{key}" if key else (f"x:{external_id}" if external_id else None)
        start = max(now, send_at) if send_at is not None else now
        return NewMessage(
            recipient_kind=kind,
            recipient_id=entry_id,
            number="",  # resolved by the caller: one lookup, or one query for a whole batch
            text=text,
            parts_total=parts,
            not_before=start,
            send_at=send_at,
            expires_at=start + self._validity,
            created_at=now,
            api_key_id=caller.key_id,
            idempotency_key=scoped_key,
            fingerprint=fingerprint(text, kind, entry_id, send_at, external_id) if scoped_key else None,
            external_id=external_id,
        )

    async def find_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, MessageView]:
        """Return the newest message for each of ``external_ids`` (unknown ids are left out)."""
        return await self._queries.find_by_external_ids(external_ids)

    async def queue_depth(self) -> int:
        """How many messages are queued (due now or later): what the modems have still to send."""
        return await self._queries.count_with_status(MessageStatus.QUEUED)

    async def get(self, message_id: int) -> MessageDetail:
        """Return one message with parts, attempts and events. :raises MessageNotFoundError:."""
        return await self._queries.get_detail(message_id)

    async def list(self, query: MessageQuery) -> MessagePage:
        """Return one page of messages, newest first, filtered as asked."""
        check_list_filters(
            limit=query.limit, max_limit=MAX_LIST_LIMIT, client_id=query.client_id, staff_id=query.staff_id,
            window={"createdFrom": query.created_from, "createdTo": query.created_to},
        )  # fmt: skip
        kind = None
        if query.client_id is not None:
            kind = RecipientKind.CLIENT
        elif query.staff_id is not None:
            kind = RecipientKind.STAFF
        return await self._queries.list_page(
            ListFilter(
                status=query.status,
                recipient_kind=kind,
                recipient_id=query.client_id if query.client_id is not None else query.staff_id,
                created_from=query.created_from,
                created_to=query.created_to,
                cursor=query.cursor,
                limit=query.limit,
            )
        )

    async def cancel(self, message_id: int, *, caller: Caller, any_owner: bool = False) -> MessageView:
        """Cancel a message that is still ``queued``; only its own caller may, unless ``any_owner``.

        Another caller's message is "not found": neither its existence nor its status leaks.

        :raises MessageNotFoundError: no such message, or not the caller's.
        :raises StaleTransitionError: it is already sending, sent or done.
        """
        owner = await self._queries.owner_of(message_id)
        if not any_owner and owner != caller.key_id:
            raise MessageNotFoundError(f"no message {message_id}")
        await self._repository.transition(
            message_id,
            MessageStatus.QUEUED,
            MessageStatus.CANCELLED,
            now=self._clock(),
            reason=f"cancelled by {caller.name}",
        )
        return await self._queries.get_view(message_id)
