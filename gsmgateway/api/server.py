"""Serving an app on a TCP port: the one piece of ``aiohttp.web`` the composition root needs.

Kept under ``api/`` so that ``aiohttp.web`` stays imported only here; ``app.py`` asks for a listening
server and gets back the real bound address (port 0 in the config picks a free one, for tests).

Requests that are not valid HTTP (a broken request line, an oversized or NUL-bearing header, TLS
on the plain port) never reach the application: aiohttp's connection handler answers them itself,
in ``text/plain`` that quotes the offending bytes, and logs those bytes — the whole header line,
API key included — at ERROR. Each connection here is handled by :class:`EnvelopeRequestHandler`
instead, which answers in the API's ``{"error": …}`` envelope and logs one line naming the problem,
never the bytes.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Final

from aiohttp import web

from gsmgateway.api.error_responses import error_body

logger = logging.getLogger(__name__)

_HANDLER_OPTIONS: Final[dict[str, Any]] = {"access_log": None}
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


class ApiServer:
    """A listening HTTP server for one aiohttp application; :meth:`close` stops it."""

    def __init__(self, runner: web.AppRunner, listener: asyncio.Server, host: str, port: int) -> None:
        self._runner = runner
        self._listener = listener
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        """Where clients reach it, e.g. ``http://127.0.0.1:8080``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        """Stop accepting, finish requests in flight (aiohttp's shutdown timeout), free the port."""
        self._listener.close()
        await self._runner.cleanup()
        await self._listener.wait_closed()


async def serve(app: web.Application, host: str, port: int, *, shutdown_timeout: float = 10.0) -> ApiServer:
    """Start serving ``app`` on ``host:port`` and return once the socket is bound.

    :raises OSError: the address cannot be bound (in use, not allowed); nothing is left running.
    """
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=shutdown_timeout, **_HANDLER_OPTIONS)
    await runner.setup()
    manager = runner.server
    loop = asyncio.get_running_loop()
    try:
        assert manager is not None  # noqa: S101 - setup() built it
        listener = await loop.create_server(
            lambda: EnvelopeRequestHandler(manager, loop=loop, **_HANDLER_OPTIONS),
            host,
            port,
            reuse_address=True,
        )
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = port
    for sock in listener.sockets:
        bound_port = int(sock.getsockname()[1])
        break
    return ApiServer(runner, listener, host, bound_port)
