"""What every repository shares: transactions on the right engine, with foreign errors wrapped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.errors import GatewayError, StoreError
from gsmgateway.store.db import BEGIN_AT_FIRST_WRITE, Database
from gsmgateway.store.health import describe_failure


class Repository:
    """Base of the repositories: ``_write()`` and ``_read()`` open one transaction each.

    A ``GatewayError`` raised inside (a lost compare-and-set) rolls the transaction back and passes
    through unchanged; a SQLAlchemy or OS error becomes :class:`StoreError` whose message says what
    kind of failure it was (``store/health.py``) and never carries SQL or values. Every write tells
    the store's health whether it went through (``GET /ready``); while the disk or the file is in
    trouble, writes fail at once without touching it, until the health probe has recovered the store.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    @asynccontextmanager
    async def _write(self, *, begins_with_a_write: bool = False) -> AsyncIterator[AsyncConnection]:
        """Open a write transaction in the process's write turn.

        ``begins_with_a_write``: the first statement inserts, updates or deletes, so on SQLite the
        transaction may begin with it instead of a ``BEGIN`` trip of its own (``db.BEGIN_AT_FIRST_WRITE``).
        """
        if not self._db.health.writable:  # fail fast: what space is freed goes to the recovery first
            raise StoreError(f"store write failed: {self._db.health.problem}")
        try:
            async with self._db.write_turn, self._db.write.connect() as conn:
                if begins_with_a_write:
                    await conn.execution_options(**{BEGIN_AT_FIRST_WRITE: True})
                async with conn.begin():
                    yield conn
        except GatewayError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            failure = describe_failure(exc)
            self._db.health.failed(failure)
            raise StoreError(f"store write failed: {failure.text}") from exc
        self._db.health.succeeded()

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._db.read.connect() as conn:
                yield conn
        except GatewayError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"store read failed: {describe_failure(exc).text}") from exc
