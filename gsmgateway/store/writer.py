"""Group commit for accepted messages: many concurrent submits, one transaction.

Each ``POST /sms`` hands its new message to :meth:`SubmitWriter.insert` and awaits the result. One
writer task takes everything queued at that moment (up to ``max_batch``) and writes it in one
transaction: optimistically as one multi-row insert (``store/bulk.py``), relying on the unique index
of (API key, idempotency key); only when that index fires is the group written again with the keys
looked up first, so a replay gets the first message and a different body a ``ConflictError``. Then
every waiter is answered. No event row is written: the timeline derives "accepted" from
``created_at``. Under load that turns thousands of commits per second into a few dozen; alone, a
submit costs one transaction. ``/sms/batch`` uses :meth:`SubmitWriter.insert_many`, a transaction of
its own. On SQLite these transactions take turns with every other write of the process
(``Database.write_turn``) instead of sleeping in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.errors import BatchValidationError, ConflictError, GatewayError, StoreError
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import MessageView, RecipientKind, build_message_view
from gsmgateway.store.base import Repository
from gsmgateway.store.bulk import insert_returning_ids
from gsmgateway.store.db import Database
from gsmgateway.store.rows import MESSAGE_COLUMNS, message_view
from gsmgateway.store.tables import messages, to_micros


@dataclass
class NewMessage:
    """A validated message ready to be stored as ``queued`` (or, refused, as ``failed`` with its reason).

    Not frozen: the service fills in ``number`` once the recipient is resolved (for a batch, all
    recipients in one query), which is cheaper than copying the object.
    """

    recipient_kind: RecipientKind
    recipient_id: str
    number: str | None  # None only for a refused Fineract row whose number could not be read
    text: str
    parts_total: int
    not_before: datetime
    send_at: datetime | None
    expires_at: datetime
    created_at: datetime
    api_key_id: int | None
    idempotency_key: str | None
    fingerprint: str | None
    external_id: str | None
    status: MessageStatus = MessageStatus.QUEUED  # FAILED: a platform row refused, stored with its reason
    status_reason: str | None = None


class Inserted(NamedTuple):
    """The stored message and whether this call created it (False: an idempotent replay).

    A named tuple rather than a dataclass: a batch makes a thousand of them, and this is cheaper.
    """

    view: MessageView
    created: bool


logger = logging.getLogger(__name__)
_Job = tuple[NewMessage, "asyncio.Future[Inserted]"]
_INSERT_COLUMNS: Final = (
    "status", "recipient_kind", "recipient_id", "number", "text", "parts_total", "attempts",
    "not_before", "send_at", "expires_at", "created_at", "updated_at",
    "api_key_id", "idempotency_key", "fingerprint", "external_id", "status_reason",
)  # fmt: skip


class SubmitWriter(Repository):
    """The single writer task for new messages; start it with :meth:`start`, stop with :meth:`close`."""

    def __init__(self, database: Database, *, max_batch: int = 2000) -> None:
        super().__init__(database)
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the writer task (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="gsmgateway-submit-writer")

    async def close(self) -> None:
        """Finish what is queued, then stop the writer task (idempotent)."""
        task, self._task = self._task, None
        if task is None:
            return
        if not task.done():  # a writer cancelled from outside (loop shutdown) cannot drain any more
            await self._queue.join()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def insert(self, message: NewMessage) -> Inserted:
        """Store ``message`` in the next group commit and return it (or the first one, on a replay).

        :raises ConflictError: the idempotency key was used before with a different request.
        :raises StoreError: the database failed.
        """
        self.start()
        future: asyncio.Future[Inserted] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((message, future))
        return await future

    async def insert_many(self, batch: Sequence[NewMessage]) -> list[MessageView]:
        """Store a whole batch in one transaction of its own (a ``/sms/batch`` request).

        Items whose idempotency key is already stored are replays (the stored message is returned).

        :raises BatchValidationError: some keys were used before with another request; nothing stored.
        """
        group = list(batch)
        if not _has_keys(group):
            return [r.view for r in await self._insert_new(group)]
        async with self._write() as conn:
            results = await _store_group(conn, group)
            conflicts: list[tuple[int, GatewayError]] = [
                (index, r) for index, r in enumerate(results) if isinstance(r, ConflictError)
            ]
            if conflicts:
                raise BatchValidationError(conflicts)  # rolls the transaction back
        return [r.view for r in results if isinstance(r, Inserted)]

    async def _run(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            while len(jobs) < self._max_batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            try:
                await self._commit(jobs)
            except Exception as exc:  # every waiter must get an answer
                error = exc if isinstance(exc, StoreError) else StoreError("store write failed")
                if not isinstance(exc, StoreError):
                    logger.exception("the submit writer failed")
                for _, future in jobs:
                    if not future.done():
                        future.set_exception(error)
            finally:
                for _ in jobs:
                    self._queue.task_done()

    async def _commit(self, jobs: list[_Job]) -> None:
        """Write one group, optimistically first: one INSERT, no look-up of idempotency keys.

        Most keys are new, so the unique index is the check. If it fires (a retried request), the
        transaction rolls back and the group is written again, looking the keys up first; a third
        try covers another process inserting the same key between our look-up and insert.
        """
        group = [m for m, _ in jobs]
        for attempt, look_up_keys in enumerate((False, True, True), start=1):
            try:
                if not _has_keys(group):
                    results: list[Inserted | ConflictError] = list(await self._insert_new(group))
                    break
                async with self._write(begins_with_a_write=not look_up_keys) as conn:
                    results = await _store_group(conn, group, look_up_keys=look_up_keys)
                break
            except StoreError as exc:
                if attempt == 3 or not isinstance(exc.__cause__, IntegrityError):
                    raise
        for (_, future), result in zip(jobs, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Inserted):
                future.set_result(result)
            else:
                future.set_exception(result)

    async def _insert_new(self, group: list[NewMessage]) -> list[Inserted]:
        """Insert a group without idempotency keys (none can be a replay) in a transaction of its own.

        :raises StoreError: the database failed (a naive time included).
        """
        async with self._write(begins_with_a_write=True) as conn:
            ids = await _insert_rows(conn, group)
        return [Inserted(_new_view(m, i), True) for m, i in zip(group, ids, strict=True)]


def _has_keys(group: list[NewMessage]) -> bool:
    return any(m.idempotency_key is not None for m in group)


async def _store_group(
    conn: AsyncConnection, group: list[NewMessage], *, look_up_keys: bool = True
) -> list[Inserted | ConflictError]:
    """Resolve idempotency keys, insert what is new, and say for each message what happened.

    Without ``look_up_keys`` only duplicates inside the group are found; a key stored earlier makes
    the INSERT fail on the unique index (the caller then retries with the look-up).
    """
    keyed = {(m.api_key_id, m.idempotency_key) for m in group if m.idempotency_key is not None}
    if not keyed:  # nothing can be a replay: every message is new
        ids = await _insert_rows(conn, group)
        return [Inserted(_new_view(m, i), True) for m, i in zip(group, ids, strict=True)]
    existing: dict[tuple[Any, Any], Any] = {}
    if keyed and look_up_keys:
        key_columns = (messages.c.api_key_id, messages.c.idempotency_key)
        rows = await conn.execute(
            select(*MESSAGE_COLUMNS, *key_columns, messages.c.fingerprint)
            .where(tuple_(*key_columns).in_(list(keyed)))
        )  # fmt: skip
        existing = {(row.api_key_id, row.idempotency_key): row for row in rows}
    fresh: list[NewMessage] = []
    first_in_group: dict[tuple[Any, Any], NewMessage] = {}
    for message in group:
        key = (message.api_key_id, message.idempotency_key)
        if message.idempotency_key is not None and key not in existing:
            if key in first_in_group:
                continue
            first_in_group[key] = message
        if message.idempotency_key is None or key not in existing:
            fresh.append(message)
    ids = await _insert_rows(conn, fresh)
    views = {id(m): _new_view(m, i) for m, i in zip(fresh, ids, strict=True)}
    results: list[Inserted | ConflictError] = []
    for message in group:
        key = (message.api_key_id, message.idempotency_key)
        if id(message) in views:
            results.append(Inserted(views[id(message)], created=True))
        elif key in existing:
            results.append(_replay(message, existing[key].fingerprint, message_view(existing[key])))
        else:
            first = first_in_group[key]
            results.append(_replay(message, first.fingerprint, views[id(first)]))
    return results


def _replay(message: NewMessage, fingerprint: str | None, first: MessageView) -> Inserted | ConflictError:
    if fingerprint != message.fingerprint:
        return ConflictError(
            f"idempotency key {message.idempotency_key!r} was already used for a different request "
            f"(message {first.id})"
        )
    return Inserted(first, created=False)


async def _insert_rows(conn: AsyncConnection, batch: Sequence[NewMessage]) -> list[int]:
    """Insert messages as plain tuples (``store/bulk.py``); return their ids in the order of ``batch``.

    The creation itself needs no event row: the timeline derives "accepted" from ``created_at``.

    :raises StoreError: a naive time (as the column type would refuse it).
    """
    try:
        rows = _message_rows(batch)
    except ValueError as exc:
        raise StoreError(f"store write failed: {exc}") from exc  # our own words (to_micros)
    return await insert_returning_ids(conn, messages, _INSERT_COLUMNS, rows)


def _message_rows(batch: Sequence[NewMessage]) -> list[tuple[Any, ...]]:
    """Return each message in its stored form (the column order of ``_INSERT_COLUMNS``).

    The messages of one request share their times, so each distinct time is converted once.
    """
    micros: dict[datetime, int] = {}

    def stored(moment: datetime) -> int:
        value = micros.get(moment)
        if value is None:
            value = micros[moment] = to_micros(moment)
        return value

    rows: list[tuple[Any, ...]] = []
    for m in batch:
        created = stored(m.created_at)
        send_at = None if m.send_at is None else stored(m.send_at)
        rows.append(
            (m.status.value, m.recipient_kind, m.recipient_id, m.number, m.text, m.parts_total, 0,
             stored(m.not_before), send_at, stored(m.expires_at), created, created,
             m.api_key_id, m.idempotency_key, m.fingerprint, m.external_id, m.status_reason)
        )  # fmt: skip
    return rows


def _new_view(message: NewMessage, message_id: int) -> MessageView:
    return build_message_view(  # a thousand times per batch: see build_message_view
        id=message_id, status=message.status, recipient_kind=message.recipient_kind,
        recipient_id=message.recipient_id, number=message.number, message=message.text,
        parts_total=message.parts_total, attempts=0, external_id=message.external_id,
        send_at=message.send_at, created_at=message.created_at, updated_at=message.created_at,
        status_reason=message.status_reason, modem_id=None,
    )  # fmt: skip
