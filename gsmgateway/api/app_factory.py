"""The app factory of the public REST API.

``create_app`` wires the service, the directory and the modem registry into an aiohttp application
with two middlewares (errors outermost, then auth/scope/limit) and the route table. It does not
start a server; the composition root (or a test's ``aiohttp_client``) does.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from gsmgateway.api.auth import auth_middleware
from gsmgateway.api.context import (
    CONFIG,
    DIRECTORY,
    INBOUND,
    METRICS,
    MODEMS,
    OPENAPI,
    SERVICE,
    STORE_HEALTH,
    MetricsSource,
    ModemStatusProvider,
    StoreHealthView,
)
from gsmgateway.api.error_responses import error_middleware
from gsmgateway.api.openapi import build_document
from gsmgateway.api.requests import BATCH_BODY_FACTOR
from gsmgateway.api.routes import ENDPOINTS
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.ratelimit import RateLimiter
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.authentication import Authenticate
from gsmgateway.messages.inbound import InboundService
from gsmgateway.messages.message_service import MessageService


def create_app(
    service: MessageService,
    directory: DirectoryService,
    *,
    authenticate: Authenticate,
    modems: ModemStatusProvider,
    inbound: InboundService,
    config: GatewayConfig | None = None,
    clock: Callable[[], float] = time.monotonic,
    metrics: MetricsSource | None = None,
    store_health: StoreHealthView | None = None,
) -> web.Application:
    """Return the REST API application.

    :param service: the message use cases (submit, list, get, cancel).
    :param directory: the client/staff directory behind ``/clients`` and ``/staff``.
    :param authenticate: API key → caller (:class:`KeyAuthenticator`).
    :param modems: where ``/modems`` and ``/ready`` read modem state (the worker registry).
    :param inbound: received SMS behind ``/inbound``.
    :param config: limits (body size, batch size, per-key rate); defaults when None.
    :param clock: monotonic seconds for the per-key limiter; tests pass their own.
    :param metrics: what ``GET /metrics`` serves (404 without).
    :param store_health: whether the store can be written (``GET /ready``); unknown without.
    """
    config = config or GatewayConfig()
    limiter = RateLimiter(config.limits.per_key_per_second, config.limits.per_key_burst, clock=clock)
    app = web.Application(
        middlewares=[error_middleware, auth_middleware(authenticate, limiter)],
        client_max_size=config.api.max_body_bytes * BATCH_BODY_FACTOR,
    )
    app[SERVICE] = service
    app[DIRECTORY] = directory
    app[MODEMS] = modems
    app[INBOUND] = inbound
    app[CONFIG] = config
    app[OPENAPI] = build_document()
    if metrics is not None:
        app[METRICS] = metrics
    if store_health is not None:
        app[STORE_HEALTH] = store_health
    for endpoint in ENDPOINTS:
        app.router.add_route(endpoint.method, endpoint.route_path, endpoint.handler)
    return app
