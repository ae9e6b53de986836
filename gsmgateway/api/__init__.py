"""The REST API: the only package that imports ``aiohttp.web``.

:func:`create_app` builds the public API; :func:`create_fineract_app` the optional Fineract
message-gateway compatibility app, served on its own port.
"""

from __future__ import annotations

from gsmgateway.api.app_factory import create_app
from gsmgateway.api.context import ModemStatusProvider
from gsmgateway.api.fineract_gateway import FineractBridgeService, create_fineract_app

__all__ = ["FineractBridgeService", "ModemStatusProvider", "create_app", "create_fineract_app"]
