"""The in-memory link: a ``ByteStream`` object straight into the modem, no file descriptors at all.

The gateway's driver opens its port through an ``Opener`` (``async () -> ByteStream``); passing
``sim.open_stream`` as that opener runs the whole driver against the simulator in one process, at
memory speed. The stream satisfies ``gsmgateway.modem.transport.ByteStream`` structurally: the
simulator never imports the driver.
"""

from __future__ import annotations

import asyncio
from collections import deque

from simulator.links.base import Link, LinkKind, LinkUnpluggedError
from simulator.links.runner import ModemRunner


class MemoryStream:
    """One client's open port on the in-memory link.

    ``read`` returns one write of the modem per call (so split writes stay split), and ``b""`` once
    the port is closed or the modem unplugged; ``write`` after that raises ``BrokenPipeError``, as a
    write to a vanished serial device fails.
    """

    def __init__(self, link: MemoryLink) -> None:
        self._link = link
        self._chunks: deque[bytes] = deque()
        self._wakeup = asyncio.Event()
        self._ended = False  # no more bytes will come (closed here, replaced or unplugged)
        self._closed = False  # closed by its owner

    @property
    def ended(self) -> bool:
        """True once the stream will never carry bytes again."""
        return self._ended

    async def read(self) -> bytes:
        """Return the next write from the modem, or ``b""`` at end of stream."""
        while not self._chunks and not self._ended:
            self._wakeup.clear()
            await self._wakeup.wait()
        return self._chunks.popleft() if self._chunks else b""

    async def write(self, data: bytes) -> None:
        """Send bytes to the modem.

        :raises BrokenPipeError: the port was closed or the modem unplugged.
        """
        if self._ended:
            raise BrokenPipeError("simulated modem port is closed or unplugged")
        self._link.receive_from(self, bytes(data))

    async def close(self) -> None:
        """Close the port (idempotent); the modem stays up for the next client."""
        if not self._closed:
            self._closed = True
            self._link.detach(self)
            self.hang_up()

    def deliver(self, data: bytes) -> None:
        """Queue bytes from the modem for ``read`` (called by the link's output channel)."""
        if not self._ended:
            self._chunks.append(data)
            self._wakeup.set()

    def hang_up(self) -> None:
        """End the stream: pending bytes may still be read, then ``read`` returns ``b""``."""
        self._ended = True
        self._wakeup.set()


class MemoryLink(Link):
    """In-process link; one stream at a time, a new ``open_stream`` replaces the old one.

    Replacing rather than refusing mirrors what a client expects when it reopens its port right
    after closing it: there is no race with the old stream's close.
    """

    kind = LinkKind.MEMORY

    def __init__(self, runner: ModemRunner) -> None:
        super().__init__(runner)
        self._stream: MemoryStream | None = None

    @property
    def url(self) -> str | None:
        """The in-memory link has no address: use ``open_stream``."""
        return None

    @property
    def connected(self) -> bool:
        """True while a stream is open."""
        return self._stream is not None

    async def open_stream(self) -> MemoryStream:
        """Open the port: a ``ByteStream`` connected to the modem (an ``Opener``).

        :raises LinkUnpluggedError: the modem is unplugged (a ``ConnectionRefusedError``).
        """
        if not self._plugged:
            raise LinkUnpluggedError("simulated modem is unplugged")
        self._drop_stream()
        stream = MemoryStream(self)
        self._stream = stream
        self._runner.output.attach(stream.deliver)
        self._runner.connection_reset("connect")
        return stream

    def receive_from(self, stream: MemoryStream, data: bytes) -> None:
        """Bytes written by ``stream``: only the current stream reaches the modem."""
        if stream is self._stream:
            self._runner.receive(data)

    def detach(self, stream: MemoryStream) -> None:
        """``stream`` was closed by its owner."""
        if stream is self._stream:
            self._stream = None
            self._runner.output.detach(stream.deliver)
            self._runner.connection_reset("disconnect")

    async def unplug(self) -> None:
        """Pull the cable: the open stream reads ``b""`` and writes fail."""
        self._plugged = False
        self._drop_stream()

    async def replug(self) -> None:
        """Plug back in: ``open_stream`` works again; the device kept its state."""
        self._plugged = True

    def _drop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            self._runner.output.detach(stream.deliver)
            stream.hang_up()
            self._runner.connection_reset("disconnect")
