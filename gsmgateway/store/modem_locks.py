"""On PostgreSQL, each modem is driven by one process: a session advisory lock per modem id.

Several gateways may share one PostgreSQL database (each with modems of its own); two of them must
never drive the same modem, and the start-up recovery of one must not settle the messages another
is sending. So each daemon takes ``pg_try_advisory_lock`` for every modem it is configured with, on
one connection kept open for the life of the process, before it recovers anything; PostgreSQL frees
the locks when that connection ends, also when the process is killed. The key is derived from the
schema and the modem id, so stores in different schemas (the tests run one per test) never meet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.errors import StoreError, StoreInUseError
from gsmgateway.store.db import Database
from gsmgateway.store.health import describe_failure


def lock_key(schema: str, modem_id: str) -> int:
    """Return the signed 64-bit advisory-lock key of ``modem_id`` in ``schema``."""
    digest = hashlib.blake2b(f"gsmgateway modem {schema}.{modem_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class ModemLocks:
    """The advisory locks of this process's modems, held on one connection until :meth:`release`."""

    def __init__(self, connection: AsyncConnection | None) -> None:
        self._connection = connection

    @classmethod
    async def acquire(cls, database: Database, modem_ids: Sequence[str]) -> ModemLocks:
        """Lock every modem id, or none (PostgreSQL only; on SQLite the file lock covers the store).

        :raises StoreInUseError: another process drives one of these modems (all are named).
        :raises StoreError: the database failed.
        """
        if database.dialect != "postgresql" or not modem_ids:
            return cls(None)
        try:
            connection = await database.write.connect()
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"cannot lock the modems: {describe_failure(exc).text}") from exc
        try:
            busy = await _try_all(connection, modem_ids)
            await connection.commit()  # the locks are the session's: they outlive the transaction
        except (SQLAlchemyError, OSError) as exc:
            await connection.close()
            raise StoreError(f"cannot lock the modems: {describe_failure(exc).text}") from exc
        locks = cls(connection)
        if busy:
            await locks.release()
            raise StoreInUseError(
                f"modem(s) {', '.join(busy)} are driven by another gsmgateway on this database; "
                "each modem id may be configured in one running gateway only"
            )
        return locks

    async def release(self) -> None:
        """Free every lock and close the connection (idempotent)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.execute(text("SELECT pg_advisory_unlock_all()"))
            await connection.commit()
        except (SQLAlchemyError, OSError):
            await connection.invalidate()  # a connection that is gone holds no locks either
        await connection.close()


async def _try_all(connection: AsyncConnection, modem_ids: Sequence[str]) -> list[str]:
    schema = (await connection.execute(text("SELECT current_schema()"))).scalar_one()
    busy = []
    for modem_id in modem_ids:
        taken = await connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(str(schema), modem_id)}
        )
        if not taken.scalar_one():
            busy.append(modem_id)
    return busy
