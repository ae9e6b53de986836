"""What every link (memory, TCP, pty) offers the simulator server: start, stop, unplug, replug.

A link is the USB cable and the port: it carries bytes between one client at a time and the
:class:`~simulator.links.runner.ModemRunner`, and it can be pulled out and pushed back in. The
device's state lives in the runner's device, never in the link, so it survives both.
"""

from __future__ import annotations

import abc
from enum import StrEnum

from simulator.links.runner import ModemRunner


class LinkKind(StrEnum):
    """The ways a client can reach the simulated modem."""

    MEMORY = "memory"  # in-process ByteStream: the fastest, for unit tests of the driver
    TCP = "tcp"  # pyserial's socket://HOST:PORT: the real pyserial code path without a tty
    PTY = "pty"  # a pseudo-terminal behind a stable symlink: opened exactly like /dev/ttyUSB0


class LinkUnpluggedError(ConnectionRefusedError):
    """The simulated modem is unplugged, so nothing can connect to it until it is replugged."""


class Link(abc.ABC):
    """One way to reach the modem. ``start`` returns only once a client can connect."""

    kind: LinkKind

    def __init__(self, runner: ModemRunner) -> None:
        self._runner = runner
        self._plugged = False

    @property
    def plugged(self) -> bool:
        """True while a client can reach the modem."""
        return self._plugged

    @property
    @abc.abstractmethod
    def url(self) -> str | None:
        """What a client opens (pyserial URL or device path); None for the in-memory link."""

    @property
    @abc.abstractmethod
    def connected(self) -> bool:
        """True while a client holds the port open (as far as the link can tell)."""

    async def start(self) -> None:
        """Plug the modem in for the first time."""
        await self.replug()

    async def stop(self) -> None:
        """Unplug for good, releasing every descriptor, socket and symlink."""
        await self.unplug()

    @abc.abstractmethod
    async def unplug(self) -> None:
        """Pull the cable: clients see EOF or an error, and nobody can connect (idempotent)."""

    @abc.abstractmethod
    async def replug(self) -> None:
        """Push the cable back in at the same address; the device keeps its state (idempotent)."""
