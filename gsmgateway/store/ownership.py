"""One daemon per store: the SQLite file's lock, the checks before it is opened, and its watch.

Two daemons on one database both claim and both recover: the second marks the first one's
``sending`` messages ``unknown`` at its start, and both drive the modems. So ``gsmgateway run`` takes
an exclusive ``flock`` on ``<database>.lock`` (next to the database, in the state directory) before
it opens the store, and keeps it for the life of the process: the kernel frees it when the process
ends, also after ``kill -9``, so a stale lock file never blocks a restart. ``flock`` (not ``fcntl``
record locks) because its lock belongs to the open file, so the demo, which holds the lock itself,
conflicts with a second lock of its own process too. The admin commands (``apikey``, ``directory``,
``backup``) do not take it: they are short writers that SQLite's own locking serialises.

Before the lock, the state is checked: a WAL file without its database means the database was
deleted (starting would silently begin an empty one and lose the WAL's messages), and a state
directory or database file the service user cannot write is named with its owner instead of
failing later with 503s. While running, :meth:`StoreLock.lost` says whether the database file was
deleted or replaced under the daemon (its open connections would go on writing to a deleted file).
"""

from __future__ import annotations

import fcntl
import grp
import os
import pwd
from pathlib import Path

from gsmgateway.core.errors import StoreError, StoreInUseError

#: A deleted database's content, saved by the daemon that noticed it (``store/backup.py``).
RESCUED_SUFFIX = ".rescued-"


def sqlite_path(url: str) -> Path | None:
    """Return the database file of an SQLite URL, or None (PostgreSQL, or an in-memory database)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)


def _owner(path: Path) -> str:
    stat = path.stat()
    try:
        user = pwd.getpwuid(stat.st_uid).pw_name
    except KeyError:
        user = str(stat.st_uid)
    try:
        group = grp.getgrgid(stat.st_gid).gr_name
    except KeyError:
        group = str(stat.st_gid)
    return f"owner {user}:{group}, mode {stat.st_mode & 0o7777:04o}"


def _running_as() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def check_store_files(database: Path) -> None:
    """Refuse a state the daemon must not start on: a WAL without its database, or files it cannot write.

    :raises StoreError: naming the path, its owner and what to do.
    """
    wal = database.with_name(database.name + "-wal")
    if wal.exists() and not database.exists():
        raise StoreError(
            f"{wal} exists but the database {database} does not: the database was deleted or moved. "
            "Not starting (a new, empty database would hide the messages in the WAL); restore the "
            "database from a backup, or remove the -wal and -shm files to start empty"
        )
    rescued = sorted(database.parent.glob(f"{database.name}{RESCUED_SUFFIX}*"))
    if rescued and not database.exists():
        raise StoreError(
            f"the database {database} was deleted while the gateway ran, and what it held was saved in "
            f"{rescued[-1]}: move that file to {database} to go on with it, or delete it to start empty"
        )
    directory = database.parent
    if directory.exists() and not os.access(directory, os.W_OK | os.X_OK):
        raise StoreError(
            f"the state directory {directory} is not writable by {_running_as()} ({_owner(directory)}); "
            f"fix it with: chown -R {_running_as()}: {directory}"
        )
    for path in (database, wal, database.with_name(database.name + "-shm")):
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(
                f"{path} is not writable by {_running_as()} ({_owner(path)}); "
                f"fix it with: chown {_running_as()}: {path}"
            )


class StoreLock:
    """The exclusive lock on one SQLite database, held from :meth:`acquire` to :meth:`release`."""

    def __init__(self, database: Path, fd: int) -> None:
        self.database = database
        self._fd: int | None = fd
        self._identity: tuple[int, int] | None = None

    @classmethod
    def acquire(cls, database: Path) -> StoreLock:
        """Check the state, then lock ``<database>.lock`` (created if needed) and write our pid in it.

        :raises StoreInUseError: another process holds the lock (its pid is named when known).
        :raises StoreError: the state is not one to start on (see :func:`check_store_files`).
        """
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the state directory {database.parent} as {_running_as()}: {exc.strerror}"
            ) from exc
        check_store_files(database)
        path = database.with_name(database.name + ".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot open the lock file {path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f"pid {holder}" if holder.isdigit() else "another process"
            raise StoreInUseError(
                f"another gsmgateway ({who}) is running on {database}; stop it first "
                "(systemctl stop gsmgateway), or give this one a state directory of its own"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        return cls(database, fd)

    def remember_database(self) -> None:
        """Note which file the database is (once opened), for :meth:`lost`."""
        stat = self.database.stat()
        self._identity = (stat.st_dev, stat.st_ino)

    def lost(self) -> str | None:
        """Return why the database is gone (deleted, replaced) since :meth:`remember_database`, else None."""
        if self._identity is None:
            return None
        try:
            stat = self.database.stat()
        except FileNotFoundError:
            return f"the database {self.database} was deleted while the gateway was running"
        except OSError as exc:
            return f"the database {self.database} cannot be looked at: {exc.strerror}"
        if (stat.st_dev, stat.st_ino) != self._identity:
            return f"the database {self.database} was replaced by another file while the gateway was running"
        return None

    def release(self) -> None:
        """Unlock and close (idempotent); the lock file stays, empty of meaning until locked again."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
