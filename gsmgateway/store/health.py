"""Whether the store can be written now, and what a database failure means in an operator's words.

Every write goes through :meth:`Repository._write`, which reports here: a failure of the disk or the
file (full, read-only, I/O error) marks the store *not writable* — ``GET /ready`` then answers 503 and
further writes fail at once (503) without touching the disk. Meanwhile :meth:`StoreHealth.probe`
(every few seconds) tries to recover by itself: on SQLite it copies the WAL into the database and
truncates it to nothing, then makes a one-page write. Were the writes let through, each would append
to the WAL and eat the space an operator freed before the checkpoint could use it, and the store
would stay full. A lock held too long by another writer is no failure of the store and changes
nothing here.

The text a caller sees (``describe_failure``) never contains SQL, parameters or a phone number: the
driver's own message (``database or disk is full``) is logged, the API says only what kind of
failure it was.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

#: SQLite primary result codes (sqlite3.h) → what an operator should read. Every one of these
#: means the file or the disk is in trouble, not the request.
_SQLITE_FAILURES: Final = {
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_READONLY: "the database is read-only (check the owner of the state directory)",
    sqlite3.SQLITE_IOERR: "the disk reported an I/O error",
    sqlite3.SQLITE_CANTOPEN: "the database file cannot be opened",
    sqlite3.SQLITE_CORRUPT: "the database file is damaged",
    sqlite3.SQLITE_NOTADB: "the database file is not an SQLite database",
    sqlite3.SQLITE_PERM: "the database file may not be written",
}
#: PostgreSQL SQLSTATE classes: 53 insufficient resources (53100 disk full), 58 system error.
_PG_FAILURES: Final = {
    "53": "the database server is out of resources (disk full?)",
    "58": "the database server reported an I/O error",
}


@dataclass(frozen=True)
class Failure:
    """A store failure as shown: ``text`` for callers and logs, ``of_the_disk`` for ``/ready``."""

    text: str
    of_the_disk: bool
    detail: str  # the driver's own words (no SQL): for the log only


def describe_failure(exc: BaseException) -> Failure:
    """Return what ``exc`` (a SQLAlchemy or OS error) means, without SQL, parameters or numbers."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
        detail = getattr(original, "sqlite_errorname", type(original).__name__) + f": {original}"
        if code in _SQLITE_FAILURES:
            return Failure(_SQLITE_FAILURES[code], True, detail)
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return Failure("the database is locked by another writer; try again", False, detail)
        return Failure("the database failed", False, detail)
    sqlstate = str(getattr(original, "sqlstate", "") or "")
    if sqlstate[:2] in _PG_FAILURES:
        return Failure(_PG_FAILURES[sqlstate[:2]], True, f"SQLSTATE {sqlstate}")
    if isinstance(original, OSError):
        return Failure(
            f"the database cannot be reached ({original.strerror or 'OS error'})", True, str(original)
        )
    return Failure("the database failed", False, type(original).__name__)


class StoreHealth:
    """Writable or not, and why; fed by every write, probed while not writable."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.problem: str | None = None

    @property
    def writable(self) -> bool:
        """False from a failure of the disk or the file until a write succeeds again."""
        return self.problem is None

    def failed(self, failure: Failure) -> None:
        """Note a failed write; only a failure of the disk or the file makes the store not writable."""
        if failure.of_the_disk and self.problem != failure.text:
            logger.error("the store cannot be written: %s (%s)", failure.text, failure.detail)
            self.problem = failure.text

    def succeeded(self) -> None:
        """Note a write that went through: writable (again)."""
        if self.problem is not None:
            logger.warning("the store can be written again (was: %s)", self.problem)
            self.problem = None

    async def probe(self) -> bool:
        """After a failure of the disk: checkpoint and truncate the WAL, then write; return writable."""
        if self.writable:
            return True
        try:
            async with self._engine.connect() as conn:
                if conn.dialect.name == "sqlite" and not await _checkpoint_and_write(conn):
                    logger.debug("store probe: the WAL is still in use; trying again")
                    return False
                if conn.dialect.name != "sqlite":
                    await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError, sqlite3.Error) as exc:
            logger.debug("store probe: still not writable: %s", describe_failure(exc).detail)
            return False
        self.succeeded()
        return True


async def _checkpoint_and_write(conn: AsyncConnection) -> bool:
    """Copy the WAL into the database and truncate it, then write one page; return whether truncated.

    Outside any transaction. The write sets ``user_version`` to the value it has: a real commit, and
    nothing changes. The checkpoint is partial (not truncated) while a reader still needs the WAL.
    """
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection  # aiosqlite's connection; autocommit (isolation_level None)
    (busy, _, _), *_ = await driver.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
    rows = await driver.execute_fetchall("PRAGMA user_version")
    await driver.execute(f"PRAGMA user_version = {int(rows[0][0])}")
    return not busy
