"""Serving an app on a TCP port: the one piece of ``aiohttp.web`` the composition root needs.

Kept under ``api/`` so that ``aiohttp.web`` stays imported only here; ``app.py`` asks for a listening
server and gets back the real bound address (port 0 in the config picks a free one, for tests).

Two protections against clients that hold connections (a flood of idle sockets once starved the
daemon of file descriptors, so ``/health`` and a replugged modem's port could not open):

* **A deadline for each request's headers.** aiohttp's keep-alive timer starts when a connection
  opens and again after each response, and is not pushed back by bytes that do not complete a
  request: a client that sends nothing, or its headers a byte at a time, is closed after
  ``idle_timeout`` seconds, as is an idle keep-alive connection.
* **A cap on open connections.** Past ``max_connections`` a new connection is answered at once
  with ``503`` and closed, so the descriptors left are the daemon's own (modem ports, database).

With a certificate and key the server speaks HTTPS only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from typing import Final, cast

from aiohttp import web

logger = logging.getLogger(__name__)

_BUSY_BODY: Final = json.dumps(
    {"error": {"type": "service_unavailable", "message": "too many open connections; try again"}}
).encode()
_BUSY: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Connection: close\r\nContent-Length: " + str(len(_BUSY_BODY)).encode() + b"\r\n\r\n" + _BUSY_BODY
)


class _Refuse(asyncio.Protocol):
    """Answers one connection over the cap with 503 and closes it; reads nothing."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        stream = cast(asyncio.WriteTransport, transport)  # a stream server's transport
        stream.write(_BUSY)
        stream.close()


class _CappedFactory:
    """aiohttp's protocol factory, except past the cap: then a :class:`_Refuse`."""

    def __init__(self, server: web.Server, limit: int) -> None:
        self._server = server
        self._limit = limit

    def __call__(self) -> asyncio.BaseProtocol:
        if len(self._server.connections) >= self._limit:
            logger.warning(
                "%d connections open (api.max_connections): refusing new ones with 503", self._limit
            )
            return _Refuse()
        return self._server()


class ApiServer:
    """A listening HTTP server for one aiohttp application; :meth:`close` stops it."""

    def __init__(
        self, runner: web.AppRunner, listener: asyncio.Server, host: str, port: int, *, tls: bool
    ) -> None:
        self._runner = runner
        self._listener = listener
        self.host = host
        self.port = port
        self.tls = tls

    @property
    def url(self) -> str:
        """Where clients reach it, e.g. ``http://127.0.0.1:8080`` (``https`` with TLS)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    async def close(self) -> None:
        """Stop accepting, finish requests in flight (aiohttp's shutdown timeout), free the port."""
        self._listener.close()
        await self._runner.cleanup()
        await self._listener.wait_closed()


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """Return a server TLS context for a PEM certificate (chain) and its key.

    :raises OSError: a file cannot be read, or they are not a certificate and its key (``ssl.SSLError``).
    """
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


async def serve(
    app: web.Application,
    host: str,
    port: int,
    *,
    tls: ssl.SSLContext | None = None,
    max_connections: int = 1000,
    idle_timeout: float = 15.0,
    shutdown_timeout: float = 10.0,
) -> ApiServer:
    """Start serving ``app`` on ``host:port`` and return once the socket is bound.

    :raises OSError: the address cannot be bound (in use, not allowed); nothing is left running.
    """
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        shutdown_timeout=shutdown_timeout,
        keepalive_timeout=idle_timeout,
    )
    await runner.setup()
    try:
        if runner.server is None:  # setup() made it; never None here
            raise RuntimeError("aiohttp's runner has no server after setup()")
        listener = await asyncio.get_running_loop().create_server(
            _CappedFactory(runner.server, max_connections), host, port, ssl=tls, reuse_address=True
        )
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = port
    for sock in listener.sockets:
        bound_port = int(sock.getsockname()[1])
        break
    return ApiServer(runner, listener, host, bound_port, tls=tls is not None)
