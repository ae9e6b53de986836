"""Multi-row ``INSERT … RETURNING id`` bound with plain tuples: the batch hot path of the writer.

SQLAlchemy's executemany builds a parameter dictionary per row and runs every type processor on it,
which costs more than SQLite spends storing the row. Here the caller hands over rows already in
their stored form (times as microseconds, statuses as text), and each page of rows is one
statement with one flat parameter tuple. The SQL is the portable ``INSERT … VALUES (…), (…)
RETURNING id`` that SQLite (>= 3.35) and PostgreSQL both run; only the placeholder spelling follows
the driver's paramstyle.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, Final

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

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


async def insert_returning_ids(
    conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> list[int]:
    """Insert ``rows`` (each a tuple in the order of ``columns``) and return the new ids, ascending.

    Rows go in page after page in the given order inside the caller's transaction, and both engines
    hand out increasing ids within one statement, so the sorted ids line up with ``rows``.
    Values are bound as given: no type processing happens here.
    """
    if not rows:
        return []
    quote = conn.dialect.identifier_preparer.quote
    quoted = tuple(quote(name) for name in columns)
    table_name = conn.dialect.identifier_preparer.format_table(table)
    id_column = quote(next(iter(table.primary_key.columns)).name)
    paramstyle = conn.dialect.paramstyle
    page = rows_per_statement(len(columns))
    ids: list[int] = []
    for start in range(0, len(rows), page):
        chunk = rows[start : start + page]
        sql = insert_returning_sql(table_name, id_column, quoted, len(chunk), paramstyle)
        ids.extend(await _execute_returning(conn, sql, tuple(chain.from_iterable(chunk))))
    ids.sort()
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
