"""What every repository shares: transactions on the right engine, with foreign errors wrapped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.errors import GatewayError, StoreError
from gsmgateway.store.db import Database
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
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        if not self._db.health.writable:  # fail fast: what space is freed goes to the recovery first
            raise StoreError(f"store write failed: {self._db.health.problem}")
        try:
            async with self._db.write_turn, self._db.write.begin() as conn:
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
