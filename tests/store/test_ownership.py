"""One daemon per store, seen from the store: the SQLite lock, the state checks, the watch, the modem locks.

The lock is proven with two real processes in ``tests/system/test_operations.py``; here the same
process opens the lock file twice, which ``flock`` treats as two holders (a lock belongs to an open
file, not to a process), and the PostgreSQL advisory locks are taken on two independent pools.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gsmgateway.core.errors import StoreError, StoreInUseError
from gsmgateway.store.modem_locks import ModemLocks
from gsmgateway.store.ownership import StoreLock
from tests.store.conftest import StoreTarget


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    database = tmp_path / "gsmgateway.db"
    first = StoreLock.acquire(database)
    try:
        with pytest.raises(StoreInUseError, match=rf"pid {os.getpid()}\b.*{database}"):
            StoreLock.acquire(database)
    finally:
        first.release()
    StoreLock.acquire(database).release()  # released: the next one gets it


def test_a_wal_without_its_database_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "gsmgateway.db"
    (tmp_path / "gsmgateway.db-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(28))  # a WAL header's magic
    with pytest.raises(StoreError, match=r"gsmgateway\.db-wal exists but the database .* does not"):
        StoreLock.acquire(database)
    assert not database.exists(), "nothing may be created in its place"


def test_the_watch_sees_a_deleted_and_a_replaced_database(tmp_path: Path) -> None:
    database = tmp_path / "gsmgateway.db"
    database.write_bytes(b"")
    held = database.open("rb")  # as the daemon's connections hold it: its inode is not reused
    lock = StoreLock.acquire(database)
    try:
        lock.remember_database()
        assert lock.lost() is None
        database.unlink()
        assert "was deleted" in (lock.lost() or "")
        database.write_bytes(b"another file")
        assert "was replaced" in (lock.lost() or "")
    finally:
        lock.release()
        held.close()


async def test_each_modem_is_held_by_one_process_on_postgresql(target: StoreTarget) -> None:
    first_db, second_db = await target.open(), await target.open()
    try:
        first = await ModemLocks.acquire(first_db, ["m1", "m2"])
        try:
            if target.engine == "postgresql":
                with pytest.raises(StoreInUseError, match=r"modem\(s\) m2 are driven by another gsmgateway"):
                    await ModemLocks.acquire(second_db, ["m2", "m3"])
            other = await ModemLocks.acquire(second_db, ["m3"])  # a modem of its own: fine
            await other.release()
        finally:
            await first.release()
        again = await ModemLocks.acquire(second_db, ["m2", "m3"])  # released: now it may
        await again.release()
    finally:
        await first_db.close()
        await second_db.close()
