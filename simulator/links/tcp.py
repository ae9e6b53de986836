"""The TCP link: the modem on a loopback port that pyserial opens as ``socket://HOST:PORT``.

This runs the gateway's real pyserial code path (a file descriptor, select, partial reads) without
needing a tty, and works where ptys do not. One client at a time: a new connection replaces the
old one, so a client that reopens its port at once never races its own close.
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import cast

from simulator.links.base import Link, LinkKind
from simulator.links.runner import ModemRunner


class _ModemProtocol(asyncio.Protocol):
    """One TCP client of the modem."""

    def __init__(self, link: TcpLink) -> None:
        self._link = link
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # create_server gives stream transports
        self._link.attach(self)

    def data_received(self, data: bytes) -> None:
        self._link.receive_from(self, data)

    def eof_received(self) -> bool:
        return False  # close our side too: the client closed its port

    def connection_lost(self, exc: Exception | None) -> None:
        self._link.detach(self)
        if not self.closed.done():
            self.closed.set_result(None)

    def send(self, data: bytes) -> None:
        """Write the modem's output to this client."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


class TcpLink(Link):
    """A loopback TCP server for the modem; ``unplug`` closes it and ``replug`` listens again.

    The port is chosen once (port 0 picks a free one) and kept across replug, so ``url`` never
    changes; asyncio sets ``SO_REUSEADDR``, so the old connections' TIME_WAIT does not block it.
    """

    kind = LinkKind.TCP

    def __init__(self, runner: ModemRunner, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(runner)
        self._host = ip_literal(host)
        self._port = port
        self._server: asyncio.Server | None = None
        self._client: _ModemProtocol | None = None
        self._clients: set[_ModemProtocol] = set()

    @property
    def url(self) -> str:
        """The pyserial URL, ``socket://HOST:PORT``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"socket://{host}:{self._port}"

    @property
    def port(self) -> int:
        """The TCP port (known once started)."""
        return self._port

    @property
    def connected(self) -> bool:
        """True while a client is connected."""
        return self._client is not None

    def attach(self, client: _ModemProtocol) -> None:
        """Make ``client`` the modem's only client, replacing any earlier one."""
        self._clients.add(client)
        previous, self._client = self._client, client
        if previous is not None and previous.transport is not None:
            previous.transport.close()
        self._runner.output.attach(client.send)
        self._runner.connection_reset("connect")

    def receive_from(self, client: _ModemProtocol, data: bytes) -> None:
        """Bytes from ``client``: only the current client reaches the modem."""
        if client is self._client:
            self._runner.receive(data)

    def detach(self, client: _ModemProtocol) -> None:
        """``client`` disconnected."""
        self._clients.discard(client)
        if client is self._client:
            self._client = None
            self._runner.output.detach(client.send)
            self._runner.connection_reset("disconnect")

    async def replug(self) -> None:
        """Listen (again) on the same port.

        :raises OSError: the address cannot be bound (for example, another process took the port
            while the modem was unplugged).
        """
        if self._plugged:
            return
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _ModemProtocol(self), self._host, self._port, reuse_address=True
        )
        self._port = self._server.sockets[0].getsockname()[1]
        self._plugged = True

    async def unplug(self) -> None:
        """Stop listening and drop every client abruptly (RST), like a cable pulled mid-read."""
        self._plugged = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        clients = list(self._clients)
        for client in clients:
            if client.transport is not None:
                client.transport.abort()
        for client in clients:
            await client.closed
        if server is not None:
            await server.wait_closed()


def ip_literal(host: str) -> str:
    """Return ``host`` as one IP address, so the advertised ``socket://`` URL reaches this server.

    A name such as ``localhost`` may resolve to both ``::1`` and ``127.0.0.1``; with port 0 each
    would get its own port, and a client could land on the one the URL does not name.

    :raises ValueError: for a host name other than ``localhost``.
    """
    if host == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise ValueError(f"the TCP link needs an IP address (or localhost), not {host!r}") from None
