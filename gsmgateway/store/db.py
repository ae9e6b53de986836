"""Opening the database: async engines, SQLite pragmas, and the Alembic upgrade run at every start.

On SQLite two engines share the file: writers begin with ``BEGIN IMMEDIATE`` so a read-then-write
transaction (a claim) takes the write lock up front and waits for it under ``busy_timeout`` instead of
failing on a stale snapshot; readers begin a plain deferred transaction and never queue behind
writers (WAL). A write transaction whose first statement is a write (the group commit's INSERT) may
skip its own ``BEGIN`` trip: with :data:`BEGIN_AT_FIRST_WRITE` set on the connection, the driver
sends ``BEGIN IMMEDIATE`` with that first statement instead. On PostgreSQL both names point at one
engine, and the option changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolResetState

from gsmgateway.core.errors import StoreError
from gsmgateway.store.health import StoreHealth
from gsmgateway.store.migrations import HEAD_REVISION

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
# Writers copy the WAL back into the database every 10,000 pages (~40 MB) instead of SQLite's
# 1,000: a 1000-message batch dirties ~700 pages of the recipient index, so at 1,000 nearly every
# commit also ran a checkpoint (and an fsync) inside the writer's turn; less often, a page changed
# by many commits is copied once. /sms/batch: ~33,000 → ~39,000 messages/s (bench/api_ingest.py).
WAL_CHECKPOINT_PAGES = 10_000
#: Execution option of a write connection whose transaction starts with an INSERT, UPDATE or DELETE:
#: sqlite3 then begins it (``BEGIN IMMEDIATE``) in the same trip to aiosqlite's thread as that
#: statement, not in one of its own. A SELECT first would run outside the transaction, so only a
#: transaction that writes first may set it (``Repository._write(begins_with_a_write=True)``).
BEGIN_AT_FIRST_WRITE: Final = "gsmgateway_begin_at_first_write"


class Database:
    """The open store: a write engine and a read engine (the same one except on SQLite), and its health."""

    def __init__(self, write: AsyncEngine, read: AsyncEngine) -> None:
        self.write = write
        self.read = read
        self.health = StoreHealth(write)
        # SQLite has one writer at a time, and a connection waiting for its lock sleeps in SQLite's
        # busy handler in steps of up to 100 ms. The writes of this process (group commits, claims,
        # sends, reports from 32 modem workers) queue here instead and start the moment the previous
        # transaction ends. PostgreSQL writes them side by side.
        self.write_turn: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if write.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: the few places that care (upserts) ask this."""
        return self.write.dialect.name

    async def ping(self) -> bool:
        """Return whether the store answers a trivial query now (``GET /ready``)."""
        try:
            async with self.read.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            logger.warning("store ping failed", exc_info=True)
            return False
        return True

    async def close(self) -> None:
        """Close every pooled connection (and aiosqlite's threads); safe to call twice."""
        await self.write.dispose()
        if self.read is not self.write:
            await self.read.dispose()


async def open_database(
    url: str,
    *,
    busy_timeout_ms: int = 5000,
    connect_args: dict[str, Any] | None = None,
    migrate: bool = True,
) -> Database:
    """Open ``url`` (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``) and bring the schema up to date.

    :raises StoreError: the database cannot be opened or migrated.
    """
    try:
        if url.startswith("sqlite"):
            _ensure_parent_dir(url)
            write = _sqlite_engine(url, busy_timeout_ms, immediate=True)
            read = _sqlite_engine(url, busy_timeout_ms, immediate=False)
        else:
            write = read = create_async_engine(
                url, connect_args=connect_args or {}, pool_size=10, max_overflow=20, hide_parameters=True
            )
        database = Database(write, read)
    except (SQLAlchemyError, ValueError, OSError) as exc:
        raise StoreError(f"cannot open the store {redact_url(url)}: {exc}") from exc
    if migrate:
        try:
            async with write.connect() as conn:
                await conn.run_sync(_upgrade)
                await conn.commit()
        except StoreError:
            await database.close()
            raise
        except (SQLAlchemyError, OSError) as exc:
            await database.close()
            raise StoreError(f"cannot migrate the store {redact_url(url)}: {exc}") from exc
    return database


def _upgrade(connection: Connection) -> None:
    """Migrate to head; refuse a database written by a newer gsmgateway (a revision we do not know).

    :raises StoreError: the schema is newer than this code (after a rollback of the package).
    """
    current = schema_revision(connection)
    if current == HEAD_REVISION:
        logger.info("store schema is at head (%s)", HEAD_REVISION)
        return
    # Imported only when there is something to migrate: Alembic costs the daemon ~11 MB resident.
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if current is not None and current not in known:
        raise StoreError(
            f"the database is at schema revision {current!r}, newer than this gsmgateway knows "
            f"(up to {HEAD_REVISION!r}): install the newer gsmgateway again, or restore the backup "
            "taken before the upgrade"
        )
    command.upgrade(config, "head")
    logger.info("store schema migrated to head (%s)", HEAD_REVISION)


def schema_revision(connection: Connection) -> str | None:
    """Return the Alembic revision the store is at, or None for a store never migrated."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def _sqlite_engine(url: str, busy_timeout_ms: int, *, immediate: bool) -> AsyncEngine:
    # hide_parameters: a store error's text (logged, shown) must not carry a number or a message text.
    # pool_reset_on_return=None: a connection back from a transaction is rolled back by _on_reset only
    # when it still has one open.
    engine = create_async_engine(
        url,
        pool_size=5 if immediate else 8,
        max_overflow=4,
        hide_parameters=True,
        pool_reset_on_return=None,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Readers: we emit BEGIN ourselves (the module docstring). Writers: so do we (_on_begin), and
        # the driver's own BEGIN IMMEDIATE before a write with no transaction open serves
        # BEGIN_AT_FIRST_WRITE; with our BEGIN sent first it never fires.
        dbapi_connection.isolation_level = "IMMEDIATE" if immediate else None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: in WAL mode every commit is fdatasync'ed before it returns, so a message whose 202
        # was sent, or a claim made before AT+CMGS, survives a power cut (NORMAL may lose the last
        # commits). The group commit (store/writer.py) keeps that to one fsync per group.
        cursor.execute("PRAGMA synchronous=FULL")
        if immediate:
            cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # SQLAlchemy's own reset is a ROLLBACK on every return to the pool, even after a COMMIT: one
        # more trip to aiosqlite's thread, inside the writer's turn, that does nothing. Roll back
        # only a transaction still open (a connection closed without commit or rollback); a
        # connection being thrown away (terminate_only, or collected outside the loop) is closed,
        # which ends its transaction anyway.
        if state.terminate_only or not state.asyncio_safe:
            return
        if dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if immediate and conn.get_execution_options().get(BEGIN_AT_FIRST_WRITE):
            return  # the driver begins with the first write (see BEGIN_AT_FIRST_WRITE)
        # One trip to aiosqlite's thread (execute, fetch, close there) instead of three for a cursor.
        dbapi_connection: Any = conn.connection.dbapi_connection
        try:
            dbapi_connection.run_async(lambda driver: driver.execute_fetchall(begin))
        except sqlite3.Error as exc:
            raise DBAPIError.instance(begin, None, exc, sqlite3.Error) from exc

    return engine


def _ensure_parent_dir(url: str) -> None:
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def redact_url(url: str) -> str:
    """Hide a password in a URL before it reaches a log or an error message."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
