"""The plain-tuple bulk insert: ids line up with rows across pages, times are stored exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from gsmgateway.core.errors import StoreError
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import RecipientKind
from gsmgateway.store.bulk import insert_returning_sql, rows_per_statement
from gsmgateway.store.tables import messages
from gsmgateway.store.writer import NewMessage
from gsmgateway.wiring import Services
from tests.store.conftest import START


def _new(n: int) -> NewMessage:
    created = START + timedelta(seconds=n % 7)
    return NewMessage(
        recipient_kind=RecipientKind.CLIENT, recipient_id=str(n % 13), number=f"+2557{n:08d}",
        text=f"text {n}", parts_total=1 + n % 3, not_before=created,
        send_at=created + timedelta(hours=1) if n % 5 == 0 else None,
        expires_at=created + timedelta(days=1), created_at=created, api_key_id=None,
        idempotency_key=None, fingerprint=None, external_id=f"x{n}" if n % 2 else None,
    )  # fmt: skip


async def test_more_rows_than_one_statement_keep_their_order(stack: Services) -> None:
    count = rows_per_statement(16) * 2 + 17  # three statements, the last one short
    batch = [_new(n) for n in range(count)]
    views = await stack.writer.insert_many(batch)
    assert [v.message for v in views] == [m.text for m in batch]
    assert [v.id for v in views] == sorted({v.id for v in views})
    for view in views[:: len(views) // 7]:  # the answer is what a later read returns, field by field
        assert view == (await stack.messages.get(view.id)).message
    async with stack.database.read.connect() as conn:
        rows = (await conn.execute(select(messages).order_by(messages.c.id))).all()
    assert [r.id for r in rows] == [v.id for v in views]
    for row, new in zip(rows, batch, strict=True):  # every column as the writer was given it
        assert (row.text, row.recipient_id, row.number, row.parts_total) == (
            new.text, new.recipient_id, new.number, new.parts_total,
        )  # fmt: skip
        assert (row.created_at, row.updated_at, row.not_before) == (new.created_at,) * 3
        assert (row.send_at, row.expires_at, row.external_id) == (
            new.send_at,
            new.expires_at,
            new.external_id,
        )
        assert (row.status, row.recipient_kind, row.attempts) == (MessageStatus.QUEUED, "client", 0)


async def test_a_naive_time_is_refused_and_nothing_is_stored(stack: Services) -> None:
    naive = _new(1)
    naive.created_at = naive.created_at.replace(tzinfo=None)
    with pytest.raises(StoreError, match="naive"):
        await stack.writer.insert_many([_new(0), naive])
    async with stack.database.read.connect() as conn:
        assert (await conn.execute(select(messages.c.id))).all() == []


@pytest.mark.parametrize(
    ("paramstyle", "placeholders"),
    [
        ("qmark", "(?,?),(?,?)"),
        ("numeric_dollar", "($1,$2),($3,$4)"),
        ("numeric", "(:1,:2),(:3,:4)"),
        ("format", "(%s,%s),(%s,%s)"),
    ],
)
def test_placeholders_follow_the_paramstyle(paramstyle: str, placeholders: str) -> None:
    sql = insert_returning_sql("t", "id", ("a", "b"), 2, paramstyle)
    assert sql.split(" VALUES ") == ["INSERT INTO t (a, b)", f"{placeholders} RETURNING id"]


def test_a_named_paramstyle_is_refused() -> None:
    with pytest.raises(ValueError, match="paramstyle"):
        insert_returning_sql("t", "id", ("a",), 1, "named")


async def test_no_wrong_ids_when_sqlite_stops_numbering_in_order(stack: Services) -> None:
    # With the largest possible id taken, SQLite picks new ids at random: the insert, which pairs ids
    # with rows by their order, must notice and store nothing rather than answer with ids of other rows.
    # PostgreSQL takes ids from its sequence and returns them: there the batch goes in.
    async with stack.database.write.begin() as conn:
        await conn.execute(insert(messages).values(id=2**63 - 1, **_stored(_new(99))))
    batch = [_new(n) for n in range(50)]
    if stack.database.dialect == "sqlite":
        with pytest.raises(StoreError, match="in order"):
            await stack.writer.insert_many(batch)
        views = []
    else:
        views = await stack.writer.insert_many(batch)
        assert len(views) == len(batch)
    async with stack.database.read.connect() as conn:
        stored = dict((await conn.execute(select(messages.c.id, messages.c.text))).all())
    assert stored == {2**63 - 1: "text 99"} | {v.id: m.text for v, m in zip(views, batch)}  # noqa: B905 - none on SQLite


async def test_a_failed_insert_leaves_no_rows_and_the_next_one_works(stack: Services) -> None:
    bad = _new(1)
    bad.api_key_id = 424242  # no such key: the foreign key refuses the row inside the transaction
    with pytest.raises(StoreError):
        await stack.writer.insert_many([_new(0), bad])
    views = await stack.writer.insert_many([_new(2)])
    async with stack.database.read.connect() as conn:
        assert (await conn.execute(select(messages.c.id))).all() == [(views[0].id,)]


async def test_a_row_refused_in_a_later_statement_takes_the_earlier_ones_back(stack: Services) -> None:
    # The group commit's transaction begins with its first INSERT (db.BEGIN_AT_FIRST_WRITE): were
    # that statement committed on its own, the first page would stay although the batch failed.
    batch = [_new(n) for n in range(rows_per_statement(16) + 1)]
    batch[-1].api_key_id = 424242  # no such key: refused by the foreign key, in the second statement
    with pytest.raises(StoreError):
        await stack.writer.insert_many(batch)
    async with stack.database.read.connect() as conn:
        assert (await conn.execute(select(messages.c.id))).all() == []


def _stored(new: NewMessage) -> dict[str, object]:
    return {
        "status": "queued", "recipient_kind": new.recipient_kind.value, "recipient_id": new.recipient_id,
        "number": new.number, "text": new.text, "parts_total": new.parts_total, "attempts": 0,
        "not_before": new.not_before, "expires_at": new.expires_at, "created_at": new.created_at,
        "updated_at": new.created_at,
    }  # fmt: skip
