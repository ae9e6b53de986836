"""``message_counts`` (migration 0008) agrees with a GROUP BY over ``messages`` whatever changed them.

The expected figures are a plain GROUP BY over the messages table, written here; the counts are
what the triggers kept. Checked after a mix of what the gateway does (accept one and a batch,
claim, send, fail, cancel, recover after a crash, expire), hand-written SQL (a bulk update of
modems, a delete, a moved creation time), a transaction that rolled back, and after the migration
built the counts for messages stored before it.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from gsmgateway.core.errors import ModemUnavailableError
from gsmgateway.core.records import RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.store.db import MIGRATIONS, Database, open_database
from gsmgateway.store.writer import NewMessage
from gsmgateway.wiring import Services
from tests.store.conftest import START, Clock, StoreTarget, submit

#: A quarter hour is 900,000,000 microseconds (created_at is microseconds since 1970).
GROUPED = text(
    "SELECT created_at / 900000000, status, coalesce(modem_id, ''), count(*) FROM messages "
    "GROUP BY created_at / 900000000, status, coalesce(modem_id, '')"
)
KEPT = text("SELECT bucket, status, modem_id, tally FROM message_counts")


async def both(database: Database) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    """Return (the GROUP BY over messages, the rows of message_counts), as sets of plain tuples."""
    async with database.read.connect() as conn:
        grouped = {tuple(row) for row in await conn.execute(GROUPED)}
        kept = {tuple(row) for row in await conn.execute(KEPT)}
    return grouped, kept


def new_message(clock: Clock, n: int) -> NewMessage:
    created = clock() - timedelta(minutes=7 * n)  # spread over several buckets
    return NewMessage(
        recipient_kind=RecipientKind.CLIENT, recipient_id="12", number="+255712345678", text=f"batch {n}",
        parts_total=1, not_before=created, send_at=None, expires_at=created + timedelta(hours=1),
        created_at=created, api_key_id=None, idempotency_key=None, fingerprint=None, external_id=None,
    )  # fmt: skip


async def test_counts_follow_every_kind_of_change(stack: Services, caller: Caller, clock: Clock) -> None:
    views = [await submit(stack, caller, f"one {n}") for n in range(4)]
    await stack.writer.insert_many([new_message(clock, n) for n in range(30)])
    claimed = await stack.dispatch.claim_next("modem-1")
    assert claimed is not None
    await stack.dispatch.record_part_sent(claimed, 1, mr=5, modem_id="modem-1")
    await stack.dispatch.mark_sent(claimed, modem_id="modem-1")
    failing = await stack.dispatch.claim_next("modem-2")
    assert failing is not None
    await stack.dispatch.mark_attempt_failed(
        failing, ModemUnavailableError("unplugged"), modem_id="modem-2", parts_sent=0, written=False
    )
    interrupted = await stack.dispatch.claim_next("modem-1")
    assert interrupted is not None
    await stack.dispatch.record_part_written(interrupted, 1, modem_id="modem-1")
    await stack.maintenance.recover_after_restart()  # sending → unknown
    await stack.messages.cancel(views[-1].id, caller=caller)
    clock.advance(timedelta(hours=3))
    await stack.maintenance.expire_unsent()  # the batch's validity ran out: queued → expired
    async with stack.database.write.begin() as conn:
        await conn.execute(text("UPDATE messages SET modem_id = 'modem-3' WHERE id % 3 = 0"))
        await conn.execute(text("UPDATE messages SET created_at = created_at - 86400000000 WHERE id % 4 = 1"))
        await conn.execute(
            text(
                "DELETE FROM messages WHERE id % 5 = 2 AND id NOT IN "
                "(SELECT message_id FROM message_events UNION SELECT message_id FROM message_parts)"
            )
        )
        await conn.execute(text("UPDATE messages SET text = 'edited'"))  # no counted column changes
    before = await both(stack.database)
    async with stack.database.write.connect() as conn:
        await conn.execute(text("UPDATE messages SET status = 'failed'"))
        await conn.rollback()  # the process died before COMMIT

    grouped, kept = await both(stack.database)

    assert (grouped, kept) == before
    assert kept == grouped
    statuses = {row[1] for row in grouped}
    assert {"sent", "queued", "unknown", "cancelled", "expired"} <= statuses, statuses


def _migrate_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_the_migration_counts_messages_stored_before_it(target: StoreTarget) -> None:
    old = await open_database(target.url, connect_args=target.connect_args, migrate=False)
    try:
        async with old.write.connect() as conn:
            await conn.run_sync(_migrate_to, "0007")
            micros = int(START.timestamp()) * 1_000_000
            for n in range(40):
                status = ("queued", "delivered", "failed", "sent")[n % 4]
                modem = None if status == "queued" else f"modem-{n % 3}"
                await conn.execute(
                    text(
                        "INSERT INTO messages (status, recipient_kind, recipient_id, number, text, "
                        "parts_total, attempts, not_before, expires_at, created_at, updated_at, modem_id) "
                        "VALUES (:status, 'client', '12', '+2557', 'old', 1, 0, :at, :at, :at, :at, :modem)"
                    ),
                    {"status": status, "at": micros + n * 400_000_000, "modem": modem},
                )
            await conn.commit()
    finally:
        await old.close()
    database = await target.open()  # migrates to head: 0008 builds the counts
    try:
        grouped, kept = await both(database)
    finally:
        await database.close()
    assert len(grouped) > 10
    assert kept == grouped


def test_every_zone_is_whole_quarter_hours_from_utc_today() -> None:
    """A local day is a run of whole buckets: true of every zone in the zone database, now and for a year."""
    misaligned = []
    for name in sorted(available_timezones()):
        zone = ZoneInfo(name)
        for month in range(13):
            moment = START + timedelta(days=30 * month)
            offset = moment.astimezone(zone).utcoffset()
            assert offset is not None
            if offset.total_seconds() % (15 * 60):
                misaligned.append((name, str(offset)))
    assert misaligned == []
