"""A throwaway PostgreSQL server for one test session, from Debian's ``postgresql`` binaries.

``initdb`` into a temporary directory, ``pg_ctl start`` listening on a Unix socket in that directory
only (no TCP port, so nothing collides with another session or a server the machine runs), and
``pg_ctl stop`` at the end; the directory is then removed. ``TEST_POSTGRES_DSN``, when set, names a
server to use instead (a CI service, a developer's own). ``make test-tools`` installs the package.

initdb refuses to run as root, and the tests run as root in the build container: there the cluster
belongs to the ``postgres`` user the Debian package creates, and the commands run through
``runuser``. Durability is switched off (``fsync=off``, ``--no-sync``): the cluster dies with the
session, and the store's own durability is proven on SQLite (tests/system/test_fsync_trace.py).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

#: Where Debian puts each major version's server programs (``postgresql-NN``).
BINARIES = "/usr/lib/postgresql/*/bin"
SERVICE_USER = "postgres"
START_TIMEOUT = 60


def server_binaries() -> Path:
    """Return the bin directory of the newest installed PostgreSQL, or fail saying what to install."""
    found = sorted(glob.glob(f"{BINARIES}/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError(
            "the store tests need PostgreSQL's server programs (initdb, pg_ctl): run `make test-tools` "
            "(apt-get install postgresql), or set TEST_POSTGRES_DSN to a server of your own"
        )
    return Path(found[-1]).parent


def _as_owner(command: Sequence[str]) -> list[str]:
    """Return ``command`` run as the cluster's owner: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return list(command)
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running the store tests as root needs runuser (util-linux) to drop to postgres")
    return [runuser, "-u", SERVICE_USER, "--", *command]


def _run(command: Sequence[str]) -> None:
    argv = _as_owner(command)  # our own fixed programs and paths
    done = subprocess.run(argv, capture_output=True, text=True, timeout=START_TIMEOUT, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


@contextmanager
def throwaway_server() -> Iterator[str]:
    """Start a private server; yield its DSN (database ``postgres``, user ``postgres``, trust auth)."""
    bin_dir = server_binaries()
    root = Path(tempfile.mkdtemp(prefix="gsmgateway-pg-"))  # short: a socket path has ~100 bytes
    data = root / "data"
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SERVICE_USER)
        os.chown(root, owner.pw_uid, owner.pw_gid)
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
              "--no-sync", "--no-instructions"])  # fmt: skip
        options = f"-c listen_addresses='' -c unix_socket_directories='{root}' -c fsync=off"
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"),
              "-w", "-t", str(START_TIMEOUT), "start"])  # fmt: skip
        try:
            yield f"postgresql://postgres@/postgres?host={root}"
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)
