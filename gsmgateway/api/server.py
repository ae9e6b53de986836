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

Requests that are not valid HTTP (a broken request line, an oversized or NUL-bearing header, TLS
on the plain port) never reach the application: aiohttp's connection handler answers them itself,
in ``text/plain`` that quotes the offending bytes, and logs those bytes — the whole header line,
API key included — at ERROR. Each connection here is handled by :class:`EnvelopeRequestHandler`
instead, which answers in the API's ``{"error": …}`` envelope and logs one line naming the problem,
never the bytes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import ssl
from collections.abc import Callable
from typing import Any, Final, cast

from aiohttp import web

from gsmgateway.api.error_responses import error_body

logger = logging.getLogger(__name__)

_BUSY_BODY: Final = json.dumps(
    {"error": {"type": "service_unavailable", "message": "too many open connections; try again"}}
).encode()
_BUSY: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Connection: close\r\nContent-Length: " + str(len(_BUSY_BODY)).encode() + b"\r\n\r\n" + _BUSY_BODY
)

_QUOTED_OR_DETAIL: Final = re.compile(r"[:'\"\n]")
_PROTOCOL_ERROR_TYPES: Final = {400: "bad_request", 413: "body_too_large", 431: "bad_request"}


def protocol_problem(exc: BaseException | None, message: str | None) -> str:
    """Return what was wrong with a request aiohttp could not parse, without any of its bytes.

    aiohttp's texts name the problem first and quote the bytes after a colon or in quotes
    (``Invalid header value char: b'Authorization: Bearer …'``); only the name is kept.
    """
    text = str(getattr(exc, "message", None) or message or "")
    name = _QUOTED_OR_DETAIL.split(text, maxsplit=1)[0].strip()
    return name[:100] or "malformed request"


class EnvelopeRequestHandler(web.RequestHandler):
    """aiohttp's per-connection handler, answering protocol errors in the API's JSON envelope."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """Answer a request aiohttp could not parse (4xx) or a failure outside the app (500).

        :raises ConnectionError: part of a response was already sent (aiohttp then drops the line).
        """
        if status >= 500:
            logger.error("internal error outside the application", exc_info=exc)
            detail = "internal error"
        else:
            detail = f"the request is not valid HTTP/1.1: {protocol_problem(exc, message)}"
            logger.info("refused a malformed HTTP request from %s (%s)", request.remote, detail)
        if request.writer.output_size > 0:
            raise ConnectionError("a response was already started; cannot send the error")
        error_type = _PROTOCOL_ERROR_TYPES.get(status, "internal_error" if status >= 500 else "bad_request")
        response = web.json_response(error_body(error_type, detail), status=status)
        response.force_close()
        return response


class _Refuse(asyncio.Protocol):
    """Answers one connection over the cap with 503 and closes it; reads nothing."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        stream = cast(asyncio.WriteTransport, transport)  # a stream server's transport
        stream.write(_BUSY)
        stream.close()


class _CappedFactory:
    """Makes each connection's protocol: ``make_handler()``, except past the cap: a :class:`_Refuse`."""

    def __init__(
        self, server: web.Server, make_handler: Callable[[], asyncio.BaseProtocol], limit: int
    ) -> None:
        self._server = server
        self._make_handler = make_handler
        self._limit = limit

    def __call__(self) -> asyncio.BaseProtocol:
        if len(self._server.connections) >= self._limit:
            logger.warning(
                "%d connections open (api.max_connections): refusing new ones with 503", self._limit
            )
            return _Refuse()
        return self._make_handler()


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
    options: dict[str, Any] = {"access_log": None, "keepalive_timeout": idle_timeout}
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=shutdown_timeout, **options)
    await runner.setup()
    manager = runner.server
    loop = asyncio.get_running_loop()
    try:
        if manager is None:  # setup() made it; never None here
            raise RuntimeError("aiohttp's runner has no server after setup()")
        factory = _CappedFactory(
            manager, lambda: EnvelopeRequestHandler(manager, loop=loop, **options), max_connections
        )
        listener = await loop.create_server(factory, host, port, ssl=tls, reuse_address=True)
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = port
    for sock in listener.sockets:
        bound_port = int(sock.getsockname()[1])
        break
    return ApiServer(runner, listener, host, bound_port, tls=tls is not None)
