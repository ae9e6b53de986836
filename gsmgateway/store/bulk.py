"""Multi-row ``INSERT … RETURNING id`` bound with plain tuples: the one way new messages are inserted.

SQLAlchemy's executemany builds a parameter dictionary per row and runs every type processor on it,
which costs more than SQLite spends storing the row. Here the caller hands over rows already in
their stored form (times as microseconds, statuses as text), and each page of rows is one
statement with one flat parameter tuple, run inside the caller's transaction (``Repository._write``,
as every other write). The SQL is the portable ``INSERT … VALUES (…), (…) RETURNING id`` that
SQLite (>= 3.35) and PostgreSQL both run; only the placeholder spelling follows the driver's
paramstyle.

On SQLite the statement goes to aiosqlite's thread in one trip through its public
``execute_fetchall`` on SQLAlchemy's ``driver_connection``, not the three trips of a SQLAlchemy
cursor. Measured side by side (``bench/api_ingest.py``, six alternating pairs each, shared 2-core
box; docs/store-and-delivery.md): through ``exec_driver_sql`` alone ``POST /sms`` cost ~25 % more
server CPU per message than the former one-trip transaction over aiosqlite's private
``_execute``/``_conn``; with ``execute_fetchall`` the two were level (0.223 ms CPU per message
against 0.221 ms for the private path, medians), so the private path and its ``aiosqlite<0.23`` pin are gone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain, pairwise
from typing import Any, Final

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

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
    """Insert ``rows`` (each a tuple in the order of ``columns``) and return the new ids, in row order.

    Rows go in page after page in the given order inside the caller's transaction. Both engines
    number the rows of one statement upwards (PostgreSQL from its sequence, SQLite one above the
    largest id) and return them in that order, which is how an id is paired with its row. Values are
    bound as given: no type processing happens here.

    :raises StoreError: the ids did not come back increasing — SQLite picks random ids once the
        largest possible id is taken — so they cannot be paired with the rows; raised inside the
        caller's transaction, which then stores nothing.
    """
    ids: list[int] = []
    for sql, parameters in _insert_statements(conn.dialect, table, columns, rows):
        ids.extend(await _execute_returning(conn, sql, parameters))
    if any(later <= earlier for earlier, later in pairwise(ids)):
        raise StoreError(
            "store write failed: the database no longer numbers new rows in order (the largest "
            "possible id is taken); nothing was stored"
        )
    return ids


async def _execute_returning(conn: AsyncConnection, sql: str, parameters: tuple[Any, ...]) -> list[int]:
    """Run one ``INSERT … RETURNING id`` in the caller's transaction and return the ids.

    On SQLite the statement goes to aiosqlite's thread in one trip (``execute_fetchall``: execute,
    fetch and close there) instead of the three a SQLAlchemy cursor makes; a driver error is wrapped
    as SQLAlchemy would, so callers see the same ``IntegrityError`` either way.
    """
    if conn.dialect.name != "sqlite":
        return [int(row[0]) for row in await conn.exec_driver_sql(sql, parameters)]
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        fetched = await driver.execute_fetchall(sql, parameters)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, parameters, exc, sqlite3.Error) from exc
    return [int(row[0]) for row in fetched]
