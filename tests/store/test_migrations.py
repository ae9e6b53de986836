"""The schema is created by Alembic at start, re-opening is a no-op, and SQLite runs with its pragmas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gsmgateway.core.errors import StoreError
from gsmgateway.store.db import MIGRATIONS, WAL_CHECKPOINT_PAGES, open_database
from gsmgateway.store.migrations import HEAD_REVISION
from gsmgateway.store.tables import metadata
from tests.store.conftest import StoreTarget

TABLES = {
    "api_keys",
    "messages",
    "message_parts",
    "message_events",
    "directory_entries",
    "modems",
    "console_sessions",
    "modem_inbox",
    "inbound_messages",
    "inbound_parts",
    "directory_events",
    "webhook_endpoints",
    "webhook_outbox",
    "webhook_attempts",
}


async def test_open_twice_migrates_once(target: StoreTarget) -> None:
    first = await target.open()
    await first.close()
    again = await target.open()
    try:
        async with again.read.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
            if target.engine == "sqlite":
                names = await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
            else:
                names = await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                )
            tables = set(names.scalars().all())
    finally:
        await again.close()
    assert version == [HEAD_REVISION]
    assert tables >= TABLES


async def test_sqlite_runs_wal_with_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    database = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}", busy_timeout_ms=1234)
    try:
        for engine in (database.write, database.read):
            async with engine.connect() as conn:
                assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
                assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
                assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 1234
        async with database.write.connect() as conn:  # writers checkpoint the WAL less often
            assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == WAL_CHECKPOINT_PAGES
        async with database.write.connect() as conn:
            with pytest.raises(IntegrityError, match="FOREIGN KEY"):
                await conn.execute(
                    text(
                        "INSERT INTO message_events (message_id, at, to_status, attempt) "
                        "VALUES (99, '2026-01-01', 'queued', 0)"
                    )
                )
    finally:
        await database.close()


async def test_unopenable_store_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot"):
        await open_database(f"sqlite+aiosqlite:///{blocker / 'sub' / 'g.db'}")
    with pytest.raises(StoreError, match="postgres:\\*\\*\\*@"):
        await open_database("postgresql+asyncpg://postgres:hunter2@127.0.0.1:1/none")


async def test_ping_reports_whether_the_store_answers(target: StoreTarget) -> None:
    database = await target.open()
    assert await database.ping() is True
    await database.close()
    if target.engine == "postgresql":
        broken = await open_database("postgresql+asyncpg://postgres@127.0.0.1:1/none", migrate=False)
        assert await broken.ping() is False
        await broken.close()


async def test_migrations_match_the_schema(target: StoreTarget) -> None:
    """Alembic's autogenerate finds nothing to do: the revisions build exactly ``schema.metadata``."""
    database = await target.open()
    try:
        async with database.write.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await database.close()
    assert diff == []


def test_head_revision_constant_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]


def test_a_store_at_head_is_opened_without_importing_alembic(tmp_path: Path) -> None:
    """The daemon's memory budget: Alembic is loaded only when there is something to migrate."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'g.db'}"
    script = (
        "import asyncio, sys\n"
        "from gsmgateway.store.db import open_database\n"
        "async def main():\n"
        f"    database = await open_database({url!r})\n"
        "    await database.close()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    runs = [
        subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
        )
        for _ in range(2)
    ]
    assert [run.stdout.strip() for run in runs] == ["True", "False"]  # migrate once, then skip Alembic
