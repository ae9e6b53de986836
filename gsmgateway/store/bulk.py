"""Multi-row ``INSERT … RETURNING id`` bound with plain tuples: the batch hot path of the writer.

SQLAlchemy's executemany builds a parameter dictionary per row and runs every type processor on it,
which costs more than SQLite spends storing the row. Here the caller hands over rows already in
their stored form (times as microseconds, statuses as text), and each page of rows is one
statement with one flat parameter tuple. The SQL is the portable ``INSERT … VALUES (…), (…)
RETURNING id`` that SQLite (>= 3.35) and PostgreSQL both run; only the placeholder spelling follows
the driver's paramstyle.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from itertools import chain
from typing import Any, Final

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gsmgateway.core.errors import StoreError

MAX_ROWS_PER_STATEMENT: Final = 1000
MAX_PARAMETERS_PER_STATEMENT: Final = 30_000  # under SQLite's 32,766 and PostgreSQL's 32,767


def rows_per_statement(column_count: int) -> int:
    """Return how many rows of ``column_count`` values one statement may carry."""
    return max(1, min(MAX_ROWS_PER_STATEMENT, MAX_PARAMETERS_PER_STATEMENT // column_count))


@lru_cache(maxsize=64)
def insert_returning_sql(
    table: str, id_column: str, columns: tuple[str, ...], rows: int, paramstyle: str
) -> str:
    """Return ``INSERT INTO table (columns) VALUES (…), … RETURNING id`` with ``rows`` rows of placeholders.

    ``table`` and the column names must already be quoted for the dialect.

    :raises ValueError: a paramstyle that takes names (``named``, ``pyformat`` with dicts) rather
        than positions; the store's drivers (sqlite3, asyncpg) are positional.
    """
    width = len(columns)
    if paramstyle == "qmark":
        row = "(" + ",".join("?" * width) + ")"
        values = ",".join([row] * rows)
    elif paramstyle in ("format", "pyformat"):
        row = "(" + ",".join(["%s"] * width) + ")"
        values = ",".join([row] * rows)
    elif paramstyle in ("numeric_dollar", "numeric"):
        mark = "$" if paramstyle == "numeric_dollar" else ":"
        values = ",".join(
            "(" + ",".join(f"{mark}{start + i}" for i in range(1, width + 1)) + ")"
            for start in range(0, rows * width, width)
        )
    else:
        raise ValueError(f"unsupported paramstyle {paramstyle!r}")
    # Only quoted identifiers from the schema and placeholders are interpolated; values are bound.
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} RETURNING {id_column}"  # noqa: S608


_Statement = tuple[str, tuple[Any, ...]]


def _insert_statements(
    dialect: Any, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> list[_Statement]:
    """Return the ``INSERT … RETURNING id`` statements (with their flat parameters) for ``rows``."""
    quote = dialect.identifier_preparer.quote
    quoted = tuple(quote(name) for name in columns)
    table_name = dialect.identifier_preparer.format_table(table)
    id_column = quote(next(iter(table.primary_key.columns)).name)
    page = rows_per_statement(len(columns))
    return [
        (
            insert_returning_sql(table_name, id_column, quoted, len(chunk), dialect.paramstyle),
            tuple(chain.from_iterable(chunk)),
        )
        for chunk in (rows[start : start + page] for start in range(0, len(rows), page))
    ]


async def insert_returning_ids(
    conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> list[int]:
    """Insert ``rows`` (each a tuple in the order of ``columns``) and return the new ids, ascending.

    Rows go in page after page in the given order inside the caller's transaction, and both engines
    hand out increasing ids within one statement, so the sorted ids line up with ``rows``.
    Values are bound as given: no type processing happens here.
    """
    ids: list[int] = []
    for sql, parameters in _insert_statements(conn.dialect, table, columns, rows):
        ids.extend(await _execute_returning(conn, sql, parameters))
    ids.sort()
    return ids


async def insert_committed_sqlite(
    engine: AsyncEngine,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    turn: AbstractAsyncContextManager[Any],
) -> list[int]:
    """Insert ``rows`` in a transaction of their own on SQLite, in one trip to aiosqlite's thread.

    ``BEGIN IMMEDIATE``, the inserts and ``COMMIT`` (or ``ROLLBACK``) all run in the connection's
    thread, which releases the GIL inside SQLite, so the event loop parses the next request
    meanwhile instead of being needed between this one's statements. The statements are built
    before ``turn`` (the writer's lock) is taken, and the connection goes back to the pool after it
    is released. Ids are returned ascending, as :func:`insert_returning_ids` does.

    :raises DBAPIError: the driver's error, wrapped as SQLAlchemy would wrap it.
    """
    if not rows:
        return []
    statements = _insert_statements(engine.dialect, table, columns, rows)
    preparer = engine.dialect.identifier_preparer
    id_column = preparer.quote(next(iter(table.primary_key.columns)).name)
    # Only quoted identifiers from the schema are interpolated.
    last_id_sql = f"SELECT max({id_column}) FROM {preparer.format_table(table)}"  # noqa: S608
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        async with turn:
            try:
                # aiosqlite's own queue to its thread (``_execute``) runs the whole transaction there.
                ids: list[int] = await driver._execute(
                    _run_transaction, driver._conn, last_id_sql, len(columns), statements
                )
            except sqlite3.Error as exc:
                raise DBAPIError.instance(statements[0][0], None, exc, sqlite3.Error) from exc
        # Let a writer waiting for the turn hand its transaction to SQLite before this caller goes
        # on building its response on the event loop.
        await asyncio.sleep(0)
    return ids


def _run_transaction(
    db: sqlite3.Connection, last_id_sql: str, width: int, statements: list[_Statement]
) -> list[int]:
    """Run ``statements`` in one ``BEGIN IMMEDIATE`` transaction; return the new ids, ascending.

    Runs in aiosqlite's thread. The ids are not fetched row by row with ``RETURNING``: every
    fetched row is one more ``sqlite3_step``, and the thread gives up the GIL around each one and
    then waits up to a switch interval to get it back from a busy event loop. Inside the write
    transaction SQLite numbers new rows one above the largest id, so a statement's rows are
    ``last - count + 1 … last``; the count and the last id are checked against the largest id
    before the statement; if they ever disagree (SQLite picks random ids once the largest possible
    id is taken, and no order of ``RETURNING`` rows is promised then) nothing is stored.

    :raises StoreError: the ids would not be the ones computed.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        ids: list[int] = []
        for sql, parameters in statements:
            ((before,),) = db.execute(last_id_sql).fetchall()
            largest = int(before or 0)
            cursor = db.execute(sql.rsplit(" RETURNING ", 1)[0], parameters)
            count, last = cursor.rowcount, cursor.lastrowid
            if count != len(parameters) // width or last != largest + count:
                raise StoreError(
                    "store write failed: SQLite no longer numbers new rows in order (the largest "
                    "possible id is taken); nothing was stored"
                )
            ids.extend(range(largest + 1, largest + count + 1))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.rollback()
        raise
    return ids


async def _execute_returning(conn: AsyncConnection, sql: str, parameters: tuple[Any, ...]) -> list[int]:
    """Run one ``INSERT … RETURNING id`` in the caller's transaction and return the ids.

    On SQLite the statement goes to aiosqlite's thread in one trip (execute, fetch and close there)
    instead of the four a SQLAlchemy cursor makes; a driver error is wrapped as SQLAlchemy would,
    so callers see the same ``IntegrityError`` either way.
    """
    if conn.dialect.name != "sqlite":
        return [int(row[0]) for row in await conn.exec_driver_sql(sql, parameters)]
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        rows = await driver.execute_fetchall(sql, parameters)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, parameters, exc, sqlite3.Error) from exc
    return [int(row[0]) for row in rows]
