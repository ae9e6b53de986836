"""The sd_notify protocol: ``READY=1``, ``STATUS=…``, ``WATCHDOG=1``, ``STOPPING=1`` to ``$NOTIFY_SOCKET``.

systemd (``Type=notify``) passes the address of a datagram socket in ``$NOTIFY_SOCKET``: a file
system path, or an abstract-namespace name written with a leading ``@`` (sd_notify(3)). Each
message is newline-separated ``KEY=VALUE`` assignments sent as one datagram. ``$WATCHDOG_USEC``
asks for a ``WATCHDOG=1`` at least that often (we ping at half of it, as sd_watchdog_enabled(3)
advises), but only if ``$WATCHDOG_PID`` is unset or names this process — a child that inherited the
variables must not keep a hung parent alive.

A failed send never stops the daemon: systemd being restarted or the socket buffer being full
is no reason to stop sending SMS. The first failure is logged as a warning, later ones at DEBUG.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

logger = logging.getLogger(__name__)


def socket_address(value: str) -> str | None:
    """Return the ``AF_UNIX`` address for a ``$NOTIFY_SOCKET`` value, or None if it names none we use.

    ``@name`` is the abstract namespace (a leading NUL byte); ``/path`` a socket file. Anything
    else (a relative path, or ``vsock:`` addresses of newer systemd for virtual machines) is ignored,
    as libsystemd ignores what it cannot parse.
    """
    if value.startswith("@") and len(value) > 1:
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    return None


def watchdog_interval(environ: Mapping[str, str], pid: int) -> float | None:
    """Return how often to send ``WATCHDOG=1`` (seconds, half of ``$WATCHDOG_USEC``), or None for never."""
    watchdog_pid = environ.get("WATCHDOG_PID", "")
    if watchdog_pid and watchdog_pid != str(pid):
        return None
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2_000_000 if usec > 0 else None


@dataclass
class ServiceNotifier:
    """Sends notify messages to one address; ``address=None`` makes every send a no-op."""

    address: str | None
    watchdog_interval: float | None = None

    def __post_init__(self) -> None:
        self._socket: socket.socket | None = None
        self._failed_before = False

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, pid: int | None = None
    ) -> ServiceNotifier:
        """Read ``$NOTIFY_SOCKET``, ``$WATCHDOG_USEC`` and ``$WATCHDOG_PID`` (default: this process's)."""
        environ = os.environ if environ is None else environ
        raw = environ.get("NOTIFY_SOCKET", "")
        address = socket_address(raw)
        if raw and address is None:
            logger.warning("NOTIFY_SOCKET=%r is not a socket address we can use; not notifying systemd", raw)
        interval = watchdog_interval(environ, os.getpid() if pid is None else pid) if address else None
        return cls(address, interval)

    @property
    def enabled(self) -> bool:
        """Whether a service manager listens (``$NOTIFY_SOCKET`` named a usable address)."""
        return self.address is not None

    def send(self, **assignments: str) -> bool:
        """Send ``KEY=VALUE`` lines as one datagram (``send(READY="1", STATUS="…")``); True if sent.

        Values are made single-line: a newline would start a new assignment of its own.
        """
        if self.address is None:
            return False
        payload = "\n".join(f"{key}={' '.join(value.splitlines())}" for key, value in assignments.items())
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._socket.setblocking(False)
            self._socket.sendto(payload.encode("utf-8"), self.address)
        except OSError as exc:
            level = logging.DEBUG if self._failed_before else logging.WARNING
            logger.log(level, "cannot notify systemd (%s): %s", ", ".join(assignments), exc)
            self._failed_before = True
            return False
        return True

    def close(self) -> None:
        """Close the socket (idempotent); a later send opens a new one."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
