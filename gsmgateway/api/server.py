"""Serving an app on a TCP port: the one piece of ``aiohttp.web`` the composition root needs.

Kept under ``api/`` so that ``aiohttp.web`` stays imported only here; ``app.py`` asks for a listening
server and gets back the real bound address (port 0 in the config picks a free one, for tests).
"""

from __future__ import annotations

from aiohttp import web


class ApiServer:
    """A listening HTTP server for one aiohttp application; :meth:`close` stops it."""

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        self._runner = runner
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        """Where clients reach it, e.g. ``http://127.0.0.1:8080``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        """Stop accepting, finish requests in flight (aiohttp's shutdown timeout), free the port."""
        await self._runner.cleanup()


async def serve(app: web.Application, host: str, port: int, *, shutdown_timeout: float = 10.0) -> ApiServer:
    """Start serving ``app`` on ``host:port`` and return once the socket is bound.

    :raises OSError: the address cannot be bound (in use, not allowed); nothing is left running.
    """
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = port
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            bound_port = int(address[1])
            break
    return ApiServer(runner, host, bound_port)
