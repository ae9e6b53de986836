"""The one compare-and-set status writer, for use inside a repository's transaction.

``UPDATE messages … WHERE id = ? AND status = ?`` refuses any move that is not in
:data:`gsmgateway.core.models.TRANSITIONS`; the event row of the audit trail is written in the
same transaction. ``MessageRepository.transition`` wraps it in a transaction of its own; report
application and the end of a send call it inside theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.errors import MessageNotFoundError, StaleTransitionError
from gsmgateway.core.models import MessageStatus, can_transition
from gsmgateway.store.tables import message_events, messages


async def transition(
    conn: AsyncConnection,
    message_id: int,
    from_: MessageStatus,
    to: MessageStatus,
    *,
    now: datetime,
    reason: str | None = None,
    modem_id: str | None = None,
    error_code: int | None = None,
    values: Mapping[str, Any] | None = None,
) -> int:
    """Move one message from ``from_`` to ``to`` and append the event; return its attempt count.

    :raises StaleTransitionError: the move is not allowed, or the message is not in ``from_``.
    :raises MessageNotFoundError: there is no such message.
    """
    if not can_transition(from_, to):
        raise StaleTransitionError(f"message {message_id}: {from_} → {to} is not allowed")
    changes: dict[str, Any] = {"status": to.value, "updated_at": now, **(values or {})}
    if reason is not None:
        changes["status_reason"] = reason
    if modem_id is not None:
        changes["modem_id"] = modem_id
    if error_code is not None:
        changes["last_error_code"] = error_code
    statement = (
        update(messages)
        .where(messages.c.id == message_id, messages.c.status == from_.value)
        .values(changes)
        .returning(messages.c.attempts)
    )
    attempts = (await conn.execute(statement)).scalar_one_or_none()
    if attempts is None:
        current = await conn.scalar(select(messages.c.status).where(messages.c.id == message_id))
        if current is None:
            raise MessageNotFoundError(f"no message {message_id}")
        raise StaleTransitionError(f"message {message_id} is {current}, not {from_}")
    await conn.execute(
        insert(message_events).values(
            message_id=message_id, at=now, from_status=from_.value, to_status=to.value,
            reason=reason, modem_id=modem_id, error_code=error_code, attempt=attempts,
        )
    )  # fmt: skip
    return int(attempts)
