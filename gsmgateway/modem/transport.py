"""The byte stream to one modem, and the only module that imports ``serial``.

Choice: a thin file-descriptor transport over pyserial rather than ``pyserial-asyncio-fast``.
pyserial opens and configures the port (baud rate, flow control, ``exclusive=True``, URL handlers
such as ``socket://``); after that we read and write the descriptor directly through the event
loop's ``add_reader``/``add_writer``. Reasons:

* No executor threads and no detached background tasks: ``pyserial-asyncio-fast`` opens and
  closes ports in the default executor and closes from a background task, which outlives
  ``close()`` and trips the leak checks every test runs under.
* Exact end-of-stream semantics for the session: an unplugged tty (EIO), a closed pty master or a
  closed TCP peer all become ``b""`` from :meth:`SerialByteStream.read`, never a pyserial
  exception or a silent short read.
* One code path for ``/dev/ttyUSB0``, ``/dev/serial/by-id/…``, ptys and ``socket://``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import termios
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final, Protocol

import serial
import serial.tools.list_ports

from gsmgateway.core.errors import ModemUnavailableError

Trace = Callable[[str, bytes], None]
#: USB vendor ids of GSM/LTE modem makers (Huawei, ZTE, Quectel, SIMCom, Sierra, Telit, u-blox,
#: Qualcomm, Option, Novatel, Longcheer, Fibocom) for ``gsmgateway modem list``.
MODEM_VENDOR_IDS: Final = frozenset(
    {0x12D1, 0x19D2, 0x2C7C, 0x1E0E, 0x1199, 0x1BC7, 0x1546, 0x05C6, 0x0AF0, 0x1410, 0x1C9E, 0x2CB7}
)
_READ_SIZE: Final = 4096
_GONE: Final = frozenset({errno.EIO, errno.ENXIO, errno.ENODEV, errno.EBADF, errno.ECONNRESET, errno.EPIPE})


class ByteStream(Protocol):
    """A connected, bidirectional byte stream to one modem (docs/interfaces.md §1)."""

    async def read(self) -> bytes:
        """Return some bytes (at least one); ``b""`` means end of stream (unplugged)."""
        ...

    async def write(self, data: bytes) -> None:
        """Send all of ``data``; raise :class:`ModemUnavailableError` when the modem is gone."""
        ...

    async def close(self) -> None:
        """Release the port; idempotent."""
        ...


Opener = Callable[[], Awaitable[ByteStream]]


class SerialByteStream:
    """A :class:`ByteStream` over an open pyserial port's file descriptor."""

    def __init__(self, port: serial.SerialBase, *, trace: Trace | None = None) -> None:
        self._port = port
        self._fd: int = port.fileno()
        os.set_blocking(self._fd, False)
        if os.isatty(self._fd):
            # pyserial leaves VMIN=0, under which an idle tty reads as b"" (indistinguishable from
            # end of stream); VMIN=1 makes "no data yet" EAGAIN and a hang-up EIO or b"".
            attributes = termios.tcgetattr(self._fd)
            attributes[6][termios.VMIN] = 1
            attributes[6][termios.VTIME] = 0
            termios.tcsetattr(self._fd, termios.TCSANOW, attributes)
        self._trace = trace
        self._closed = False
        self._waiters: set[asyncio.Future[None]] = set()

    async def read(self) -> bytes:
        """Wait for bytes; ``b""`` when the device or peer is gone."""
        while not self._closed:
            try:
                data = os.read(self._fd, _READ_SIZE)
            except BlockingIOError:
                await self._wait(readable=True)
                continue
            except OSError as exc:
                if exc.errno in _GONE:
                    return b""
                raise ModemUnavailableError(f"read failed: {exc}") from exc
            if data and self._trace is not None:
                self._trace("<", data)
            return data
        return b""

    async def write(self, data: bytes) -> None:
        """Write all of ``data``, waiting while the driver's buffer is full."""
        if self._trace is not None:
            self._trace(">", data)
        view = memoryview(data)
        while view:
            if self._closed:
                raise ModemUnavailableError("port is closed")
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                await self._wait(readable=False)
                continue
            except OSError as exc:
                raise ModemUnavailableError(f"write failed: {exc}") from exc
            view = view[written:]

    async def close(self) -> None:
        """Close the port; safe to call twice, and wakes a pending read with ``b""``."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._fd)
        loop.remove_writer(self._fd)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        try:
            _close_port(self._port)
        except (OSError, serial.SerialException):
            pass  # the device is already gone; nothing left to release

    async def _wait(self, *, readable: bool) -> None:
        """Wait until the descriptor is readable (or writable), or the stream is closed."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.add(waiter)

        def ready() -> None:
            if not waiter.done():
                waiter.set_result(None)

        add, remove = (
            (loop.add_reader, loop.remove_reader) if readable else (loop.add_writer, loop.remove_writer)
        )
        add(self._fd, ready)
        try:
            await waiter
        finally:
            self._waiters.discard(waiter)
            if not self._closed:
                remove(self._fd)


