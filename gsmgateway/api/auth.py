"""API keys, scopes and the per-key request limit, applied to every endpoint that is not public.

A key is presented as ``Authorization: Bearer <key>`` or ``X-Api-Key: <key>``. The service checks it
(keys are stored hashed, and known keys are cached there briefly so a busy caller does not cost a
database lookup per request). The scope an endpoint needs is declared in the route table; ``admin``
satisfies every scope. The per-key limit counts requests (a batch is one request); the service
limits messages per recipient.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web
from aiohttp.typedefs import Middleware

from gsmgateway.api.context import CALLER
from gsmgateway.api.error_responses import Handler
from gsmgateway.api.routes import ENDPOINTS_BY_HANDLER, Endpoint
from gsmgateway.api.scopes import has_scope
from gsmgateway.core.credentials import is_well_formed_key
from gsmgateway.core.errors import AuthError, ForbiddenError, RateLimitedError
from gsmgateway.core.ratelimit import RateLimiter
from gsmgateway.messages.authentication import Authenticate


def presented_key(request: web.Request) -> str:
    """Return the API key the request carries.

    :raises AuthError: no key, a non-Bearer ``Authorization`` scheme, or two different keys.
    """
    header = request.headers.get("Authorization")
    alternative = request.headers.get("X-Api-Key")
    key: str | None = None
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthError("the Authorization header must be 'Bearer <api key>'")
        key = value.strip()
    if alternative is not None:
        if key is not None and alternative.strip() != key:
            raise AuthError("Authorization and X-Api-Key carry different keys")
        key = alternative.strip()
    if not key:
        raise AuthError("an API key is required (Authorization: Bearer <key> or X-Api-Key)")
    if not is_well_formed_key(key):
        raise AuthError("the API key is not valid")
    return key


#: Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever its peer address.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def from_this_machine(request: web.Request) -> bool:
    """Whether the peer is a loopback address and no proxy says it forwards someone else's request."""
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not peer:
        return False
    try:
        return ipaddress.ip_address(str(peer[0]).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def auth_middleware(authenticate: Authenticate, limiter: RateLimiter) -> Middleware:
    """Return the middleware that authenticates, checks the endpoint's scope and limits each key."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        endpoint: Endpoint | None = ENDPOINTS_BY_HANDLER.get(request.match_info.handler)
        if endpoint is None or not endpoint.scopes:
            return await handler(request)  # public endpoint, or aiohttp's own 404/405
        if endpoint.loopback_without_key and from_this_machine(request):
            return await handler(request)
        caller = await authenticate(presented_key(request))
        if not has_scope(caller, endpoint.scopes):
            raise ForbiddenError(f"this API key lacks the scope {' or '.join(endpoint.scopes)}")
        wait = limiter.acquire(caller.key_id)
        if wait > 0:
            raise RateLimitedError(f"too many requests for API key {caller.name!r}", retry_after=wait)
        request[CALLER] = caller
        return await handler(request)

    return middleware
