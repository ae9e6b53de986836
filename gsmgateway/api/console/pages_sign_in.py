"""Signing in and out: an API key in a form field (never a URL) is exchanged for a session cookie."""

from __future__ import annotations

import logging

from aiohttp import web

from gsmgateway.api.console.context import OPERATOR, SESSION_ID
from gsmgateway.api.console.guard import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    check_origin,
    new_sign_in_token,
    same_token,
    see_other,
    set_cookie,
)
from gsmgateway.api.console.rendering import render
from gsmgateway.core.credentials import is_well_formed_key
from gsmgateway.core.errors import AuthError, ForbiddenError

logger = logging.getLogger(__name__)


def _form(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    token = new_sign_in_token()
    response = render(request, "sign_in.html", {"sign_in_token": token, "error": error}, status=status)
    set_cookie(request, response, SIGN_IN_COOKIE, token, path=request.path)
    return response


async def sign_in_form(request: web.Request) -> web.Response:
    """``GET /console/sign-in``: the form, with a fresh double-submit token."""
    return _form(request)


async def sign_in(request: web.Request) -> web.StreamResponse:
    """``POST /console/sign-in``: check the key, open a session, go to the overview.

    The form must come back with the token its page set in a cookie (a page of another site cannot
    read or set that cookie), so nobody can sign a browser in to a session of their choosing.
    """
    check_origin(request)
    form = await request.post()
    if not same_token(request.cookies.get(SIGN_IN_COOKIE, ""), form.get("sign_in_token")):
        return _form(request, error="The form had expired. Please try again.", status=403)
    key = form.get("api_key")
    key = key.strip() if isinstance(key, str) else ""
    if not is_well_formed_key(key):
        return _form(request, error="Enter an API key.", status=401)
    try:
        session_id, session = await request.app[OPERATOR].sessions.sign_in(key)
    except ForbiddenError:
        return _form(
            request, error="This key may not use the console: it needs the console scope.", status=403
        )
    except AuthError:
        return _form(request, error="This key is not valid (unknown or revoked).", status=401)
    logger.info("console: signed in with key %d (%s)", session.caller.key_id, session.caller.name)
    prefix = request.path.rsplit("/", 1)[0]
    response = see_other(f"{prefix}/")
    set_cookie(request, response, SESSION_COOKIE, session_id, path=prefix)
    response.del_cookie(SIGN_IN_COOKIE, path=request.path)
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    """``POST /console/sign-out``: delete the session on the server, then the cookie."""
    await request.app[OPERATOR].sessions.sign_out(request[SESSION_ID])
    prefix = request.path.rsplit("/", 1)[0]
    response = see_other(f"{prefix}/sign-in")
    response.del_cookie(SESSION_COOKIE, path=prefix)
    return response
