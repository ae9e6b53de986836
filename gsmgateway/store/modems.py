"""The modem table: one row per modem with its last state, radio figures and counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.records import ModemStatusView
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import modems


class ModemRepository(Repository):
    """One row per modem: last known state, radio figures and counters (``GET /modems``)."""

    async def save_state(
        self,
        modem_id: str,
        *,
        state: str,
        now: datetime,
        signal: int | None = None,
        operator: str | None = None,
        last_error: str | None = None,
    ) -> None:
        """Record the modem's current state; None figures keep what was known before."""
        changes: dict[str, object] = {"state": state, "updated_at": now}
        for column, value in (("signal", signal), ("operator", operator), ("last_error", last_error)):
            if value is not None:
                changes[column] = value
        async with self._write() as conn:
            result = await conn.execute(update(modems).where(modems.c.modem_id == modem_id).values(changes))
            if not result.rowcount:
                await conn.execute(
                    insert(modems).values(modem_id=modem_id, sent_count=0, failed_count=0, **changes)
                )

    async def count(self, modem_id: str, *, sent: int = 0, failed: int = 0, now: datetime) -> None:
        """Add to a modem's sent/failed counters (a row is created if the modem is new)."""
        async with self._write() as conn:
            await add_to_counters(conn, modem_id, sent=sent, failed=failed, now=now)

    async def list(self) -> list[ModemStatusView]:
        """Every modem the gateway has seen, by id."""
        async with self._read() as conn:
            rows = (await conn.execute(select(modems).order_by(modems.c.modem_id))).all()
        return [
            ModemStatusView(
                modem_id=r.modem_id, state=r.state, signal=r.signal, operator=r.operator,
                last_error=r.last_error, sent_count=r.sent_count, failed_count=r.failed_count,
                updated_at=r.updated_at,
            )
            for r in rows
        ]  # fmt: skip


async def add_to_counters(
    conn: AsyncConnection, modem_id: str, *, sent: int = 0, failed: int = 0, now: datetime
) -> None:
    """Add to a modem's counters inside the caller's transaction (a row is created if the modem is new)."""
    result = await conn.execute(
        update(modems)
        .where(modems.c.modem_id == modem_id)
        .values(sent_count=modems.c.sent_count + sent, failed_count=modems.c.failed_count + failed)
    )
    if not result.rowcount:
        await conn.execute(
            insert(modems).values(
                modem_id=modem_id, state="disconnected", sent_count=sent, failed_count=failed, updated_at=now
            )
        )
