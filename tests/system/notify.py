"""The service manager's end of sd_notify: a datagram socket the daemon reports to, as systemd's is.

systemd reads each datagram as newline-separated ``KEY=VALUE`` assignments (sd_notify(3)); this
listener does the same and keeps every message it got, in order, so a test can also check what
came *after* something (nothing after ``STOPPING=1``).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

RECEIVE_TIMEOUT = 30.0

Message = dict[str, str]


def parse(datagram: bytes) -> Message:
    """Split one datagram into its assignments (a line without ``=`` is kept with an empty value)."""
    message: Message = {}
    for line in datagram.decode("utf-8").split("\n"):
        if line:
            key, _, value = line.partition("=")
            message[key] = value
    return message


class NotifyListener:
    """A bound ``AF_UNIX`` datagram socket; ``address`` is what goes into ``$NOTIFY_SOCKET``."""

    def __init__(self, path: Path) -> None:
        self.address = str(path)
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.bind(self.address)
        self._socket.setblocking(False)
        self.received: list[Message] = []

    async def receive(self, timeout: float = RECEIVE_TIMEOUT) -> Message:  # noqa: ASYNC109
        """Wait (bounded) for the next datagram and return it parsed."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                datagram = await loop.sock_recv(self._socket, 65536)
        except TimeoutError:
            raise AssertionError(f"no notify message within {timeout}s; last: {self.received[-5:]}") from None
        message = parse(datagram)
        self.received.append(message)
        return message

    async def receive_until(self, accept: Callable[[Message], bool], *, what: str) -> Message:
        """Receive until a message that ``accept`` holds for; fail with the last ones seen."""
        try:
            async with asyncio.timeout(RECEIVE_TIMEOUT):
                while not accept(message := await self.receive()):
                    pass
        except TimeoutError:
            last = self.received[-5:]
            raise AssertionError(f"{what}: not within {RECEIVE_TIMEOUT}s; last: {last}") from None
        return message

    def drain(self) -> list[Message]:
        """Take every datagram already waiting, without waiting for more."""
        drained: list[Message] = []
        while True:
            try:
                datagram = self._socket.recv(65536)
            except BlockingIOError:
                return drained
            drained.append(parse(datagram))
            self.received.append(drained[-1])

    def close(self) -> None:
        """Close and unlink the socket."""
        self._socket.close()
        Path(self.address).unlink(missing_ok=True)
