"""The operator console: server-rendered pages under ``/console`` on the API's listener.

It is part of the API layer (it is an HTTP adapter over the same use cases, and ``aiohttp.web`` stays
under ``api/``), mounted by the composition root with :func:`mount_console` unless
``console.enabled`` is false. Templates and assets ship inside the package; nothing is fetched from
outside, and every page reads without JavaScript.
"""

from __future__ import annotations

from gsmgateway.api.console.app import PREFIX, create_console_app, mount_console

__all__ = ["PREFIX", "create_console_app", "mount_console"]
