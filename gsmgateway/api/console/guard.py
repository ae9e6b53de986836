"""Who may see a console page and send a form: the session cookie, CSRF tokens and response headers.

* The session id travels only in the ``gsmgateway_console`` cookie: ``HttpOnly`` (no script reads
  it), ``SameSite=Strict`` (no other site's page sends it), ``Secure`` when the request came over
  TLS, limited to ``/console``. The API key is never in a URL, a page or a cookie.
* Every ``POST`` carries the session's CSRF token as a form field and, when the browser sends an
  ``Origin``, comes from our own host; either missing or wrong is a 403 that changes nothing.
  The sign-in form, which comes before any session, uses a double-submit cookie instead.
* Every answer is ``no-store`` (a page may show a new key once), may not be framed, and may load
  scripts, styles and images only from the gateway itself.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from gsmgateway.api.console.context import OPERATOR, SESSION, SESSION_ID
from gsmgateway.api.error_responses import Handler
from gsmgateway.api.scopes import has_scope
from gsmgateway.core.errors import SessionEndedError

SESSION_COOKIE: Final = "gsmgateway_console"
SIGN_IN_COOKIE: Final = "gsmgateway_console_signin"
CSRF_FIELD: Final = "csrf_token"
SECURITY_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class ForgedRequestError(web.HTTPForbidden):
    """A form arrived without the right CSRF token, or from another site's page."""


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str, path: str) -> None:
    """Set one of the console's cookies with every protection it needs."""
    response.set_cookie(
        name, value, path=path, httponly=True, samesite="Strict", secure=request.secure or None
    )


def require_scope(request: web.Request, scope: str, what: str) -> None:
    """Refuse a page to a session whose key lacks ``scope`` (``admin`` holds them all): the API's rule.

    :raises web.HTTPForbidden: the key may not ``what``; the 403 page says which scope it needs.
    """
    if not has_scope(request[SESSION].caller, (scope,)):
        raise web.HTTPForbidden(text=f"Your key may not {what} (it needs the {scope} scope).")


def see_other(location: str) -> web.Response:
    """Return a 303 to ``location``: after a form, the browser fetches the next page with GET."""
    return web.Response(status=303, headers={"Location": location})


def same_token(expected: str, presented: object) -> bool:
    """Compare a token in constant time; anything that is not a non-empty string is wrong."""
    return isinstance(presented, str) and bool(presented) and hmac.compare_digest(expected, presented)


def check_origin(request: web.Request) -> None:
    """Refuse a form posted from another origin (when the browser says where it came from).

    :raises ForgedRequestError: an ``Origin`` header naming another host (or ``null``).
    """
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise ForgedRequestError(text="This form was sent from another site and was refused.")


async def check_csrf(request: web.Request, expected: str) -> None:
    """Refuse a form without this session's CSRF token. :raises ForgedRequestError:."""
    check_origin(request)
    form = await request.post()
    if not same_token(expected, form.get(CSRF_FIELD)):
        raise ForgedRequestError(text="This form is out of date or was not sent from the console.")


def new_sign_in_token() -> str:
    """Return a fresh token for the sign-in form's double-submit cookie."""
    return secrets.token_urlsafe(24)


def guard_middleware(prefix: str, open_paths: Iterable[str]) -> Middleware:
    """Return the middleware that requires a live session (and a CSRF token on ``POST``).

    Pages in ``open_paths`` (sign-in, static assets) pass without one. Without a live session a
    ``GET`` is sent to the sign-in page and a ``POST`` is refused: a form is never acted on for a
    session that ended.
    """
    public = tuple(prefix + path for path in open_paths)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(public):
            return await handler(request)
        return await _guarded(request, handler, prefix)

    return middleware


async def _guarded(request: web.Request, handler: Handler, prefix: str) -> web.StreamResponse:
    session_id = request.cookies.get(SESSION_COOKIE, "")
    try:
        if not session_id:
            raise SessionEndedError("not signed in")
        session = await request.app[OPERATOR].sessions.resume(session_id)
    except SessionEndedError:
        if request.method == "POST":
            raise web.HTTPForbidden(text="Your session has ended. Sign in again.") from None
        raise web.HTTPSeeOther(f"{prefix}/sign-in") from None
    if request.method == "POST":
        await check_csrf(request, session.csrf_token)
    request[SESSION] = session
    request[SESSION_ID] = session_id
    return await handler(request)
