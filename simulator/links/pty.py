"""The pseudo-terminal link: the modem behind a tty, at a stable path such as ``/tmp/gsmsim0``.

The gateway opens the path with pyserial exactly as it opens ``/dev/ttyUSB0``. Design choices:

* The slave is set raw, so the line discipline neither echoes nor turns CR into LF: the client
  sees the modem's bytes, and the modem sees the client's.
* The simulator keeps its own descriptor of the slave open for as long as the modem is plugged in.
  On Linux a master whose slave has no open descriptor reads EIO and polls as hung up forever; by
  holding one, clients can open and close the path any number of times, the ``/dev/pts/N`` name
  never changes while plugged, and the device keeps its state. pyserial flushes the input queue
  when it opens a port, so a new client does not read what the modem said to nobody.
* The stable path is a symlink to ``/dev/pts/N``, swapped atomically (symlink to a temporary name,
  then ``os.replace``). ``unplug`` closes the master (an open client then gets EIO, which pyserial
  reports as ``SerialException``) and removes the symlink; ``replug`` makes a fresh pty and points
  the same symlink at it.
* ``/dev/pts/N`` belongs to the user who runs the simulator, mode 0620, group ``tty``. So that a
  gateway running as a non-root member of ``dialout`` can open it (as it would a USB modem), the
  slave is given group ``dialout`` and mode 0660 whenever the process may do so (always as root).
"""

from __future__ import annotations

import asyncio
import errno
import grp
import logging
import os
import tty
from pathlib import Path
from typing import Final

from simulator.links.base import Link, LinkKind
from simulator.links.runner import ModemRunner

logger = logging.getLogger(__name__)

READ_SIZE: Final = 65536
#: Output kept for a client that is not reading (the kernel's pty queue is full). Beyond this the
#: oldest bytes are dropped, as a real modem's output is lost when nobody has the port open.
MAX_BACKLOG: Final = 64 * 1024
SLAVE_MODE: Final = 0o660


class PtyLink(Link):
    """A pty for the modem, published at ``path`` (a symlink) when one is given."""

    kind = LinkKind.PTY

    def __init__(
        self, runner: ModemRunner, *, path: str | Path | None = None, group: str | None = "dialout"
    ) -> None:
        super().__init__(runner)
        self._path = None if path is None else Path(path)
        self._group = group
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_name: str | None = None
        self._backlog = bytearray()
        self._writer_armed = False

    @property
    def url(self) -> str | None:
        """The stable symlink path, or ``/dev/pts/N`` when no path was asked for."""
        return str(self._path) if self._path is not None else self._slave_name

    @property
    def slave_name(self) -> str | None:
        """The ``/dev/pts/N`` the path currently points to (None while unplugged)."""
        return self._slave_name

    @property
    def connected(self) -> bool:
        """A pty cannot tell whether a client has the slave open: True while plugged in."""
        return self._plugged

    async def replug(self) -> None:
        """Make a fresh pty and publish it at the same path; the device keeps its state.

        :raises OSError: the pty cannot be made or the path is taken by something that is not a
            symlink (``FileExistsError``): the simulator refuses to replace a real file.
        """
        if not self._plugged:
            self._open()
            self._runner.connection_reset("connect")

    async def unplug(self) -> None:
        """Close the pty and remove the path: an open client's next read or write fails."""
        if self._plugged:
            self._close()
            self._runner.connection_reset("disconnect")

    def _open(self) -> None:
        master, slave = os.openpty()
        try:
            tty.setraw(slave)
            os.set_blocking(master, False)
            name = os.ttyname(slave)
            self._grant_group(slave, name)
            if self._path is not None:
                _publish_symlink(name, self._path)
        except BaseException:
            os.close(master)
            os.close(slave)
            raise
        self._master, self._slave, self._slave_name = master, slave, name
        asyncio.get_running_loop().add_reader(master, self._on_readable)
        self._runner.output.attach(self._write)
        self._plugged = True
        logger.info("simulated modem on %s (%s)", self.url, name)

    def _close(self) -> None:
        self._plugged = False
        self._runner.output.detach(self._write)
        self._backlog.clear()
        loop = asyncio.get_running_loop()
        if self._master is not None:
            loop.remove_reader(self._master)
            loop.remove_writer(self._master)
            os.close(self._master)
        if self._slave is not None:
            os.close(self._slave)
        if self._path is not None and self._slave_name is not None:
            _remove_symlink(self._path, self._slave_name)
        self._master = self._slave = self._slave_name = None
        self._writer_armed = False

    def _grant_group(self, slave: int, name: str) -> None:
        if self._group is None:
            return
        try:
            gid = grp.getgrnam(self._group).gr_gid
            os.fchown(slave, -1, gid)
            os.fchmod(slave, SLAVE_MODE)
        except (KeyError, PermissionError) as exc:
            logger.warning(
                "cannot give %s to group %s (%s); only its owner can open it", name, self._group, exc
            )

    def _on_readable(self) -> None:
        if self._master is None:
            return
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: every slave descriptor is closed, ours included
            logger.warning("pty %s hung up (%s); making a fresh one at %s", self._slave_name, exc, self.url)
            data = b""
        if data:
            self._runner.receive(data)
        else:
            self._recycle()

    def _recycle(self) -> None:
        """Replace a hung-up pty: its master would poll as readable forever (a busy loop)."""
        self._close()
        try:
            self._open()
        except OSError:
            logger.exception("cannot make a fresh pty at %s; the modem stays unplugged", self.url)
            self._runner.connection_reset("disconnect")
            return
        self._runner.connection_reset("reconnect")

    def _write(self, data: bytes) -> None:
        self._backlog += data
        overflow = len(self._backlog) - MAX_BACKLOG
        if overflow > 0:
            del self._backlog[:overflow]
        self._flush()

    def _flush(self) -> None:
        master = self._master
        if master is None:
            return
        while self._backlog:
            try:
                written = os.write(master, self._backlog)
            except BlockingIOError:
                if not self._writer_armed:
                    asyncio.get_running_loop().add_writer(master, self._flush)
                    self._writer_armed = True
                return
            except OSError as exc:  # the pty went away under us: the bytes are lost, as on a real line
                logger.warning(
                    "cannot write to %s (%s); dropping %d bytes", self._slave_name, exc, len(self._backlog)
                )
                self._backlog.clear()
                break
            del self._backlog[:written]
        if self._writer_armed:
            asyncio.get_running_loop().remove_writer(master)
            self._writer_armed = False


def _publish_symlink(target: str, path: Path) -> None:
    """Point ``path`` at ``target`` atomically; refuse to replace anything but a symlink."""
    if os.path.lexists(path) and not path.is_symlink():
        raise FileExistsError(errno.EEXIST, "exists and is not a symlink; refusing to replace it", str(path))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if os.path.lexists(temporary):
        temporary.unlink()
    os.symlink(target, temporary)
    os.replace(temporary, path)


def _remove_symlink(path: Path, target: str) -> None:
    """Remove ``path`` if it still points at ``target`` (another simulator may have taken it)."""
    try:
        if os.readlink(path) == target:
            path.unlink()
    except OSError:
        logger.debug("symlink %s already gone", path)
