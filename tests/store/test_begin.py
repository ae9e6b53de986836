"""SQLite transactions: a failed BEGIN is a StoreError; no connection returns to the pool mid-transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from gsmgateway.core.errors import StoreError
from gsmgateway.store.db import open_database
from gsmgateway.store.writer import SubmitWriter
from tests.store.test_bulk import _new


async def test_a_locked_database_is_a_store_error_and_the_pool_recovers(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    database = await open_database(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=50)
    writer = SubmitWriter(database)
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(StoreError, match="locked"):
            await writer.insert_many([_new(1)])
        blocker.execute("ROLLBACK")
        views = await writer.insert_many([_new(2)])
        async with database.read.begin() as conn:  # readers begin the same way
            count = (await conn.execute(text("SELECT count(*) FROM messages"))).scalar_one()
        assert (len(views), count) == (1, 1)
    finally:
        blocker.close()
        await writer.close()
        await database.close()


async def test_a_connection_returned_with_a_transaction_open_is_rolled_back(tmp_path: Path) -> None:
    """The pool rolls back only what is still open: here a transaction SQLAlchemy did not see begin."""
    path = tmp_path / "gateway.db"
    database = await open_database(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=50)
    writer = SubmitWriter(database)
    try:
        async with database.write.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.execute("BEGIN IMMEDIATE")
            await driver.execute("DELETE FROM alembic_version")
        views = await writer.insert_many([_new(1)])  # the write lock was given back
        observer = sqlite3.connect(path)
        try:
            revisions = observer.execute("SELECT count(*) FROM alembic_version").fetchone()
            messages = observer.execute("SELECT count(*) FROM messages").fetchone()
        finally:
            observer.close()
        assert (len(views), revisions, messages) == (1, (1,), (1,))
    finally:
        await writer.close()
        await database.close()