def _close_port(port: serial.SerialBase) -> None:
    """Close a pyserial port without blocking the event loop.

    pyserial's ``socket://`` handler sleeps 0.3 s in ``close()`` ("give the server some time"),
    which would freeze every modem of the daemon; its socket is closed here directly instead.
    """
    sock = getattr(port, "_socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        port._socket = None
        port.is_open = False
        return
    port.close()


def open_port(
    url: str,
    *,
    baudrate: int = 115200,
    rtscts: bool = False,
    dsrdtr: bool = False,
    xonxoff: bool = False,
) -> serial.SerialBase:
    """Open ``url`` with pyserial (exclusive where supported), without timeouts of its own.

    :raises ModemUnavailableError: missing device, busy (locked by another process), refused.
    """
    try:
        return serial.serial_for_url(
            url,
            baudrate=baudrate,
            rtscts=rtscts,
            dsrdtr=dsrdtr,
            xonxoff=xonxoff,
            exclusive=True,
            timeout=0,
            write_timeout=0,
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise ModemUnavailableError(f"cannot open {url}: {exc}", reason=open_failure_reason(exc)) from exc


#: errno of a failed open → the reason ``GET /modems`` shows (``core/models.ModemReason`` values).
_OPEN_FAILURES: Final = {
    errno.ENOENT: "missing",
    errno.ENODEV: "missing",
    errno.ENXIO: "missing",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EBUSY: "busy",
    errno.EAGAIN: "busy",  # flock(LOCK_EX | LOCK_NB): another process holds the port (exclusive=True)
}


def open_failure_reason(exc: BaseException) -> str:
    """Name why opening failed, from the errno pyserial (or the OS) gives; ``open_failed`` otherwise."""
    code = getattr(exc, "errno", None)
    return _OPEN_FAILURES.get(code, "open_failed") if isinstance(code, int) else "open_failed"


def device_presence(url: str) -> Callable[[], bool] | None:
    """Return a check whether the device at ``url`` exists now, or None for a URL that is no path.

    Used to notice a replug at once (``/dev/serial/by-id/…`` symlinks and ptys come and go with
    the device): a stat per check, no thread, no udev (a pty has no udev events at all).
    """
    if "://" in url:
        return None
    return lambda: os.path.exists(url)


def serial_opener(
    url: str,
    *,
    baudrate: int = 115200,
    rtscts: bool = False,
    dsrdtr: bool = False,
    xonxoff: bool = False,
    trace: Trace | None = None,
) -> Opener:
    """Return an :data:`Opener` for a device path or pyserial URL; called again on every reconnect.

    Prefer ``/dev/serial/by-id/…``: ``ttyUSBn`` numbers change when a dongle re-enumerates.
    """

    async def open_stream() -> ByteStream:
        port = open_port(url, baudrate=baudrate, rtscts=rtscts, dsrdtr=dsrdtr, xonxoff=xonxoff)
        try:
            return SerialByteStream(port, trace=trace)
        except (OSError, ValueError) as exc:
            port.close()
            raise ModemUnavailableError(f"cannot use {url}: {exc}") from exc

    return open_stream


@dataclass(frozen=True, slots=True)
class PortInfo:
    """A serial port the system knows, for ``gsmgateway modem list``."""

    device: str
    description: str
    hwid: str
    vid: int | None
    pid: int | None
    by_id: str | None

    @property
    def looks_like_modem(self) -> bool:
        """True for USB serial ports of a known modem maker, or a ttyUSB/ttyACM device."""
        if self.vid is not None and self.vid in MODEM_VENDOR_IDS:
            return True
        return os.path.basename(self.device).startswith(("ttyUSB", "ttyACM"))


def list_ports() -> list[PortInfo]:
    """Return every serial port pyserial finds, with its stable ``/dev/serial/by-id`` link if any."""
    links: dict[str, str] = {}
    by_id_dir = "/dev/serial/by-id"
    if os.path.isdir(by_id_dir):
        for name in sorted(os.listdir(by_id_dir)):
            path = os.path.join(by_id_dir, name)
            links.setdefault(os.path.realpath(path), path)
    return [
        PortInfo(
            device=info.device,
            description=str(info.description),
            hwid=str(info.hwid),
            vid=info.vid,
            pid=info.pid,
            by_id=links.get(os.path.realpath(info.device)),
        )
        for info in serial.tools.list_ports.comports()
    ]
