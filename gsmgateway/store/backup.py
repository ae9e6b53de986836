"""``gsmgateway backup FILE``: a consistent copy of the SQLite database while the daemon runs.

SQLite's online backup API copies the database as of one read transaction: in WAL mode the daemon
goes on writing meanwhile, and the copy holds every message committed before it began, none half
written. The copy is written to ``FILE.partial``, checked (``PRAGMA quick_check``), fsynced and
only then renamed to ``FILE``, so a ``FILE`` that exists is a whole backup. An existing ``FILE``
is never overwritten. PostgreSQL is backed up with its own tool, ``pg_dump``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from pathlib import Path

from gsmgateway.core.errors import StoreError
from gsmgateway.store.ownership import RESCUED_SUFFIX, sqlite_path


def backup_store(url: str, target: Path) -> int:
    """Copy the SQLite store at ``url`` to ``target``; return the copy's size in bytes.

    :raises StoreError: PostgreSQL (use pg_dump), no database yet, ``target`` exists, or the copy failed.
    """
    database = sqlite_path(url)
    if database is None:
        raise StoreError(
            "the store is PostgreSQL: back it up with pg_dump (see the README, Backup and restore)"
        )
    if not database.exists():
        raise StoreError(f"there is no database at {database} to back up")
    if target.exists():
        raise StoreError(f"{target} exists; choose a new file name (a backup never overwrites)")
    partial = target.with_name(target.name + ".partial")
    try:
        _copy(database, partial)
        os.replace(partial, target)
        _fsync_directory(target.parent)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise StoreError(f"the backup to {target} failed: {exc}") from exc
    return target.stat().st_size


def _copy(database: Path, partial: Path) -> None:
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one read transaction, one consistent state
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"the copy fails its check: {verdict}")
        finally:
            copy.close()
    finally:
        source.close()
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rescue_deleted_database(path: Path) -> Path | None:
    """Save what a deleted database held, through this process's open descriptor of it; return the copy.

    Call it while the daemon's connections are still open but no longer write: the file's name is
    gone but its content is reachable as ``/proc/self/fd/N``, and its WAL (never deleted with it)
    sits at ``<path>-wal``. Both are copied to ``<path>.rescued-<UTC time>`` (and ``…-wal``), then
    the copy is checkpointed into one self-contained file and checked; then the old WAL and
    shared-memory files are removed (their content is in the copy, and left beside a restored
    database they would be replayed onto it). None if nothing was found or saved.
    """
    deleted = f"{path} (deleted)"
    source = next((fd for fd in Path("/proc/self/fd").iterdir() if _link(fd) == deleted), None)
    if source is None:
        return None
    target = path.with_name(f"{path.name}{RESCUED_SUFFIX}{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    wal = path.with_name(path.name + "-wal")
    try:
        shutil.copyfile(source, target)
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
        copy = sqlite3.connect(target)
        try:
            copy.execute("PRAGMA journal_mode=DELETE")  # replays the WAL into the file, removes it
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return None
        finally:
            copy.close()
    except (sqlite3.Error, OSError):
        return None
    for leftover in (wal, path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    return target


def _link(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:
        return ""
